import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Router } from 'express';
import type { Config } from '../../config/schema';
import type { Catalog } from '../../resource-catalog/catalog';
import { claimsHost } from '../../resource-catalog/host-claims';
import type { Access } from '../access';
import type { LoadControl } from '../load';
import type { Security } from '../rules';
import type { Logger } from '../logger';
import type { Session, Sessions } from '../session';
import { isProxiedOrigin, type Settings } from '../settings';
import type { Store } from '../store/types';
import type { AccessLogEntry } from '../usage/access-log';
import type { RecordUsage } from '../usage/record';
import type { UsageLog } from '../usage/usage-log';
import type { Resolve } from './address-guard';
import { CookieJars } from './cookie-jar';
import { handoffRoutes, type HandoffDeps } from './handoff';
import { proxyHandler } from './handler';
import { fromProxied } from './host-mapping';
import { ProxyTraffic } from './traffic';
import { UnproxiedHosts } from './unproxied';
import { upstreamAgent } from './upstream-agent';
import { ProxiedHosts } from './proxied-hosts';
import { LongLabels, mappingPerCatalog } from './url-mapper';
import { Roaming, type SecretSource } from './roaming';
import { webSocketUpgrade } from './websocket';

export { fromProxied, toProxied } from './host-mapping';
export { readUnproxiedHosts, type UnproxiedHost } from './unproxied';
export { isWebSocketUpgrade } from './websocket';

export interface ProxyDeps {
  config: Config;
  settings: Settings;
  store: Store;
  sessions: Sessions;
  sessionSecret: string;
  catalog: () => Catalog;
  recordUsage: RecordUsage;
  logger: Logger;
  /** DNS resolution for the SSRF guard (tests pin names); default the system resolver. */
  resolve?: Resolve;
  /** The access decision of every proxied request; download limits. */
  access: Access;
  /** Load control: upstream error counts (absent: none). */
  load?: LoadControl;
  /** Security rules: every proxied request counted (absent: none). */
  security?: Security;
  /** The usage log's NCSA access log, when usage.accessLog is on. */
  accessLog?: (entry: AccessLogEntry) => void;
  /** The usage log's write hook: proxy summaries go into every write, with the NCSA lines of their requests. */
  usageWrites?: UsageLog['beforeWrite'];
  /** Where roaming accounts' credentials are read from (resources[].roaming.accounts). */
  secrets: SecretSource;
  /** The pseudonymous user id (roaming accounts' per-reader cap). */
  userOf: (session: Session) => string | undefined;
}

