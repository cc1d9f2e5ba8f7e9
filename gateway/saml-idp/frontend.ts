/**
 * Passway as the SAML IdP toward vendors: the SSO endpoint of each virtual IdP
 * (`/idp/<institution>/sso`, HTTP-Redirect and HTTP-POST), its metadata, the held request while the
 * reader signs in at their campus, and the IdP-initiated launch from `/go/<id>`.
 *
 * Decide first, assert second: every response follows the one authorize() (via authorizeUse, as a
 * launch does), so a reader who may not use the vendor's resource gets the bilingual denial page
 * with its reason and the vendor gets nothing. Each assertion is a `launch` usage event with method `idp`.
 *
 * A reader not signed in: the checked request is held in the store (one use, the login-state TTL)
 * and bound to this browser by a signed login-state cookie, as every sign-in in progress is; after
 * the campus sign-in (any adapter: SAML, CAS, OIDC) `/idp/resume/<id>` answers it.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { LoginState } from '../../idp-adapters/login-state';
import { LoginError, type CampusSignIn } from '../../idp-adapters/types';
import type { IdpMethod, Resource } from '../../resource-catalog/schema';
import { pick, t, type Lang, type MessageKey } from '../i18n';
import { samlPostBody } from '../pages/saml-post-page';
import { loginStartsLimited } from '../routes/auth';
import { render, renderMessage, type RouteContext } from '../routes/context';
import { authorizeUse, type Allowed, type LaunchDeps } from '../routes/launch';
import { sendLoginError } from '../routes/login-error-page';
import { describedAdapter } from '../routes/step-up';
import { AuthnRequestError, receiveAuthnRequest, type RequestRefusal } from './authn-request';
import { idpMetadataSource } from './metadata';
import { nameIDKindFor, releaseFor } from './release';
import { buildResponse, buildStatusResponse } from './response';
import { idpPath, type IdpSettings, type VirtualIdp } from './settings';
import { SpMetadataUnavailable, type SpTrust, type TrustedSp } from './sp-trust';

export interface SamlIdpDeps {
  ctx: RouteContext;
  launch: Pick<LaunchDeps, 'access' | 'load' | 'adapters'>;
  settings: IdpSettings;
  trust: SpTrust;
  loginState: LoginState;
}

/** A checked request waiting for its answer (JSON in the store while the reader signs in). */
interface Held {
  institution: string;
  sp: string;
  /** The catalog resource the SP maps to (the sign-in and a step-up count for it). */
  resource: string;
  acsUrl: string;
  requestId?: string;
  relayState?: string;
  /** When the request arrived (ms): a ForceAuthn request is answered only by a sign-in after it. */
  at?: number;
  /** The vendor asked for a fresh authentication (ForceAuthn) / for none at all (IsPassive). */
  forceAuthn?: boolean;
  isPassive?: boolean;
  /** When the reader was sent to their campus for the fresh authentication ForceAuthn asks for. */
  forcedAt?: number;
  /** The NameID the request's NameIDPolicy gets (default: the release preset's). */
  nameID?: 'persistent' | 'transient';
}

const heldKey = (id: string) => `idp:held:${id}`;
const stateId = (id: string) => `idp-${id}`;
const HELD_ID = /^[A-Za-z0-9_-]{22}$/;

/** What the reader reads for each refusal (the code itself goes on the page and in the log). */
const WHY: Record<RequestRefusal | 'unknown-institution' | 'expired', MessageKey> = {
  malformed: 'idpWhy_malformed',
  'sp-unknown': 'idpWhy_spUnknown',
  'sp-metadata-unavailable': 'idpWhy_unavailable',
  unsigned: 'idpWhy_refused',
  'signature-invalid': 'idpWhy_refused',
  'algorithm-refused': 'idpWhy_refused',
  'destination-mismatch': 'idpWhy_refused',
  'acs-not-in-metadata': 'idpWhy_refused',
  'binding-unsupported': 'idpWhy_refused',
  stale: 'idpWhy_expired',
  replayed: 'idpWhy_expired',
  expired: 'idpWhy_expired',
  'unknown-institution': 'idpWhy_unknownInstitution',
};

