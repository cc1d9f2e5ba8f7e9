import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config/schema';
import type { FederationMetadata, KeyPairPem, SamlHub } from '../idp-adapters/saml';
import { startFederations } from '../idp-adapters/saml';
import { createAccess, type Access } from './access';
import { createSecurity, ruleSets, RuleState, type Security } from './rules';
import { securityRoutes } from './rules/pages';
import type { Logger } from './logger';
import { authRoutes } from './routes/auth';
import { logoutRoutes } from './routes/logout';
import { CampusSessions } from './campus-sessions';
import { SignedOutPage } from './signed-out';
import { discoveryRoutes } from './routes/discovery';
import { launchRoutes } from './routes/launch';
import { createSamlIdp } from './saml-idp';
import { federationMetrics, usageMetrics } from './load/metrics';
import { trustProxy } from './client-address';
import { createProxy, isWebSocketUpgrade, type Proxy } from './proxy';
import type { Resolve } from './proxy/address-guard';
import type { SecretEnv } from './proxy/roaming/credentials';
import { Catalog } from '../resource-catalog/catalog';
import { campusMatcher } from './campus';
import { createLimits } from './limits';
import { createLogins } from './logins';
import { LoginState } from '../idp-adapters/login-state';
import { usageRecorder } from './usage/record';
import type { UsageLog } from './usage';
import { requestScope, type DemoInfo, type RouteContext } from './routes/context';
import { errorPage, notFound } from './routes/errors';
import { healthRoutes } from './routes/health';
import { iconRoutes } from './routes/icon';
import { clientScriptRoutes } from './pages/client-scripts';
import { portalRoutes } from './routes/portal';
import { languageRoutes } from './routes/language';
import { adminRoutes } from './routes/admin'; // admin and reports
import { catalogReloader } from './admin/catalog-reload';
import { adminUsageRoutes, type ReportDeps } from './routes/admin-usage';
import { apiRoutes } from './routes/api';
import { counterApiRoutes, withoutApiKey } from './routes/counter-api';
import { unproxiedAdminRoutes } from './routes/admin-unproxied';
import { vendorLoginAdminRoutes } from './routes/admin-vendor-logins';
import { adminQrRoutes } from './routes/admin-qr';
import { adminFederationRoutes } from './routes/admin-federations';
import { createLoad, type LoadControl, type LoadDeps } from './load';
import { loadAdminRoutes, suspendedRoutes } from './load/pages';
import * as adminAccess from './admin'; // its admin pages use the admin guard, CSRF and audit
import { CsrfTokens } from './csrf';
import { Sessions } from './session';
import { keepStringPrototypeFast } from './fast-strings';
import { isProxyHost, settingsFrom } from './settings';
import type { Store } from './store/types';

export interface GatewayDeps {
  config: Config;
  store: Store;
  logger: Logger;
  /** The session-cookie signing secret (from config, env, file, or the demo's state dir). */
  sessionSecret: string;
  demo?: DemoInfo;
  /** SP signing key generated in demo mode, used when config.saml.signing is not given. */
  samlSigningKey?: KeyPairPem;
  /** IdP signing key generated in demo mode, used when config.idp.signing is not given. */
  idpSigningKey?: KeyPairPem;
  /** The catalog loaded with its files (loadCatalog); default: the config's own resources. */
  catalog?: Catalog;
  /** DNS resolution for the proxy's SSRF guard (tests pin names); default the system resolver. */
  resolve?: Resolve;
  /** The durable usage log (usage issue); without it events are only structured log lines. */
  usage?: UsageLog;
  /** Where usage reports read from (default: the usage module's aggregates and log). */
  reports?: ReportDeps;
  /** Folder that catalog.files are relative to (the config file's), for the admin catalog reload. */
  catalogDir?: string;
  /** The environment roaming accounts' credentials are read from ({ env: NAME } and NAME_FILE); default none. */
  env?: SecretEnv;
  /** Event-loop lag and utilisation for overload control (tests give fakes); default the node's own monitors. */
  loopSignals?: LoadDeps['loopSignals'];
}

