import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import type { Agent } from 'undici';
import type { Config } from '../../config/schema';
import type { Identity } from '../../idp-adapters/identity';
import type { Catalog } from '../../resource-catalog/catalog';
import type { Resource } from '../../resource-catalog/schema';
import type { Access, CredentialLessGrant, CredentialLessRequest } from '../access';
import { clientAddress, trustProxy } from '../client-address';
import { upstreamErrors, type LoadControl } from '../load';
import type { Security } from '../rules';
import type { Logger } from '../logger';
import type { Session, Sessions } from '../session';
import type { Settings } from '../settings';
import { StoreUnavailableError } from '../store/errors';
import type { AccessLogEntry } from '../usage/access-log';
import type { RecordUsage } from '../usage/record';
import { RefusedAddressError } from './address-guard';
import { decoder, encoder, parseContentType, planBody, type BodyPlan as Coding } from './body';
import type { CookieJars } from './cookie-jar';
import { HANDOFF_PATH, completeHandoff, startHandoff, type HandoffDeps } from './handoff';
import { COOKIE_SHIM_PATH, cookieShimTag, sendCookieShim } from './cookie-shim';
import { shimNonce } from './csp';
import { browserCookiesFor, browserResponseHeaders, mergeCookies, upstreamRequestHeaders } from './headers';
import { redirect, sendProxyPage } from './pages';
import { HeldTooLarge, Relay, type BodyPlan, type RelayHead } from './relay';
import { CredentialEcho, isCheckedType, RoamingRefused, VendorSessionEnded, type Roaming, type VendorSession } from './roaming';
import { createBodyRewriter, createRewriter, isRewritable, type RewriterOptions } from './rewrite';
import type { ProxiedHosts } from './proxied-hosts';
import { classifyUrl, type ProxyTraffic } from './traffic';
import type { UnproxiedHosts } from './unproxied';
import type { CatalogMapping } from './url-mapper';

export interface ProxyHandlerDeps {
  config: Config;
  settings: Settings;
  catalog: () => Catalog;
  sessions: Sessions;
  jars: CookieJars;
  /** Host header → upstream, shared with the load-control labels. */
  hosts: ProxiedHosts;
  /** The URL mapping of a catalog snapshot. */
  mappingFor: (catalog: Catalog) => CatalogMapping;
  agent: Agent;
  handoff: HandoffDeps;
  recordUsage: RecordUsage;
  logger: Logger;
  /** The access decision of every proxied request (licence, seat, suspension); item downloads counted. */
  access: Access;
  /** Load control: upstream errors. */
  load?: LoadControl;
  /** Security rules (gateway/rules): told of each allowed request and when its response finished. */
  security?: Security;
  /** One NCSA combined line per proxied request (only given when usage.accessLog is on). */
  accessLog?: (entry: AccessLogEntry) => void;
  /** Per (session, resource) summaries (proxy-summary events). */
  traffic: ProxyTraffic;
  /** Hosts in vendor content that no resource claims. */
  unproxied: UnproxiedHosts;
  /** Roaming accounts: the vendor sign-in on the reader's behalf, and what of it is never shown. */
  roaming: Roaming;
}

/** One upstream exchange: a signed-in reader's, or a credential-less one with what authorize() granted it. */
interface Exchange {
  resource: Resource;
  target: URL;
  mapper: CatalogMapping['mapper'];
  origins: CatalogMapping['origins'];
  jarCookies: string;
  /** The cookie jar vendor cookies go to: the session's own, or a pooled roaming account's. */
  jar?: string;
  /** The roaming account this exchange relies on. */
  vendor?: VendorSession;
  reader?: { session: Session; user: Identity };
  grant?: CredentialLessGrant;
}

/** What the error path needs to know about a request that failed (the resource, once known). */
interface RequestState {
  resource?: string;
  /** A roaming account's exchange: renewed and repeated when the vendor session ended. */
  vendor?: VendorSession;
  proxiedUrl?: string;
}

/** A short reason for passway_upstream_errors_total from an undici / socket error code. */
export function upstreamErrorReason(code: string): string {
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect-timeout';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'headers-timeout';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'body-timeout';
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return 'too-large';
    default:
      return code.includes('TIMEOUT') ? 'timeout' : 'other';
  }
}

/** The code of a (possibly wrapped) network error: its own, its cause's, or the first of an AggregateError's. */
export function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const e = current as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof e.code === 'string' && e.code !== '') return e.code;
    current = e.cause ?? e.errors?.[0];
  }
  return '';
}