export class SamlIdp {
  private readonly metadata: (idp: VirtualIdp) => string;

  constructor(private readonly deps: SamlIdpDeps) {
    this.metadata = idpMetadataSource(deps.settings);
  }

  routes(): Router {
    const router = Router();
    const { ctx, settings } = this.deps;

    router.get('/idp/:institution/metadata', (req, res) => {
      const idp = settings.idps.get(String(req.params.institution));
      if (!idp) return void this.refuse(req, res, 404, 'unknown-institution', undefined, 'no such virtual IdP');
      res.type('application/samlmetadata+xml').send(this.metadata(idp));
    });

    const sso = async (req: Request, res: Response) => {
      const idp = settings.idps.get(String(req.params.institution));
      if (!idp) return this.refuse(req, res, 404, 'unknown-institution', undefined, 'no such virtual IdP');
      const binding = req.method === 'GET' ? 'redirect' : 'post';
      const params = (binding === 'redirect' ? req.query : req.body) as Record<string, unknown> | undefined;
      try {
        const request = await receiveAuthnRequest(
          { binding, params: params ?? {}, rawQuery: req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '' },
          { trust: this.deps.trust, store: ctx.store, ssoUrl: idp.ssoUrl, requireSigned: settings.requireSignedRequests, clockSkewMs: settings.clockSkewMs },
        );
        ctx.logger.info({ idp: idp.entityID, sp: request.sp.metadata.entityID, resource: request.sp.resource.id, request: request.id, signed: request.signed, binding }, 'AuthnRequest accepted');
        const held: Held = {
          institution: idp.institution, sp: request.sp.metadata.entityID, resource: request.sp.resource.id, acsUrl: request.acsUrl, requestId: request.id, relayState: request.relayState,
          at: Date.now(), ...(request.forceAuthn ? { forceAuthn: true } : {}), ...(request.isPassive ? { isPassive: true } : {}),
        };
        // A NameID format this IdP does not release to this vendor: answered at once, before anyone signs in.
        const nameID = nameIDKindFor(request.sp.method, request.nameIDFormat);
        if (!nameID) {
          ctx.logger.info({ idp: idp.entityID, sp: request.sp.metadata.entityID, requested: request.nameIDFormat, release: request.sp.method.release }, 'AuthnRequest answered InvalidNameIDPolicy');
          return this.post(req, res, request.sp, held, buildStatusResponse({ idpEntityID: idp.entityID, acsUrl: held.acsUrl, inResponseTo: held.requestId, signing: settings.signing }, 'InvalidNameIDPolicy'));
        }
        if (request.nameIDFormat) held.nameID = nameID;
        // A cross-site POST carries no SameSite=Lax session cookie: the answer always comes from a same-browser GET.
        await this.hold(res, held);
      } catch (error) {
        if (!(error instanceof AuthnRequestError)) throw error;
        ctx.logger.warn({ idp: idp.entityID, reason: error.reason, sp: error.sp?.metadata.entityID, why: error.message, binding }, 'AuthnRequest refused');
        this.refuse(req, res, error.reason === 'sp-metadata-unavailable' ? 503 : 400, error.reason, error.sp, error.message);
      }
    };
    // Every accepted request is held in the store: an anonymous client may send only so many (as login starts).
    const limited = loginStartsLimited(ctx);
    router.get('/idp/:institution/sso', limited, sso);
    router.post('/idp/:institution/sso', limited, sso);

    router.get('/idp/resume/:id', async (req, res) => {
      const id = String(req.params.id);
      try {
        if (!HELD_ID.test(id)) throw new LoginError('login-not-started-here', 'not a held request id');
        this.deps.loginState.check(req, stateId(id));
      } catch (error) {
        if (!(error instanceof LoginError)) throw error;
        ctx.logger.warn({ reason: error.reason, why: error.message }, 'held AuthnRequest not resumed');
        return this.refuse(req, res, 400, 'expired', undefined, error.message);
      }
      const raw = await ctx.store.get(heldKey(id));
      if (!raw) return this.refuse(req, res, 400, 'expired', undefined, 'the held AuthnRequest expired or was answered');
      const held = JSON.parse(raw) as Held;
      const idp = settings.idps.get(held.institution);
      if (!idp) return this.refuse(req, res, 404, 'unknown-institution', undefined, 'no such virtual IdP');
      if (!req.session?.data.user && !held.isPassive) return void res.redirect(303, this.signInPath(idp, req.originalUrl));
      if (!(await ctx.store.take(heldKey(id)))) return this.refuse(req, res, 400, 'expired', undefined, 'the held AuthnRequest was answered already'); // one use
      this.deps.loginState.end(res, stateId(id), 'get');
      await this.answer(req, res, idp, held);
    });
    return router;
  }

