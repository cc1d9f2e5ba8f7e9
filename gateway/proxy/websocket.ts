import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Agent, Dispatcher } from 'undici';
import type { Config } from '../../config/schema';
import type { Catalog } from '../../resource-catalog/catalog';
import type { Access } from '../access';
import { negotiateLang, t, type MessageKey } from '../i18n';
import type { Logger } from '../logger';
import type { Sessions } from '../session';
import type { Settings } from '../settings';
import type { RecordUsage } from '../usage/record';
import { RefusedAddressError } from './address-guard';
import type { CookieJars } from './cookie-jar';
import { browserCookiesFor, browserResponseHeaders, mergeCookies, upstreamRequestHeaders } from './headers';
import type { ProxiedHosts } from './proxied-hosts';
import type { CatalogMapping } from './url-mapper';

export interface WebSocketDeps {
  config: Config;
  settings: Settings;
  catalog: () => Catalog;
  sessions: Sessions;
  jars: CookieJars;
  hosts: ProxiedHosts;
  mappingFor: (catalog: Catalog) => CatalogMapping;
  /** The proxy's one upstream Agent: its connector is the SSRF guard, so the handshake is checked like any request. */
  agent: Agent;
  recordUsage: RecordUsage;
  logger: Logger;
  /** The one access decision (seats, suspensions), as for every proxied request. */
  access: Access;
}

/** A WebSocket handshake (RFC 6455 §4.1: GET with Upgrade: websocket), the only upgrade the proxy takes. */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.method === 'GET' && /(^|,)\s*websocket\s*(,|$)/i.test(String(req.headers.upgrade ?? ''));
}

/**
 * WebSockets through the rewriting proxy (RFC 6455). The handshake passes every check an ordinary
 * proxied request passes, in the same order: proxied Host → upstream origin, origin-form target, only
 * catalogued hosts, a signed-in session, the same access decision, suspension; then it goes upstream
 * through the proxy's Agent (the SSRF address guard), with the session's vendor cookies as Cookie and
 * Origin mapped to the vendor's origin. After the vendor's 101 the two sockets are piped; frames are
 * not inspected (permessage-deflate and subprotocols are negotiated end to end), so a resource reached
 * with a roaming account takes none. Any refusal is a
 * complete HTTP response on the socket, then the socket is closed.
 */
