import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Config, SamlLoginConfig } from '../config/schema';
import { defaultMetadataSource, IdpRegistry, loadSpKeys, SamlHub, spSettings, type KeyPairPem } from '../idp-adapters/saml';
import { negotiateLang, t } from './i18n';
import type { Logger } from './logger';
import { html } from './pages/html';
import { page } from './pages/layout';
import { authRoutes } from './routes/auth';
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
}

export interface Gateway {
  /** The one request handler: proxied vendor hosts go to the proxy, everything else to the Express app. */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  app: Express;
  sessions: Sessions;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The composition root: the one place that wires modules together from a Config. */
export function createGateway({ config, store, logger, sessionSecret, demo, samlSigningKey }: GatewayDeps): Gateway {
  const settings = settingsFrom(config);
  const sessions = new Sessions(store, {
    secret: sessionSecret,
    cookieName: config.session.cookieName,
    domain: settings.cookieDomain,
    secure: settings.secureCookies,
    idleTimeoutMs: config.session.idleTimeoutMinutes * 60_000,
    absoluteLifetimeMs: config.session.absoluteLifetimeHours * 3_600_000,
  });
  const ctx: RouteContext = { config, settings, store, sessions, logger, demo };

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
  app.use(authRoutes(ctx, samlHub(config, settings.publicUrl, store, logger, samlSigningKey)));
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
  return { handle, app, sessions };
}

/** The SAML SP hub when a SAML login is configured (or SP keys are); a missing key throws SpConfigError. */
function samlHub(config: Config, publicUrl: URL, store: Store, logger: Logger, generated?: KeyPairPem): SamlHub | undefined {
  const logins = config.logins.filter((l): l is SamlLoginConfig => l.kind === 'saml');
  if (logins.length === 0 && !config.saml.signing && !generated) return undefined;
  const keys = loadSpKeys(config.saml, (file) => readFileSync(file, 'utf8'), generated);
  const registry = new IdpRegistry(logins, defaultMetadataSource((file) => readFile(file, 'utf8')), {
    onRefreshFailed: (login, error) => logger.warn({ reason: 'metadata-unavailable', idp: login.entityID, err: error.message }, 'IdP metadata could not be loaded'),
  });
  return new SamlHub(spSettings(config.saml, publicUrl, keys), registry, store);
}