  /** From /go/<id>: an unsolicited response to the SP's default ACS, RelayState the target (what WAYFless links do). */
  async unsolicited(req: Request, res: Response, resource: Resource, method: IdpMethod, decision: Allowed, target: string | undefined): Promise<void> {
    const user = req.session!.data.user!;
    const idp = this.deps.settings.idps.get(user.institution);
    if (!idp) return this.refuse(req, res, 404, 'unknown-institution', undefined, `institution ${user.institution} has no virtual IdP`);
    let sp: TrustedSp;
    try {
      sp = await this.deps.trust.forMethod(resource, method);
    } catch (error) {
      if (!(error instanceof SpMetadataUnavailable)) throw error;
      return this.refuse(req, res, 503, 'sp-metadata-unavailable', undefined, error.message);
    }
    const acs = sp.metadata.acs.find((a) => a.isDefault) ?? sp.metadata.acs[0]!;
    await this.respond(req, res, idp, sp, decision, { institution: idp.institution, sp: method.entityID, resource: resource.id, acsUrl: acs.location, relayState: target ?? method.defaultTarget });
  }

  private async hold(res: Response, held: Held): Promise<void> {
    res.redirect(303, await this.keep(res, held));
  }

  /** Keep a checked request in the store, bound to this browser; returns the path that answers it (naming its resource, as a launch link does: gateway/usage/launch-target.ts). */
  private async keep(res: Response, held: Held): Promise<string> {
    const id = randomBytes(16).toString('base64url');
    await this.deps.ctx.store.set(heldKey(id), JSON.stringify(held), this.deps.loginState.ttlMs);
    this.deps.loginState.begin(res, stateId(id), 'get');
    return `/idp/resume/${id}?for=${encodeURIComponent(held.resource)}`;
  }

  /** The campus sign-in for this institution: its only login directly, else the discovery page. */
  private signInPath(idp: VirtualIdp, returnTo: string): string {
    const logins = this.deps.ctx.config.logins.filter((login) => login.institution === idp.institution);
    const back = encodeURIComponent(returnTo);
    return logins.length === 1 ? `/auth/${encodeURIComponent(logins[0]!.id)}/login?returnTo=${back}` : `/ds?returnTo=${back}`;
  }

