import { Router, type Request, type Response } from 'express';
import { Catalog, homeOf, parseHttpUrl } from '../../resource-catalog/catalog';
import { openUrlQuery } from '../../resource-catalog/openurl';
import type { Decision } from '../../resource-catalog/policy';
import type { IdpMethod, Resource } from '../../resource-catalog/schema';
import { defaultTarget, renderWayfless } from '../../resource-catalog/wayfless-template';
import { pick, t } from '../i18n';
import { deniedBody } from '../pages/denied-page';
import { render, renderMessage, type RouteContext } from './context';
import { loginTarget } from './login-url';
import type { Access } from '../access';
import { labelResource, type LoadControl } from '../load';
import { beginStepUp, type Adapters } from './step-up';

/** What a launch needs beyond the route context: the access decision, load control's active-user count, and the campus sign-ins (for a step-up). */
export interface LaunchDeps {
  access: Access;
  load: LoadControl;
  adapters: Adapters;
  /** Passway as IdP (gateway/saml-idp): the IdP-initiated launch of a resource whose method is `idp`. */
  idp?: { unsolicited(req: Request, res: Response, resource: Resource, method: IdpMethod, decision: Allowed, target: string | undefined): Promise<void> };
}

export type Allowed = Extract<Decision, { allow: true }>;

/**
 * Launch: `/go/<resource>?target=` (the stable permalink) and EZproxy's `/login?url=` / `?qurl=`.
 * Every launch and denial goes through recordUsage. Only catalogued hosts are ever redirected to:
 * a target outside the resource is ignored in favour of its start page (never an open redirect).
 */
export function launchRoutes(ctx: RouteContext, deps: LaunchDeps): Router {
  const router = Router();

  router.get('/go/:resource', async (req, res) => {
    const resource = ctx.catalog().byId(String(req.params.resource));
    if (!resource) {
      renderMessage(ctx, req, res, 404, { title: 'launchUnknownTitle', message: { key: 'launchUnknownBody', vars: { id: String(req.params.resource) } } });
      return;
    }
    await launch(ctx, deps, req, res, resource, parseHttpUrl(req.query.target));
  });

  router.get('/login', async (req, res) => {
    // Read from the raw target: everything after url= is the address (EZproxy semantics), qurl= is encoded once.
    const url = parseHttpUrl(loginTarget(req.originalUrl));
    if (!url) {
      renderMessage(ctx, req, res, 400, { title: 'launchNotCataloguedTitle', message: 'launchMissingUrl' });
      return;
    }
    const resource = ctx.catalog().byUrl(url);
    if (!resource) {
      ctx.recordUsage({ type: 'uncatalogued', host: url.host });
      renderMessage(ctx, req, res, 404, { title: 'launchNotCataloguedTitle', message: { key: 'launchNotCataloguedBody', vars: { host: url.host } } });
      return;
    }
    await launch(ctx, deps, req, res, resource, url);
  });

  return router;
}

async function launch(ctx: RouteContext, deps: LaunchDeps, req: Request, res: Response, resource: Resource, requested: URL | undefined): Promise<void> {
  labelResource(res, resource.id); // metrics per resource
  const target = requested && Catalog.owns(resource, requested) ? requested.href : undefined;
  const user = req.session?.data.user;
  const affiliations = user?.affiliations ?? [];

  if (ctx.isOnCampus(req.ip)) {
    // On campus the vendor recognises the campus address: no sign-in, straight there.
    ctx.recordUsage({ type: 'launch', resource: resource.id, method: 'direct', institution: user?.institution, subject: user?.subject, onCampus: true, affiliations });
    res.redirect(303, target ?? homeOf(resource));
    return;
  }
  if (!user) {
    const open = resource.licences.length === 0 && resource.access.find((m) => m.kind === 'direct');
    if (open) {
      ctx.recordUsage({ type: 'launch', resource: resource.id, method: 'direct', onCampus: false, affiliations });
      res.redirect(303, target ?? open.url);
      return;
    }
    res.redirect(303, `/ds?returnTo=${encodeURIComponent(req.originalUrl)}`);
    return;
  }

  const decision = await authorizeUse(ctx, deps, req, res, resource, target);
  if (!decision) return;
  const method = decision.method;
  // An IdP launch is counted once its assertion is made (gateway/saml-idp), as every assertion is.
  if (method.kind !== 'idp') ctx.recordUsage({ type: 'launch', resource: resource.id, method: method.kind, institution: user.institution, subject: user.subject, onCampus: false, affiliations });
  if (method.kind === 'idp') {
    if (!deps.idp) throw new Error(`resource ${resource.id}: access kind idp needs idp.enabled`); // the config check prevents this
    await deps.idp.unsolicited(req, res, resource, method, decision, target);
  } else if (method.kind === 'wayfless') {
    res.redirect(303, renderWayfless(method.template, { entityID: user.source.idp!, target: target ?? defaultTarget(resource, method) }));
  } else if (method.kind === 'direct') {
    res.redirect(303, target ?? method.url);
  } else {
    // The start page's host is claimed by the resource (loadCatalog checks), so it maps.
    const proxied = ctx.proxiedUrl(new URL(target ?? method.start));
    if (!proxied) throw new Error(`resource ${resource.id}: ${method.start} does not map to a proxied address`);
    res.redirect(303, proxied.href);
  }
}