export interface Gateway {
  /** The one request handler: proxied vendor hosts go to the proxy, everything else to the Express app. */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** The server's shouldUpgradeCallback: only WebSocket handshakes to proxied hosts are upgrades; any other is an ordinary request for handle. */
  shouldUpgrade: (req: IncomingMessage) => boolean;
  /** The server's 'upgrade' listener (WebSockets through the proxy). */
  handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  app: Express;
  sessions: Sessions;
  /** The SAML SP hub, when configured (its registry holds the federation loaders). */
  saml?: SamlHub;
  /** The federations' metadata loaders by id, and their status (/admin/federations, /readyz, /metrics). */
  federations: ReadonlyMap<string, FederationMetadata>;
  /** Swap in a reloaded catalog; requests in flight keep the snapshot they started with. */
  setCatalog(catalog: Catalog): void;
  /** Load control: metrics, timed Store, overload guard, load history. */
  load: LoadControl;
  /** The one access decision (authorize), licence seats and download limits. */
  access: Access;
  /** Compromised-account defence: security rules, their suspensions, sign-out everywhere. */
  security: Security;
  /** The rewriting proxy (flushUsage writes its open proxy-summary events and unproxied hosts now). */
  proxy: Proxy;
  /** Stop background work (federation metadata refreshes); the server is closed by its owner. */
  close(): void;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The composition root: the one place that wires modules together from a Config. */
export function createGateway(deps: GatewayDeps): Gateway {
  const { config, logger, sessionSecret, demo, samlSigningKey } = deps;
  const settings = settingsFrom(config);
  keepStringPrototypeFast(); // undo what any library loaded so far did to String.prototype (see fast-strings.ts)
  let catalog = deps.catalog ?? new Catalog(config.resources);
  const currentCatalog = () => catalog;
  // Built in dependency order, each from the ones before: store -> usage -> access -> sessions -> proxy -> routes.
  // Store and usage: load control times every Store call and counts every usage event in /metrics.
  const load = createLoad({ config, store: deps.store, logger, secret: sessionSecret, catalog: currentCatalog, record: deps.usage?.record ?? usageRecorder(logger), loopSignals: deps.loopSignals });
  const store = load.store;
  if (deps.usage) usageMetrics(load.metrics.registry, deps.usage); // write failures, store losses, catching up
  // Federation metadata: aggregates start loading now, in the background; MDQ is asked when a login needs it
  const federations = startFederations(config.federations, { logger });
  federationMetrics(load.metrics.registry, federations);
  const recordUsage = load.recordUsage;
  // The one access decision: licence, seats, suspensions (built before sessions: their observer keeps seats in step)
  // Security rules (issue 18): their suspensions are enforced by authorize(); the engine is built once sessions are
  const ruleState = new RuleState(store);
  const rules = ruleSets(config, currentCatalog);
  const access = createAccess({
    config,
    store,
    record: recordUsage,
    remember: (entry) => load.remember(entry),
    userOf: (session) => load.userOf(session),
    rules: { state: ruleState, maySuspend: (resource) => rules().maySuspend(resource) },
  });
  const sessions = new Sessions(store, {
    secret: sessionSecret,
    cookieName: config.session.cookieName,
    domain: settings.cookieDomain,
    secure: settings.secureCookies,
    idleTimeoutMs: config.session.idleTimeoutMinutes * 60_000,
    absoluteLifetimeMs: config.session.absoluteLifetimeHours * 3_600_000,
    observer: load.sessionObserver(access.seats), // seats renewed and released with the session, session counts, per-user cap
  });
  const security = createSecurity({ config, store, state: ruleState, rules, sessions, logger, record: recordUsage, secret: sessionSecret, publicUrl: settings.publicUrl });
  // Rewriting proxy: proxied hosts go to its plain handler; the gateway serves its session handoff
  const proxy = createProxy({
    config,
    settings,
    store,
    sessions,
    sessionSecret,
    catalog: currentCatalog,
    recordUsage,
    logger,
    resolve: deps.resolve,
    access, // every proxied request authorized; item downloads counted
    security, // every proxied request counted by the security rules
    load, // upstream errors
    accessLog: config.usage.accessLog ? deps.usage?.accessLog : undefined,
    usageWrites: deps.usage?.beforeWrite, // proxy summaries share every usage-log write
    secrets: { env: deps.env ?? {}, readFile: (file) => readFileSync(file, 'utf8') }, // roaming accounts' credentials, read at sign-in
    userOf: (session) => load.userOf(session),
  });
  // Per-address limits, counted in the store so every node shares them
  const limits = createLimits(config, store, (refusal) => {
    load.metrics.rateLimited.inc({ limit: refusal.limit });
    logger.warn({ limit: refusal.limit, retryAfterSeconds: refusal.retryAfterSeconds }, 'request refused by a per-address limit');
  });
  const ctx: RouteContext = {
    config,
    settings,
    store,
    sessions,
    csrf: new CsrfTokens(sessionSecret),
    logger,
    recordUsage: security.recordWith(recordUsage), // logins and login failures reach the security rules
    catalog: currentCatalog,
    proxiedUrl: proxy.proxiedUrl,
    isOnCampus: campusMatcher(config.onCampus.ranges),
    limits,
    security,
    demo,
  };

  const app = express();
  app.disable('x-powered-by');
  // Only addresses listed in server.trustProxy may set X-Forwarded-For/-Proto (req.ip, req.protocol).
  app.set('trust proxy', trustProxy(config.server.trustProxy));
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customProps: (req) => ({ clientIp: (req as express.Request).ip }),
      serializers: { req: withoutApiKey },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(
    helmet({
      strictTransportSecurity: settings.secureCookies,
      contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': settings.secureCookies ? [] : null } },
    }),
  );
  app.use(load.metricsRoute()); // /metrics (allow-list)
  app.use(healthRoutes(ctx, deps.usage, federations)); // /readyz: degraded while the usage log cannot be written or federation metadata nears expiry
  app.use(iconRoutes(), clientScriptRoutes()); // favicon, the pages' browser scripts
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.use(requestScope(ctx));
  app.use(load.overloadShedding()); // 503 for new logins/launches when overloaded: anonymous ones first, signed-in launches only far past the limits
  app.use(languageRoutes(ctx));
  app.use(portalRoutes(ctx, access));
  app.use(discoveryRoutes(ctx));
  const loginState = new LoginState({ secret: sessionSecret, publicUrl: settings.publicUrl }); // logins (and held IdP requests) bound to the browser
  const logins = createLogins({ config, publicUrl: settings.publicUrl, store, loginState, logger, federations, samlSigningKey }); // one adapter per login, by kind
  // Passway as the SAML IdP toward vendors (idp.enabled): virtual IdPs per institution, decided by the same authorize()
  const samlIdp = createSamlIdp({ ctx, launch: { access, load, adapters: logins.adapters }, federations, loginState, sessionSecret, generatedSigningKey: deps.idpSigningKey });
  app.use(launchRoutes(ctx, { access, load, adapters: logins.adapters, idp: samlIdp })); // a licence needing MFA steps up at the session's campus IdP
  if (samlIdp) app.use(samlIdp.routes());
  app.use(proxy.routes);
  const saml = logins.saml;
  const campusSessions = new CampusSessions(store, sessions, config.session.absoluteLifetimeHours * 3_600_000); // sessions by their campus logout keys
  app.use(authRoutes(ctx, logins, campusSessions));
  app.use(logoutRoutes(ctx, logins, campusSessions, new SignedOutPage(sessionSecret, settings.publicUrl))); // sign-out here and at the campus; the campus ending sign-ins
  // Load control: /admin/load, /admin/suspensions (admin role, CSRF, audit) and the user's /suspended/<resource> page
  app.use(
    loadAdminRoutes(ctx, load, access, {
      guard: adminAccess.requireAdmin(ctx),
      csrfToken: (req) => Promise.resolve(req.session ? ctx.csrf.token(req.session) : ''),
      verifyCsrf: (req) => ctx.csrf.validFor(req),
      audit: (req, action, ok, detail) => adminAccess.audit(ctx, req, action, ok, detail),
    }),
    suspendedRoutes(ctx, access),
    securityRoutes(ctx, security, {
      guard: adminAccess.requireAdmin(ctx),
      csrfToken: (req) => Promise.resolve(req.session ? ctx.csrf.token(req.session) : ''),
      verifyCsrf: (req) => ctx.csrf.validFor(req),
      audit: (req, action, ok, detail) => adminAccess.audit(ctx, req, action, ok, detail),
    }), // /admin/security: tripped rules, evidence, suspensions, sign-out everywhere, exemptions
  );
  const reloadCatalog = catalogReloader(config, deps.catalogDir, (next) => (catalog = next));
  app.use(adminRoutes(ctx, reloadCatalog), adminUsageRoutes(ctx, deps.reports), apiRoutes(ctx, deps.reports), counterApiRoutes(ctx, deps.reports)); // admin and reports, COUNTER API
  app.use(unproxiedAdminRoutes(ctx, adminAccess.requireAdmin(ctx))); // /admin/unproxied
  app.use(vendorLoginAdminRoutes(ctx, adminAccess.requireAdmin(ctx))); // /admin/vendor-logins: roaming accounts' sign-ins
  app.use(adminQrRoutes(ctx)); // /admin/qr: QR sheets to print
  app.use(adminFederationRoutes(ctx, adminAccess.requireAdmin(ctx), federations)); // /admin/federations: metadata status for IT
  app.use(notFound(ctx));
  app.use(errorPage(ctx));

  const proxied = (req: IncomingMessage) => isProxyHost(req.headers.host, settings);
  const handle = load.instrument(
    (req: IncomingMessage, res: ServerResponse) => {
      if (proxied(req)) {
        proxy.handle(req, res);
        return;
      }
      app(req, res);
    },
    { isProxyHost: proxied, proxyResource: (req) => (req.headers.host ? proxy.resourceOf(req.headers.host) : undefined) },
  ); // in-flight count and request metrics around everything

  const shouldUpgrade = (req: IncomingMessage) => isWebSocketUpgrade(req) && isProxyHost(req.headers.host, settings);
  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (shouldUpgrade(req)) proxy.upgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'); // only without shouldUpgradeCallback (Node before 24.9)
  };
  const setCatalog = (next: Catalog) => {
    catalog = next;
  };
  const close = () => {
    for (const federation of federations.values()) federation.close(); // their refresh timers and MDQ connections
    void proxy.close(); // open proxy-summary events (written synchronously), unproxied hosts, connection pools
    load.close(); // its timer and event-loop monitor
    security.close(); // the digest timer, the SMTP pool
    saml?.close(); // its validation workers
  };
  return { handle, shouldUpgrade, handleUpgrade, app, sessions, saml, federations, setCatalog, close, load, access, proxy, security };
}