  /** A signed-in reader, a held request: the same institution, the SP still trusted with that ACS, then decide and assert. */
  private async answer(req: Request, res: Response, idp: VirtualIdp, held: Held): Promise<void> {
    const { ctx } = this.deps;
    const user = req.session?.data.user;
    let sp: TrustedSp | undefined;
    try {
      sp = await this.deps.trust.find(held.sp);
    } catch (error) {
      if (!(error instanceof SpMetadataUnavailable)) throw error;
      return this.refuse(req, res, 503, 'sp-metadata-unavailable', undefined, error.message);
    }
    if (!sp) return this.refuse(req, res, 400, 'sp-unknown', undefined, `${held.sp} is no longer in the catalog`);
    if (!sp.metadata.acs.some((acs) => acs.location === held.acsUrl)) return this.refuse(req, res, 400, 'acs-not-in-metadata', sp, `${held.acsUrl} is no longer in the SP's metadata`);
    // IsPassive: the vendor asked that the reader not be asked anything; what needs the reader gets NoPassive.
    const needsReader = !user ? 'not signed in' : user.institution !== idp.institution ? 'signed in at another institution' : held.forceAuthn && !this.freshEnough(req, held) ? 'ForceAuthn and IsPassive' : undefined;
    if (held.isPassive && needsReader) return this.noPassive(req, res, idp, sp, held, needsReader);
    if (!user) return void res.redirect(303, this.signInPath(idp, await this.keep(res, held)));
    if (user.institution !== idp.institution) {
      const name = (id: string) => {
        const institution = ctx.config.institutions.find((i) => i.id === id);
        return institution ? pick(institution.name, req.lang) : id;
      };
      ctx.logger.warn({ idp: idp.entityID, sp: held.sp, institution: user.institution }, 'AuthnRequest for another institution than the reader signed in with');
      return renderMessage(ctx, req, res, 403, {
        title: 'idpOtherInstitutionTitle',
        message: { key: 'idpOtherInstitutionBody', vars: { signedIn: name(user.institution), wanted: name(idp.institution), vendor: pick(sp.resource.title, req.lang) } },
        tone: 'alert',
      });
    }
    if (held.forceAuthn && !this.freshEnough(req, held)) return this.reauthenticate(req, res, idp, held);
    // A step-up comes back to the same request, held again under a new id for this browser; a passive request gets NoPassive instead.
    const launch = held.isPassive ? { ...this.deps.launch, passive: async (why: string) => this.noPassive(req, res, idp, sp, held, why) } : this.deps.launch;
    const decision = await authorizeUse(ctx, launch, req, res, sp.resource, undefined, () => this.keep(res, held));
    if (!decision) return; // the denial page is sent; the vendor gets nothing
    await this.respond(req, res, idp, sp, decision, held);
  }

  /**
   * ForceAuthn (SAML core 3.4.1): the reader authenticated at their campus after the request came
   * (its AuthnInstant, by the campus's clock), or signed in again after being sent there for it
   * (the session's creation, by ours: every sign-in rotates the session).
   */
  private freshEnough(req: Request, held: Held): boolean {
    const session = req.session!.data;
    const authnAt = Date.parse(session.user?.source.authnInstant ?? '');
    if (!Number.isNaN(authnAt) && held.at !== undefined && authnAt >= held.at) return true;
    return held.forcedAt !== undefined && session.createdAt >= held.forcedAt;
  }

  /** Send the reader to the campus they signed in with for a fresh authentication, then back to this request. */
  private async reauthenticate(req: Request, res: Response, idp: VirtualIdp, held: Held): Promise<void> {
    const { ctx } = this.deps;
    const campus = req.session!.data.campus as CampusSignIn | undefined;
    const adapter = campus ? this.deps.launch.adapters.get(campus.login) : undefined;
    const resume = await this.keep(res, { ...held, forcedAt: Date.now() });
    ctx.logger.info({ idp: idp.entityID, sp: held.sp, login: adapter?.id }, 'ForceAuthn: fresh campus sign-in started');
    if (!adapter) return void res.redirect(303, this.signInPath(idp, resume));
    try {
      await adapter.begin(req, res, { returnTo: resume, forceAuthn: true });
    } catch (error) {
      if (!(error instanceof LoginError)) throw error;
      sendLoginError(ctx, req, res, error, resume, describedAdapter(adapter));
    }
  }