/** An item download counts once: a whole response, or a Range response that starts at byte 0 (PDF viewers fetch the rest in pieces). */
function countsAsDownload(status: number, range: string | undefined): boolean {
  if (status === 206) return !range || /^bytes=0-/i.test(range.trim());
  return status >= 200 && status < 300;
}

const NO_BODY_STATUS = new Set([204, 304]);

/** How the relay writes a body: untouched, rewritten chunk by chunk, or through decode/rewrite/encode streams. */
function relayPlan(plan: Coding, rewriter: () => RewriterOptions): BodyPlan {
  if (plan.untouched) return { kind: 'raw' };
  if (plan.rewrite && !plan.decode && !plan.encode) {
    const body = createBodyRewriter(rewriter());
    return body ? { kind: 'rewrite', rewriter: body } : { kind: 'raw' };
  }
  const stages: Transform[] = [];
  if (plan.decode) stages.push(decoder(plan.decode));
  if (plan.rewrite) stages.push(createRewriter(rewriter()));
  if (plan.encode) stages.push(encoder(plan.encode));
  return stages.length > 0 ? { kind: 'streams', stages } : { kind: 'raw' };
}

/**
 * The proxy's hot path: a plain Node handler (not Express). In order: proxied host → upstream
 * origin; only catalogued hosts; the handoff and cookie-shim paths; session (else the handoff
 * through the gateway, which signs in when needed); the policy must allow this resource by the
 * proxy method (else the launch link, which explains the denial); request headers cleaned, the
 * jar's cookies and the resource's scoped browser cookies added; the request body streamed; the
 * response headers mapped, vendor cookies into the jar; the body decoded, rewritten (HTML pages get
 * the cookie shim first in <head>) and re-encoded when rewritable, otherwise streamed untouched
 * with backpressure.
 */
