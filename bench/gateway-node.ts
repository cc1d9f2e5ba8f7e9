/**
 * Passway in a bench child process, started as production starts it (the GC tuning, createGateway
 * and startServer on 127.0.0.1): one institution, `uni`, and whatever the bench adds (its proxied
 * resource, its login). The benches that proxy a vendor take `proxiedResource` for their catalog and
 * `signIn` for readers signed in without a campus.
 */
import type { ServerResponse } from 'node:http';
import pino from 'pino';
import { formatProblems, validateConfig, type ConfigInput } from '../config';
import type { ResourceInput } from '../resource-catalog/schema';
import { createGateway, type Gateway } from '../gateway/app';
import { tuneGarbageCollector } from '../gateway/gc-tuning';
import { labelFor } from '../gateway/proxy/host-mapping';
import { startServer } from '../gateway/server';
import type { Store } from '../gateway/store';
import { freePort } from './children';

export const BENCH_SECRET = 'bench-secret-'.padEnd(40, 'x');

export interface BenchGateway {
  port: number;
  gateway: Gateway;
}

/** Start it; `config` is the bench's own part (resources, logins, limits, load, saml, security). */
export async function startBenchGateway(config: ConfigInput, store: Store): Promise<BenchGateway> {
  tuneGarbageCollector();
  const port = await freePort();
  const result = validateConfig({
    server: { publicUrl: `http://localhost:${port}` },
    session: { secret: BENCH_SECRET },
    institutions: [{ id: 'uni', name: { en: 'Demo University' }, domains: ['demo.edu.cn'] }],
    ...config,
  });
  if (!result.ok) throw new Error(formatProblems(result));
  const logger = pino({ level: process.env.BENCH_LOG ?? 'silent' });
  const gateway = createGateway({ config: result.config, store, logger, sessionSecret: BENCH_SECRET });
  await startServer(gateway.handle, { host: '127.0.0.1', port, shutdownGraceMs: 1000, logger });
  return { port, gateway };
}

/** The bench vendor on `vendorPort` as one proxied resource licensed to `uni`, starting at `startPath`. */
export function proxiedResource(vendorPort: number, { id = 'bench', startPath = '/', moreHosts = [] as string[] } = {}): ResourceInput {
  return {
    id,
    title: { en: 'Bench' },
    vendor: 'Bench',
    hosts: [{ host: `localhost:${vendorPort}`, allowPrivate: true }, ...moreHosts.map((host) => ({ host }))],
    access: [{ kind: 'proxy', start: `http://localhost:${vendorPort}${startPath}` }],
    licences: [{ institution: 'uni' }],
  };
}

/** The proxied host name of the bench vendor on this gateway. */
export const proxiedHostOf = (node: BenchGateway, vendorPort: number) => `${labelFor(new URL(`http://localhost:${vendorPort}`))}.p.localhost:${node.port}`;

/** A reader of `uni` signed in (no campus involved); returns the session cookie (`name=value`). */
export async function signIn(node: BenchGateway, subject: string, affiliation: 'student' | 'faculty' = 'student'): Promise<string> {
  let cookie = '';
  const res = { appendHeader: (_name: string, value: string) => (cookie = value.split(';')[0]!) } as unknown as ServerResponse;
  await node.gateway.sessions.login(res, undefined, { subject, institution: 'uni', affiliations: [affiliation], entitlements: [], groups: [], source: { adapter: 'cas' }, attributes: {} });
  return cookie;
}