  /** A signed NoPassive answer to a passive request this IdP cannot answer without the reader. */
  private noPassive(req: Request, res: Response, idp: VirtualIdp, sp: TrustedSp, held: Held, why: string): void {
    const { ctx, settings } = this.deps;
    ctx.logger.info({ idp: idp.entityID, sp: sp.metadata.entityID, inResponseTo: held.requestId, why }, 'passive AuthnRequest answered NoPassive');
    const samlResponse = buildStatusResponse({ idpEntityID: idp.entityID, acsUrl: held.acsUrl, inResponseTo: held.requestId, signing: settings.signing }, 'NoPassive');
    this.post(req, res, sp, held, samlResponse);
  }

  /** Release, build, sign (and encrypt), count, and post the response to the ACS. */
  private async respond(req: Request, res: Response, idp: VirtualIdp, sp: TrustedSp, decision: Allowed, held: Held): Promise<void> {
    const { ctx, settings } = this.deps;
    const identity = req.session!.data.user!;
    const licenceEntitlement = decision.licence?.entitlements?.find((e) => identity.entitlements.includes(e));
    const release = releaseFor({ identity, method: sp.method, spEntityID: sp.metadata.entityID, scope: idp.scope, pairwiseKey: settings.pairwiseKey, licenceEntitlement, nameID: held.nameID });
    const samlResponse = await buildResponse({
      idpEntityID: idp.entityID,
      spEntityID: sp.metadata.entityID,
      acsUrl: held.acsUrl,
      inResponseTo: held.requestId,
      release,
      authnInstant: identity.source.authnInstant,
      sessionIndex: `_${randomBytes(16).toString('hex')}`,
      signing: settings.signing,
      encryptTo: sp.metadata.encryptionCert,
      lifetimeMs: settings.assertionLifetimeMs,
    });
    ctx.recordUsage({ type: 'launch', resource: sp.resource.id, method: 'idp', institution: identity.institution, subject: identity.subject, onCampus: false, affiliations: identity.affiliations });
    ctx.logger.info(
      { idp: idp.entityID, sp: sp.metadata.entityID, resource: sp.resource.id, inResponseTo: held.requestId, released: release.attributes.map((a) => a.friendlyName), nameIDFormat: release.nameID.format, encrypted: !!sp.metadata.encryptionCert },
      'assertion sent',
    );
    this.post(req, res, sp, held, samlResponse);
  }

  /** The auto-POST page that carries a Response to the vendor's ACS (its origin allowed as the form's action). */
  private post(req: Request, res: Response, sp: TrustedSp, held: Held, samlResponse: string): void {
    const { ctx } = this.deps;
    const fields: Record<string, string> = { SAMLResponse: samlResponse, ...(held.relayState ? { RelayState: held.relayState } : {}) };
    const action = new URL(held.acsUrl);
    const csp = String(res.getHeader('Content-Security-Policy') ?? '');
    res.set('Content-Security-Policy', csp.replace(/form-action [^;]*/, (directive) => `${directive} ${action.origin}`));
    res.set('Cache-Control', 'no-store');
    const vendor = pick(sp.resource.title, req.lang);
    render(ctx, req, res, 200, t(req.lang, 'idpPostTitle', { vendor }), samlPostBody({ lang: req.lang, vendor, action: action.href, fields }));
  }

  private refuse(req: Request, res: Response, status: number, reason: keyof typeof WHY, sp: TrustedSp | undefined, why: string): void {
    const lang: Lang = req.lang;
    this.deps.ctx.logger.info({ reason, why }, 'SAML IdP request refused');
    const vendor = sp ? pick(sp.resource.title, lang) : t(lang, 'idpErrorUnknownVendor');
    res.set('Cache-Control', 'no-store');
    renderMessage(this.deps.ctx, req, res, status, { title: 'idpErrorTitle', message: { key: 'idpErrorBody', vars: { vendor, why: t(lang, WHY[reason]) } }, tone: 'alert', code: reason });
  }
}

export { idpPath };
