import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema';
import type { Catalog } from '../resource-catalog/catalog';
import { createGateway, type Gateway } from './app';
import { tuneGarbageCollector } from './gc-tuning';
import { startDemo, type RunningDemo } from './demo';
import { createLogger, type Logger } from './logger';
import { startServer } from './server';
import { createStore } from './store';
import { usageLogFromConfig, type UsageLog } from './usage';
import type { Store } from './store/types';

export interface RunningPassway {
  url: string;
  port: number;
  gateway: Gateway;
  store: Store;
  /** The usage log (usage issue). */
  usage: UsageLog;
  demo?: RunningDemo;
  shutdown(): Promise<void>;
}

/** A demo secret (session secret, admin password): generated once into the git-ignored state directory. */
function demoSecret(stateDir: string, name: string, bytes: number): string {
  const file = path.join(stateDir, name);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(stateDir, { recursive: true });
    const secret = randomBytes(bytes).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

/** In demo mode the bootstrap admin gets a generated password, shown on the demo panel. */
function withDemoAdmin(config: Config): Config {
  const bootstrap = config.admin.bootstrap;
  if (!config.demo.enabled || !bootstrap || bootstrap.password || bootstrap.passwordHash) return config;
  return { ...config, admin: { ...config.admin, bootstrap: { ...bootstrap, password: demoSecret(config.demo.stateDir, 'admin-password', 12) } } };
}

/** Start everything a config describes: store, demo servers (in demo mode), gateway, HTTP(S) server. */
/** `catalog`: loaded with the config's catalog files, which are read relative to `catalogDir` (the config's folder). */
export async function startPassway(
  given: Config,
  logger: Logger = createLogger(given.logging.level),
  loaded: { catalog?: Catalog; catalogDir?: string } = {},
): Promise<RunningPassway> {
  const { catalog, catalogDir } = loaded;
  const missing = tuneGarbageCollector();
  if (missing.length > 0) logger.info({ flags: missing }, 'node was started without these flags (docker/Dockerfile and npm start give them): more full GCs under proxy load, see gateway/gc-tuning.ts');
  const config = withDemoAdmin(given);
  const store = createStore(config.store.kind === 'memory' ? { kind: 'memory' } : { ...config.store });
  if (config.store.kind === 'redis') {
    await store.ping().catch((error: Error) => logger.warn({ err: error }, 'store not answering at start; /readyz reports it until it does'));
  }
  const demo = config.demo.enabled ? await startDemo(config, logger) : undefined;
  const sessionSecret = config.session.secret ?? demoSecret(config.demo.stateDir, 'session-secret', 32);
  const usage = usageLogFromConfig(config, store, sessionSecret, logger);
  const admin = config.demo.enabled && config.admin.bootstrap?.password ? { username: config.admin.bootstrap.username, password: config.admin.bootstrap.password } : undefined;
  const demoInfo = demo ? { ...demo.info, admin } : undefined;
  const gateway = createGateway({ config, store, logger, sessionSecret, demo: demoInfo, samlSigningKey: demo?.samlSigningKey, idpSigningKey: demo?.idpSigningKey, catalog, catalogDir, usage, env: process.env });
  let server;
  try {
    server = await startServer(gateway.handle, {
      host: config.server.host,
      port: config.server.port,
      tls: config.server.tls,
      shutdownGraceMs: config.server.shutdownGraceSeconds * 1000,
      logger,
      upgrade: { should: gateway.shouldUpgrade, handle: gateway.handleUpgrade },
    });
  } catch (error) {
    await demo?.close();
    await usage.close();
    await store.close();
    throw error;
  }
  const publicUrl = new URL(config.server.publicUrl);
  if (config.server.port === 0 || publicUrl.port === '0') publicUrl.port = String(server.port);
  return {
    url: publicUrl.origin + '/',
    port: server.port,
    gateway,
    store,
    usage,
    demo,
    shutdown: async () => {
      gateway.close();
      await server.shutdown();
      await demo?.close();
      await usage.close(); // written and counted before the store closes
      await store.close();
    },
  };
}