/**
 * The one decision for a signed-in reader about to use a resource, as every launch takes it (the
 * launch link and the IdP frontend's SSO alike): authorize() (licence, suspension, a seat taken),
 * the seat refusal and the denial counted, the bilingual denial page sent. Returns the allowed
 * decision, or undefined when the denial page was sent. Licensed but needing a stronger campus
 * sign-in (mfa-required): a step-up at the campus when the caller can start one (`adapters`), coming
 * back to this request or to what `resumeAt` gives (the IdP frontend's held request, kept for it), or
 * `passive` told when the reader may not be asked (a passive AuthnRequest: NoPassive).
 */
export async function authorizeUse(
  ctx: RouteContext,
  { access, load, adapters, passive }: Pick<LaunchDeps, 'access' | 'load'> & { adapters?: Adapters; passive?: (why: string) => Promise<void> },
  req: Request,
  res: Response,
  resource: Resource,
  target: string | undefined,
  resumeAt?: () => Promise<string>,
): Promise<Allowed | undefined> {
  const session = req.session!;
  const user = session.data.user!;
  const decision = await access.authorize(session, resource, new Date());
  if (!decision.allow && decision.reason === 'seats-full') {
    ctx.recordUsage({ type: 'seat-full', resource: resource.id, limit: decision.licence?.seats ?? 0, institution: user.institution, subject: user.subject, affiliations: user.affiliations });
  }
  if (decision.allow) {
    await load.noteLaunch(session, resource.id);
    return decision;
  }
  const stronger = decision.reason === 'mfa-required' ? decision.licence?.requireAuthnContext : undefined;
  if (stronger && passive) {
    // A request that may not involve the reader (SAML IsPassive) cannot step up, whatever adapters there are: the caller answers it so.
    await passive(`the licence needs a stronger campus sign-in (${stronger})`);
    return undefined;
  }
  if (stronger && adapters) {
    // Licensed, but with a stronger campus sign-in: ask the campus again (the denial is counted only if it cannot give it).
    await beginStepUp(ctx, adapters, req, res, resource, stronger, resumeAt);
    return undefined;
  }
  ctx.recordUsage({ type: 'denial', resource: resource.id, reason: decision.reason, institution: user.institution, subject: user.subject, affiliations: user.affiliations });
  denied(ctx, req, res, resource, decision, target);
  return undefined;
}

function denied(ctx: RouteContext, req: Request, res: Response, resource: Resource, decision: Extract<Decision, { allow: false }>, target: string | undefined): void {
  const lang = req.lang;
  const delivery = ctx.config.documentDelivery;
  render(ctx, req, res, 403, t(lang, 'deniedTitle', { title: pick(resource.title, lang) }), deniedBody({
    lang,
    reason: decision.reason,
    date: decision.availableFrom ?? decision.endedOn,
    retryHref: req.originalUrl,
    delivery: delivery && { name: pick(delivery.name, lang), href: delivery.url.replace('{openurl}', openUrlQuery(target ?? homeOf(resource), resource.title.en)) },
  }));
}
