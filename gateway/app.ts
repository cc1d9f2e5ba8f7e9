import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Config, SamlLoginConfig } from '../config/schema';
import { defaultMetadataSource, IdpRegistry, loadSpKeys, SamlHub, spSettings, startFederations, type KeyPairPem } from '../idp-adapters/saml';
import { negotiateLang, t } from './i18n';
import type { Logger } from './logger';
import { html } from './pages/html';
import { page } from './pages/layout';
import { authRoutes } from './routes/auth';
import { discoveryRoutes } from './routes/discovery';
import { launchRoutes } from './routes/launch';
import { Catalog } from '../resource-catalog/catalog';
import { campusMatcher } from './campus';
import { callbackAdapters } from './logins';
import { usageRecorder } from './usage/record';
import { requestScope, type DemoInfo, type RouteContext } from './routes/context';
import { errorPage, notFound } from './routes/errors';
import { healthRoutes } from './routes/health';
import { portalRoutes } from './routes/portal';
import { Sessions } from './session';
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
  /** The catalog loaded with its files (loadCatalog); default: the config's own resources. */
  catalog?: Catalog;
}

export interface Gateway {
  /** The one request handler: proxied vendor hosts go to the proxy, everything else to the Express app. */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  app: Express;
  sessions: Sessions;
  /** The SAML SP hub, when configured (its registry holds the federation loaders and their status). */
  saml?: SamlHub;
  /** Swap in a reloaded catalog; requests in flight keep the snapshot they started with. */
  setCatalog(catalog: Catalog): void;
  /** Stop background work (federation metadata refreshes); the server is closed by its owner. */
  close(): void;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The composition root: the one place that wires modules together from a Config. */
export function createGateway(deps: GatewayDeps): Gateway {
  const { config, store, logger, sessionSecret, demo, samlSigningKey } = deps;
  const settings = settingsFrom(config);
  const sessions = new Sessions(store, {
    secret: sessionSecret,
    cookieName: config.session.cookieName,
    domain: settings.cookieDomain,
    secure: settings.secureCookies,
    idleTimeoutMs: config.session.idleTimeoutMinutes * 60_000,
    absoluteLifetimeMs: config.session.absoluteLifetimeHours * 3_600_000,
  });
  let catalog = deps.catalog ?? new Catalog(config.resources);
  const ctx: RouteContext = {
    config,
    settings,
    store,
    sessions,
    logger,
    recordUsage: usageRecorder(logger),
    catalog: () => catalog,
    isOnCampus: campusMatcher(config.onCampus.ranges),
    demo,
  };

  const app = express();
  app.disable('x-powered-by');
  // Only addresses listed in server.trustProxy may set X-Forwarded-For/-Proto (req.ip, req.protocol).
  app.set('trust proxy', config.server.trustProxy.length > 0 ? config.server.trustProxy : false);
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
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(
    helmet({
      strictTransportSecurity: settings.secureCookies,
      contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': settings.secureCookies ? [] : null } },
    }),
  );
  app.use(healthRoutes(ctx));
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.use(requestScope(ctx));
  app.use(portalRoutes(ctx));
  app.use(discoveryRoutes(ctx));
  app.use(launchRoutes(ctx));
  const saml = samlHub(config, settings.publicUrl, store, logger, samlSigningKey);
  app.use(authRoutes(ctx, saml, callbackAdapters(config, settings.publicUrl, store)));
  app.use(notFound(ctx));
  app.use(errorPage(ctx));

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (isProxyHost(req.headers.host, settings)) {
      const lang = negotiateLang(req);
      res.writeHead(501, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(
        page({
          lang,
          title: t(lang, 'notBuiltTitle'),
          body: html`<p class="notice" role="status">${t(lang, 'notBuiltBody', { feature: 'rewriting proxy' })}</p>`,
        }),
      );
      return;
    }
    app(req, res);
  };
  const setCatalog = (next: Catalog) => {
    catalog = next;
  };
  return { handle, app, sessions, saml, setCatalog, close: () => saml?.registry.close() };
}

/** The SAML SP hub when a SAML login is configured (or SP keys are); a missing key throws SpConfigError. */
function samlHub(config: Config, publicUrl: URL, store: Store, logger: Logger, generated?: KeyPairPem): SamlHub | undefined {
  const logins = config.logins.filter((l): l is SamlLoginConfig => l.kind === 'saml');
  if (logins.length === 0 && !config.saml.signing && !generated) return undefined;
  const keys = loadSpKeys(config.saml, (file) => readFileSync(file, 'utf8'), generated);
  const registry = new IdpRegistry(logins, defaultMetadataSource((file) => readFile(file, 'utf8')), {
    onRefreshFailed: (login, error) => logger.warn({ reason: 'metadata-unavailable', idp: login.entityID, err: error.message }, 'IdP metadata could not be loaded'),
    federations: startFederations(config.federations, { logger }),
  });
  return new SamlHub(spSettings(config.saml, publicUrl, keys), registry, store);
}
