import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema';
import type { Catalog } from '../resource-catalog/catalog';
import { createGateway, type Gateway } from './app';
import { startDemo, type RunningDemo } from './demo';
import { createLogger, type Logger } from './logger';
import { startServer } from './server';
import { createStore } from './store';
import type { Store } from './store/types';

export interface RunningPassway {
  url: string;
  port: number;
  gateway: Gateway;
  store: Store;
  demo?: RunningDemo;
  shutdown(): Promise<void>;
}

/** The demo's session secret: generated once into the git-ignored state directory. */
function demoSecret(stateDir: string): string {
  const file = path.join(stateDir, 'session-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(stateDir, { recursive: true });
    const secret = randomBytes(32).toString('hex');
    writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

/** Start everything a config describes: store, demo servers (in demo mode), gateway, HTTP(S) server. */
export async function startPassway(config: Config, logger: Logger = createLogger(config.logging.level), catalog?: Catalog): Promise<RunningPassway> {
  const store = createStore(config.store.kind === 'memory' ? { kind: 'memory' } : { ...config.store });
  if (config.store.kind === 'redis') {
    await store.ping().catch((error: Error) => logger.warn({ err: error }, 'store not answering at start; /readyz reports it until it does'));
  }
  const demo = config.demo.enabled ? await startDemo(config, logger) : undefined;
  const sessionSecret = config.session.secret ?? demoSecret(config.demo.stateDir);
  const gateway = createGateway({ config, store, logger, sessionSecret, demo: demo?.info, samlSigningKey: demo?.samlSigningKey, catalog });
  let server;
  try {
    server = await startServer(gateway.handle, {
      host: config.server.host,
      port: config.server.port,
      tls: config.server.tls,
      shutdownGraceMs: config.server.shutdownGraceSeconds * 1000,
      logger,
    });
  } catch (error) {
    await demo?.close();
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
    demo,
    shutdown: async () => {
      gateway.close();
      await server.shutdown();
      await demo?.close();
      await store.close();
    },
  };
}
