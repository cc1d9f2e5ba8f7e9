/**
 * Step-up sign-in (REFEDS MFA per resource): a licence requires an authentication context
 * (requireAuthnContext) the session's campus sign-in lacks, so authorize() refused with
 * `mfa-required`. The launch asks the same campus IdP again for exactly that context; the sign-in
 * route checks the answer by the same rule (meetsAuthnContext) and, when it falls short, or when
 * the IdP cannot do it at all, the reader gets the page that explains it and the denial is counted.
 */
import type { Request, Response } from 'express';
import type { Identity } from '../../idp-adapters/identity';
import { LoginError, type CampusSignIn, type IdpAdapter } from '../../idp-adapters/types';
import type { Resource } from '../../resource-catalog/schema';
import { pick, t } from '../i18n';
import { localPath } from '../local-path';
import { stepUpBody, type StepUpView } from '../pages/step-up-page';
import { render, type RouteContext } from './context';
import { sendLoginError } from './login-error-page';

/** The adapters by login id (gateway/logins.ts). */
export type Adapters = ReadonlyMap<string, IdpAdapter>;

export const describedAdapter = (adapter: IdpAdapter) => ({ id: adapter.id, kind: adapter.kind, institution: adapter.institution });

/** Ask the campus IdP the session signed in with for `authnContext`, then come back to this launch (or to `resumeAt`, a local path that answers the same request). */
export async function beginStepUp(ctx: RouteContext, adapters: Adapters, req: Request, res: Response, resource: Resource, authnContext: string, resumeAt?: () => Promise<string>): Promise<void> {
  const user = req.session!.data.user!;
  const campus = req.session!.data.campus as CampusSignIn | undefined;
  const adapter = campus ? adapters.get(campus.login) : undefined;
  if (!adapter?.supportsMfa) {
    refuseStepUp(ctx, req, res, { resource, identity: user, why: 'campus-cannot', requested: authnContext, login: adapter?.id });
    return;
  }
  const returnTo = localPath(resumeAt ? await resumeAt() : req.originalUrl);
  ctx.logger.info({ resource: resource.id, login: adapter.id, requested: authnContext, had: user.source.authnContext }, 'step-up sign-in started');
  try {
    await adapter.begin(req, res, { returnTo, authnContext });
  } catch (error) {
    if (!(error instanceof LoginError)) throw error;
    sendLoginError(ctx, req, res, error, returnTo, describedAdapter(adapter));
  }
}

export interface StepUpRefusal {
  resource: Resource;
  /** Who was refused: the session's reader, or the identity a step-up just brought back. */
  identity: Identity;
  why: StepUpView['why'];
  requested: string;
  login?: string;
  /** The launch to try again (default: the resource's /go link). */
  retryHref?: string;
}

/** The page that says the database needs two-step sign-in and what to do; the denial in the usage log. */
export function refuseStepUp(ctx: RouteContext, req: Request, res: Response, refusal: StepUpRefusal): void {
  const { resource, identity, why } = refusal;
  const lang = req.lang;
  ctx.recordUsage({ type: 'denial', resource: resource.id, reason: 'mfa-required', institution: identity.institution, subject: identity.subject, affiliations: identity.affiliations });
  ctx.logger.warn({ reason: 'mfa-required', resource: resource.id, why, login: refusal.login, requested: refusal.requested, asserted: identity.source.authnContext }, 'launch refused: the licence requires a stronger campus sign-in');
  const institution = ctx.config.institutions.find((i) => i.id === identity.institution);
  res.set('Cache-Control', 'no-store');
  render(ctx, req, res, 403, t(lang, 'stepUpTitle', { title: pick(resource.title, lang) }), stepUpBody({
    lang,
    why,
    login: institution ? pick(institution.name, lang) : identity.institution,
    retryHref: refusal.retryHref ?? `/go/${encodeURIComponent(resource.id)}`,
  }));
}