export function webSocketUpgrade(deps: WebSocketDeps) {
  const { config, settings, logger } = deps;

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const host = req.headers.host ?? '';
    const origin = (await deps.hosts.lookup(host))?.origin;
    if (!origin) return refuse(req, socket, 404, 'proxyUnknownHostTitle', 'proxyUnknownHostBody', { host });
    const rawUrl = req.url ?? '';
    const target = rawUrl.startsWith('/') ? new URL(rawUrl, origin) : undefined;
    if (!target || target.origin !== origin || !isWebSocketUpgrade(req)) return refuse(req, socket, 400, 'proxyBadRequestTitle', 'proxyBadRequestBody');
    const catalog = deps.catalog();
    const resource = catalog.byUrl(target);
    if (!resource) {
      deps.recordUsage({ type: 'uncatalogued', host: target.host });
      return refuse(req, socket, 404, 'launchNotCataloguedTitle', 'launchNotCataloguedBody', { host: target.host });
    }
    // A roaming account's vendor session must not reach a channel whose frames nobody checks for the account
    // (the echo guard reads HTTP bodies): its WebSockets are refused, before anything goes upstream.
    if (resource.roaming) {
      logger.info({ resource: resource.id, path: target.pathname }, 'WebSocket to a roaming-account resource refused');
      return refuse(req, socket, 403, 'proxyBadRequestTitle', 'proxyWebSocketRoaming');
    }
    const session = await deps.sessions.load(req);
    const user = session?.data.user;
    // No handoff here: a script cannot follow a redirect during the handshake; the page itself was signed in.
    if (!session || !user) return refuse(req, socket, 401, 'proxyBadRequestTitle', 'proxyWebSocketSignIn');
    const [decision, jarCookies] = await Promise.all([deps.access.authorize(session, resource, new Date()), deps.jars.cookieHeader(session.id, target.href)]);
    if (!decision.allow || decision.method.kind !== 'proxy') return refuse(req, socket, 403, 'proxyBadRequestTitle', 'proxyWebSocketDenied');

    const { mapper } = deps.mappingFor(catalog);
    // Cross-site WebSocket hijacking: a handshake must come from a proxied vendor page (a foreign page's
    // Origin would not map); 'null' (sandboxed frames) passes as on the HTTP path.
    const pageOrigin = req.headers.origin;
    if (pageOrigin && pageOrigin !== 'null' && !mapper.toUpstream(pageOrigin)) return refuse(req, socket, 403, 'proxyBadRequestTitle', 'proxyBadRequestBody');
    const browserCookies = browserCookiesFor(config.proxy.browserCookies, req.headers.cookie, resource.id);
    const headers = upstreamRequestHeaders({
      headers: req.headers,
      upstreamHost: target.host,
      cookie: mergeCookies(jarCookies, browserCookies),
      clientAddress: req.socket.remoteAddress,
      forwardedFor: config.proxy.forwardedFor,
      toUpstream: mapper.toUpstream,
    });
    delete headers['accept-encoding']; // no body: the frames' compression is the extension's business
    let upgraded: Dispatcher.UpgradeData;
    try {
      upgraded = await deps.agent.upgrade({ origin, path: target.pathname + target.search, headers, protocol: 'websocket' } as Dispatcher.UpgradeOptions);
    } catch (error) {
      return upstreamFailed(req, socket, error, host);
    }
    const upstream = upgraded.socket;
    const setCookies = [upgraded.headers['set-cookie'] ?? []].flat();
    if (setCookies.length > 0) await deps.jars.storeFromResponse(session.id, target.href, setCookies);
    if (socket.destroyed) {
      upstream.destroy();
      return;
    }
    const answer = browserResponseHeaders({ headers: upgraded.headers as IncomingHttpHeaders, mapUrl: (u) => mapper.mapUrl(u, target.href), bodyChanged: false });
    socket.write(responseHead(101, 'Switching Protocols', { ...answer, connection: 'Upgrade', upgrade: 'websocket' }));
    if (head.length > 0) upstream.write(head);
    pipeBoth(socket, upstream);
  }

  function upstreamFailed(req: IncomingMessage, socket: Duplex, error: unknown, host: string): void {
    if (error instanceof RefusedAddressError) {
      logger.warn({ host: error.host, address: error.address }, 'proxy refused a private address');
      return refuse(req, socket, 403, 'proxyPrivateTitle', 'proxyPrivateBody', { host: error.host });
    }
    const id = Math.random().toString(36).slice(2, 10);
    logger.warn({ host, err: (error as Error).message, ref: id }, 'proxy: WebSocket handshake upstream failed');
    refuse(req, socket, 502, 'proxyUpstreamTitle', 'proxyUpstreamBody', { host: host.replace(/:\d+$/, ''), id });
  }

  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((error: unknown) => {
      logger.error({ err: error, host: settings.proxyDomain }, 'proxy: WebSocket upgrade failed');
      refuse(req, socket, 503, 'unavailableTitle', 'unavailableBody', { id: '-' });
    });
  };
}

/** A complete bilingual plain-text refusal on the raw socket, which is then closed. */
function refuse(req: IncomingMessage, socket: Duplex, status: number, title: MessageKey, body: MessageKey, vars: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const lang = negotiateLang(req);
  const text = `${t(lang, title, vars)}\n${t(lang, body, vars)}\n`;
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 502: 'Bad Gateway', 503: 'Service Unavailable' }[status] ?? 'Error';
  const headers = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), connection: 'close' };
  socket.end(responseHead(status, reason, headers) + text);
}

function responseHead(status: number, reason: string, headers: OutgoingHttpHeaders): string {
  const lines = [`HTTP/1.1 ${status} ${reason}`];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of [value].flat()) lines.push(`${name}: ${String(one).replace(/[\r\n]/g, '')}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Frames both ways with backpressure; when either side ends or fails, both are closed. */
function pipeBoth(client: Duplex, upstream: Duplex): void {
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  for (const side of [client, upstream]) {
    side.on('error', close);
    side.on('close', close);
  }
  client.pipe(upstream);
  upstream.pipe(client);
}