export function proxyHandler(deps: ProxyHandlerDeps) {
  const { config, settings, logger } = deps;
  const trusted = trustProxy(config.server.trustProxy);
  const gw = { proxyDomain: settings.proxyDomain, publicUrl: settings.publicUrl };
  const gateway = settings.publicUrl.origin;
  const maxRequestBytes = config.proxy.maxRequestBodyMegabytes * 1024 * 1024;
  /** A roaming account's text responses are held whole to be checked: up to this size. */
  const maxHeldBytes = (config.proxy.maxResponseBodyMegabytes ?? 16) * 1024 * 1024;
  const port = settings.publicUrl.port ? `:${settings.publicUrl.port}` : '';
  const csp = { proxiedWildcard: `${settings.publicUrl.protocol}//*.${settings.proxyDomain}${port}`, secureGateway: settings.publicUrl.protocol === 'https:' };

  async function handle(req: IncomingMessage, res: ServerResponse, state: RequestState): Promise<void> {
    const host = req.headers.host ?? '';
    const origin = (deps.hosts.peek(host) ?? (await deps.hosts.lookup(host)))?.origin; // no await for a host already known (every request after the first)
    if (!origin) {
      sendProxyPage(req, res, 404, 'proxyUnknownHostTitle', 'proxyUnknownHostBody', { host });
      return;
    }
    // Origin-form targets only: an absolute-form or scheme-relative target could name another host.
    const rawUrl = req.url ?? '';
    const target = rawUrl.startsWith('/') ? new URL(rawUrl, origin) : undefined;
    if (!target || target.origin !== origin || req.method === 'CONNECT') {
      sendProxyPage(req, res, 400, 'proxyBadRequestTitle', 'proxyBadRequestBody');
      return;
    }
    const catalog = deps.catalog();
    const resource = catalog.byUrl(target);
    if (!resource) {
      deps.recordUsage({ type: 'uncatalogued', host: target.host });
      sendProxyPage(req, res, 404, 'launchNotCataloguedTitle', 'launchNotCataloguedBody', { host: target.host });
      return;
    }
    state.resource = resource.id;
    const { mapper, origins } = deps.mappingFor(catalog);
    const proxiedHere = `${gw.publicUrl.protocol}//${host}${target.pathname}${target.search}`;
    if (target.pathname === HANDOFF_PATH) {
      await completeHandoff(deps.handoff, req, res, new URL(proxiedHere), `${gateway}/go/${resource.id}`);
      return;
    }
    if (target.pathname === COOKIE_SHIM_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      req.resume();
      sendCookieShim(res, resource.id, settings.proxyDomain);
      return;
    }

    if (resource.roaming && deps.roaming.guardOf(resource.roaming).blockedPath(target)) {
      req.resume();
      deps.roaming.refuseBlocked(req, res, resource);
      return;
    }

    const session = await deps.sessions.load(req);
    const user = session?.data.user;
    if (!session || !user) {
      // Without the reader's session (a crossorigin stylesheet, a font, credentials: 'omit', a preflight,
      // or a browser that has not been through the handoff): only what authorize() lets pass anonymously.
      const decision = await deps.access.authorize(undefined, resource, new Date(), 'use', credentialLessRequest(req, target));
      if (decision.allow && decision.credentialLess) {
        forward(req, res, state, { resource, target, mapper, origins, jarCookies: '', grant: decision.credentialLess });
        return;
      }
      req.resume();
      startHandoff(deps.handoff, req, res, proxiedHere);
      return;
    }
    // Every request is authorized like a launch (a bookmark takes a seat too), alongside the jar read:
    // a resource without seats or download limit adds no Store call.
    const [decision, ownJar] = await Promise.all([deps.access.authorize(session, resource, new Date()), resource.roaming ? '' : deps.jars.cookieHeader(session.id, target.href)]);
    if (!decision.allow || decision.method.kind !== 'proxy') {
      req.resume();
      // The suspension page says until when; the launch link explains any other denial (seats full) and
      // records it, or uses the better method (WAYFless).
      const suspended = !decision.allow && decision.reason === 'suspended';
      redirect(res, 303, suspended ? `${gateway}/suspended/${encodeURIComponent(resource.id)}` : `${gateway}/go/${resource.id}?target=${encodeURIComponent(target.href)}`);
      return;
    }
    if (resource.roaming) {
      // A roaming account: signed in at the vendor now if need be (invisibly), its jar used instead of the reader's.
      const vendor = await deps.roaming.ready(session, resource, decision.account ?? 0);
      state.vendor = vendor;
      state.proxiedUrl = proxiedHere;
      const jarCookies = await deps.jars.cookieHeader(vendor.jar, target.href);
      forward(req, res, state, { resource, target, mapper, origins, jarCookies, jar: vendor.jar, vendor, reader: { session, user } });
      return;
    }
    forward(req, res, state, { resource, target, mapper, origins, jarCookies: ownJar, reader: { session, user } });
  }

  /** The upstream exchange, for a signed-in reader (their jar, usage, downloads) or for a credential-less request authorize() let pass. */
  function forward(req: IncomingMessage, res: ServerResponse, state: RequestState, exchange: Exchange): void {
    const { resource, target, mapper, origins, jarCookies, reader, grant, vendor } = exchange;
    const load = deps.load;
    const counted = reader ? deps.security?.proxied(req, reader.session, resource.id) : undefined; // the security rules count readers, not credential-less requests
    let responseType = '';

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxRequestBytes) {
      sendProxyPage(req, res, 413, 'proxyTooLargeTitle', 'proxyTooLargeBody', { limit: String(config.proxy.maxRequestBodyMegabytes) });
      req.resume();
      return;
    }
    const browserCookies = browserCookiesFor(config.proxy.browserCookies, req.headers.cookie, resource.id);
    const headers = upstreamRequestHeaders({
      headers: req.headers,
      upstreamHost: target.host,
      cookie: mergeCookies(jarCookies, browserCookies),
      clientAddress: req.socket.remoteAddress,
      forwardedFor: config.proxy.forwardedFor,
      toUpstream: mapper.toUpstream,
    });
    if (reader) deps.security?.addVendorPseudonym(headers, resource, reader.session); // resources[].security.pseudonymHeader
    const hasRequestBody = req.method !== 'GET' && req.method !== 'HEAD' && (declared > 0 || req.headers['transfer-encoding'] !== undefined);

    const kinds = classifyUrl(resource, target.href);
    const pageCsp = { ...csp, cookieShim: `${gw.publicUrl.protocol}//${req.headers.host ?? ''}${COOKIE_SHIM_PATH}` };
    const rewriterFor = (contentType: string, policy: string | undefined): RewriterOptions => {
      const { type, charset } = parseContentType(contentType);
      return {
        contentType: type,
        charset,
        origins,
        baseUrl: target.href,
        rules: resource.rewrite?.rules,
        onUnknownHost: (unknown) => deps.unproxied.note(resource.id, unknown),
        headHtml: cookieShimTag(shimNonce(policy)),
      };
    };
    const relay = new Relay(res, {
      head: (status, upstreamHeaders) => {
        vendor?.guard.checkHead(status, upstreamHeaders, vendor.credential, target); // an ended vendor session, the account in a header
        if (status >= 500 && load) upstreamErrors(load).inc({ resource: resource.id, reason: `http-${status}` });
        const contentType = String(upstreamHeaders['content-type'] ?? '');
        if (grant?.contentTypes && !NO_BODY_STATUS.has(status) && !grant.contentTypes.test(parseContentType(contentType).type)) throw new CredentialLessRefused();
        responseType = contentType;
        const plan = planBody({
          hasBody: req.method !== 'HEAD' && !NO_BODY_STATUS.has(status) && upstreamHeaders['content-length'] !== '0',
          contentEncoding: upstreamHeaders['content-encoding'] as string | undefined,
          rewritable: contentType !== '' && status !== 206 && isRewritable(contentType),
          acceptEncoding: req.headers['accept-encoding'],
        });
        const bodyless = grant?.bodyless === true;
        const headers = browserResponseHeaders({ headers: upstreamHeaders, mapUrl: (u) => mapper.mapUrl(u, target.href), bodyChanged: bodyless || !plan.untouched, csp: pageCsp });
        if (grant) allowOwnOrigins(headers, req.headers.origin, resource, mapper);
        if (bodyless) return { status, headers, body: { kind: 'none' } };
        if (plan.encode) {
          headers['content-encoding'] = plan.encode;
          headers.vary = [headers.vary, 'Accept-Encoding'].flat().filter(Boolean).join(', ');
        }
        const policy = upstreamHeaders['content-security-policy'];
        const head: RelayHead = { status, headers, body: relayPlan(plan, () => rewriterFor(contentType, policy === undefined ? undefined : [policy].flat().join(', '))) };
        if (vendor && req.method !== 'HEAD' && !NO_BODY_STATUS.has(status) && isCheckedType(contentType)) {
          // A roaming account's page, script or API answer is read whole and checked before the browser sees any of it.
          const coding = upstreamHeaders['content-encoding'] as string | undefined;
          head.hold = {
            maxBytes: maxHeldBytes,
            check: (body) => {
              vendor.guard.checkBody(body, coding, vendor.credential); // the account, a block pattern, a text saying the session ended
              used(vendor);
            },
          };
        } else if (vendor) used(vendor);
        const setCookies = reader ? [upstreamHeaders['set-cookie'] ?? []].flat() : []; // no jar without a session: dropped
        // Vendor cookies reach the jar before the browser sees the response (it may follow a redirect at once).
        return setCookies.length > 0 ? deps.jars.storeFromResponse(exchange.jar ?? reader!.session.id, target.href, setCookies).then(() => head) : head;
      },
      failedBeforeHead: (error) => failed(req, res, error, state),
      done: (error, bytes) => {
        if (error && load && (error as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT') upstreamErrors(load).inc({ resource: resource.id, reason: 'body-timeout' });
        const at = Date.now();
        counted?.done(bytes, !error && kinds.item && countsAsDownload(res.statusCode, req.headers.range as string | undefined), responseType);
        if (reader) deps.traffic.note({ session: reader.session.id, resource: resource.id, user: reader.user, bytes, itemUrl: kinds.item ? target.href : undefined, item: kinds.ref, search: kinds.search, at });
        deps.accessLog?.({
          ip: clientAddress(req, trusted),
          institution: reader?.user.institution,
          subject: reader?.user.subject,
          time: new Date(at),
          method: req.method ?? 'GET',
          url: target.href,
          protocol: `HTTP/${req.httpVersion}`,
          status: res.statusCode,
          bytes,
          referer: req.headers.referer,
          userAgent: req.headers['user-agent'],
        });
        // A finished item download counts against the user's download limit; passing it suspends later requests.
        if (reader && !error && kinds.item && countsAsDownload(res.statusCode, req.headers.range as string | undefined)) {
          deps.access.noteDownload(reader.session, resource.id, { items: 1, bytes }).catch((failure: unknown) => logger.warn({ err: failure, resource: resource.id }, 'proxy: download not counted'));
        }
      },
    });
    deps.agent.dispatch(
      {
        origin: target.origin,
        path: target.pathname + target.search,
        method: (req.method ?? 'GET') as 'GET',
        headers,
        body: hasRequestBody ? req.pipe(limitBytes(maxRequestBytes)) : null,
      },
      relay,
    );
  }

  /** A vendor response passed the guard: the sign-in it relied on works (it may be renewed when it ends). */
  function used(vendor: VendorSession): void {
    if (!vendor.used) deps.roaming.used(vendor).catch((error: unknown) => logger.warn({ err: error, resource: vendor.resource.id }, 'roaming: sign-in use not noted'));
  }

  /**
   * A credential-less stylesheet, font or anonymous URL that the vendor sent without CORS headers, asked for by a
   * page on another host of the same resource (its CDN): allowed to that page, as on the vendor's own site the
   * files would be served same-origin or from a CDN that allows it. Nothing is allowed to another resource's pages.
   */
  function allowOwnOrigins(headers: OutgoingHttpHeaders, origin: string | undefined, resource: Resource, mapper: CatalogMapping['mapper']): void {
    if (!origin || headers['access-control-allow-origin'] !== undefined) return;
    const upstream = mapper.toUpstream(origin);
    if (!upstream || deps.catalog().byUrl(new URL(upstream)) !== resource) return;
    headers['access-control-allow-origin'] = origin;
    headers.vary = [headers.vary, 'Origin'].flat().filter(Boolean).join(', ');
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    const state: RequestState = {};
    handle(req, res, state).catch((error: unknown) => failed(req, res, error, state));
  };

  function failed(req: IncomingMessage, res: ServerResponse, error: unknown, state: RequestState): void {
    const host = req.headers.host ?? '';
    if (res.headersSent) {
      res.destroy(error as Error);
      return;
    }
    const cause = error instanceof Error ? error : new Error(String(error));
    if (cause instanceof VendorSessionEnded && state.vendor && state.proxiedUrl) {
      // Sign in again (once) and let the browser repeat its request; a second failure is answered below.
      const { vendor, proxiedUrl } = state;
      state.vendor = undefined;
      deps.roaming.renew(vendor).then(
        () => deps.roaming.repeat(res, proxiedUrl),
        (again: unknown) => failed(req, res, again, state),
      );
      return;
    }
    const roamingResource = state.resource ? deps.catalog().byId(state.resource) : undefined;
    if (roamingResource && (cause instanceof RoamingRefused || cause instanceof CredentialEcho || cause instanceof HeldTooLarge || cause instanceof VendorSessionEnded)) {
      const kind = cause instanceof RoamingRefused ? cause.kind : cause instanceof VendorSessionEnded ? 'failed' : 'echo';
      if (kind === 'echo') logger.warn({ resource: roamingResource.id, why: cause.message }, 'roaming: vendor response refused');
      deps.roaming.answer(req, res, kind, roamingResource);
      return;
    }
    if (cause instanceof RefusedAddressError) {
      logger.warn({ host: cause.host, address: cause.address }, 'proxy refused a private address');
      sendProxyPage(req, res, 403, 'proxyPrivateTitle', 'proxyPrivateBody', { host: cause.host });
      return;
    }
    if (cause instanceof CredentialLessRefused) {
      sendProxyPage(req, res, 403, 'proxyCredentialLessTitle', 'proxyCredentialLessBody');
      return;
    }
    if (cause instanceof RequestTooLarge) {
      sendProxyPage(req, res, 413, 'proxyTooLargeTitle', 'proxyTooLargeBody', { limit: String(config.proxy.maxRequestBodyMegabytes) });
      return;
    }
    const id = Math.random().toString(36).slice(2, 10);
    if (cause instanceof StoreUnavailableError) {
      // Not the vendor's fault: sessions and cookie jars live in the Store.
      logger.error({ host, err: cause.message, ref: id }, 'proxy: session store unavailable');
      res.setHeader('Retry-After', '30');
      sendProxyPage(req, res, 503, 'unavailableTitle', 'unavailableBody', { id });
      return;
    }
    if (cause.name === 'AbortError' || req.destroyed) return;
    const code = errorCode(error);
    logger.warn({ host, err: cause.message, code, ref: id }, 'proxy upstream failed');
    if (deps.load && state.resource) upstreamErrors(deps.load).inc({ resource: state.resource, reason: upstreamErrorReason(code) });
    const timeout = code.includes('TIMEOUT');
    sendProxyPage(req, res, timeout ? 504 : 502, 'proxyUpstreamTitle', 'proxyUpstreamBody', { host: host.replace(/:\d+$/, ''), id });
  }
}

class RequestTooLarge extends Error {}

/** A credential-less request whose response is not what authorize() let it have (a `.css` URL answering with a page). */
class CredentialLessRefused extends Error {}

/** What authorize() is told about a request without a session. */
function credentialLessRequest(req: IncomingMessage, upstream: URL): CredentialLessRequest {
  return {
    url: upstream,
    method: req.method ?? 'GET',
    preflight: req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined,
  };
}

/** Fails the stream (and so the upstream request) once more than `max` bytes have passed. */
function limitBytes(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > max ? new RequestTooLarge('request body too large') : null, chunk);
    },
  });
}