export interface Proxy {
  /** For requests whose Host is a proxied host. */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** For WebSocket handshakes whose Host is a proxied host (the server's 'upgrade' event). */
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Gateway-side routes (the session handoff), mounted in the Express app. */
  routes: Router;
  /** The proxied address of a catalogued upstream URL (launches send readers there), else undefined. */
  proxiedUrl(upstream: URL): URL | undefined;
  /** The catalogued resource a proxied Host header belongs to (request metrics label it), without waiting on the Store. */
  resourceOf(host: string): string | undefined;
  /** Write every open proxy-summary and the unproxied hosts noted so far (close does it too). */
  flushUsage(): Promise<void>;
  /** Flushes the summaries (synchronously, before the usage log closes), then the connection pools. */
  close(): Promise<void>;
}

/** Build the rewriting proxy from the composition root. */
export function createProxy(deps: ProxyDeps): Proxy {
  const { config, settings } = deps;
  const allowPrivate = (origin: string): boolean => {
    const url = new URL(origin);
    const resource = deps.catalog().byUrl(url);
    return !!resource?.hosts.some((rule) => rule.allowPrivate && claimsHost(rule, url.host));
  };
  const agent = upstreamAgent({
    timeouts: { connectMs: config.proxy.connectTimeoutSeconds * 1000, headersMs: config.proxy.headersTimeoutSeconds * 1000, bodyMs: config.proxy.bodyTimeoutSeconds * 1000 },
    allowPrivate,
    maxResponseBytes: config.proxy.maxResponseBodyMegabytes ? config.proxy.maxResponseBodyMegabytes * 1024 * 1024 : undefined,
    resolve: deps.resolve,
  });
  const labels = new LongLabels(deps.store);
  const hosts = new ProxiedHosts(settings.proxyDomain, labels);
  const mappingFor = mappingPerCatalog(settings, labels);
  const lifetimeMs = config.session.absoluteLifetimeHours * 3_600_000;
  const proxiedUrl = (upstream: URL) => {
    const mapped = mappingFor(deps.catalog()).mapper.mapUrl(upstream.href);
    return mapped ? new URL(mapped) : undefined;
  };
  const handoff: HandoffDeps = {
    store: deps.store,
    secret: deps.sessionSecret,
    cookieName: config.session.cookieName,
    secure: settings.secureCookies,
    maxAgeSeconds: Math.floor(lifetimeMs / 1000),
    gatewayOrigin: settings.publicUrl.origin,
    proxiedOf: proxiedUrl,
    proxyDomain: settings.proxyDomain,
    isProxiedOrigin: (origin) => isProxiedOrigin(origin, settings),
    upstreamOf: (proxied) => {
      const upstream = fromProxied(proxied, settings, labels.resolve);
      return upstream && deps.catalog().byUrl(upstream) ? upstream : undefined;
    },
  };
  const traffic = new ProxyTraffic({
    record: deps.recordUsage,
    everyRequests: config.proxy.summaryEveryRequests,
    idleMs: config.proxy.summaryIdleSeconds * 1000,
    writes: deps.usageWrites,
    rememberItemsMs: config.session.idleTimeoutMinutes * 60_000,
  });
  const unproxied = new UnproxiedHosts({
    store: deps.store,
    ttlMs: config.proxy.unproxiedHostDays * 86_400_000,
    maxPerResource: config.proxy.unproxiedHostsPerResource,
    onError: (error) => deps.logger.warn({ err: error }, 'proxy: unproxied hosts not stored'),
  });
  // Unproxied hosts reach the Store in batches, at most every 10 s.
  const timer = setInterval(() => void unproxied.flush(), 10_000);
  timer.unref();
  const jars = new CookieJars(deps.store, lifetimeMs);
  const roaming = new Roaming({
    store: deps.store,
    jars,
    agent,
    secrets: deps.secrets,
    record: deps.security ? deps.security.recordWith(deps.recordUsage) : deps.recordUsage, // a failed vendor sign-in is a security event too
    logger: deps.logger,
    userOf: deps.userOf,
    lifetimeMs,
    userAgent: `Mozilla/5.0 (compatible; Passway/1; +${settings.publicUrl.origin}/)`,
  });
  const handle = proxyHandler({
    config,
    settings,
    catalog: deps.catalog,
    sessions: deps.sessions,
    jars,
    hosts,
    mappingFor,
    agent,
    handoff,
    recordUsage: deps.recordUsage,
    logger: deps.logger,
    access: deps.access,
    load: deps.load,
    security: deps.security,
    accessLog: deps.accessLog,
    traffic,
    unproxied,
    roaming,
  });
  const upgrade = webSocketUpgrade({ config, settings, catalog: deps.catalog, sessions: deps.sessions, jars, hosts, mappingFor, agent, recordUsage: deps.recordUsage, logger: deps.logger, access: deps.access });
  const resourceOf = (host: string) => {
    const upstream = hosts.peek(host);
    return upstream && deps.catalog().byHost(upstream.host)?.id;
  };
  const flushUsage = async () => {
    traffic.flushAll();
    await unproxied.flush();
  };
  const close = async () => {
    clearInterval(timer);
    traffic.close();
    await Promise.all([unproxied.flush(), agent.close()]);
  };
  return { handle, upgrade, routes: handoffRoutes(handoff), proxiedUrl, resourceOf, flushUsage, close };
}
