/**
 * Proxy pass-through cost: req/s for a 50 KB body fetched through Passway's proxy (session check,
 * policy, jar, undici upstream pool) against a direct undici request to the same upstream, both
 * measured in this run with the same in-process load generator (undici Pool, keep-alive).
 * Run: npm run bench:proxy (BENCH_MS=5000 for longer runs).
 */
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Pool } from 'undici';
import { formatProblems, validateConfig } from '../config';
import { createGateway } from '../gateway/app';
import { MemoryStore } from '../gateway/store';

const DURATION_MS = Number(process.env.BENCH_MS ?? 3_000);
const CONNECTIONS = 32;
const BODY = Buffer.alloc(50 * 1024, 'a');
const SECRET = 'bench-secret-'.padEnd(40, 'x');

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function rate(pool: Pool, path: string, headers: Record<string, string>): Promise<number> {
  const once = async () => {
    const res = await pool.request({ method: 'GET', path, headers });
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    await res.body.arrayBuffer();
  };
  for (let i = 0; i < 300; i++) await once(); // warm-up
  let done = 0;
  const end = performance.now() + DURATION_MS;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        await once();
        done++;
      }
    }),
  );
  return done / (DURATION_MS / 1000);
}

async function main() {
  const upstream = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': BODY.length });
    res.end(BODY);
  });
  const upstreamPort = await listen(upstream);
  const front = http.createServer();
  const port = await listen(front);
  const result = validateConfig({
    server: { publicUrl: `http://localhost:${port}` },
    session: { secret: SECRET },
    institutions: [{ id: 'uni', name: { en: 'University' } }],
    resources: [
      { id: 'bench', title: { en: 'Bench' }, vendor: 'Bench', hosts: [{ host: `localhost:${upstreamPort}`, allowPrivate: true }], access: [{ kind: 'proxy', start: `http://localhost:${upstreamPort}/` }], licences: [{ institution: 'uni' }] },
    ],
  });
  if (!result.ok) throw new Error(formatProblems(result));
  const gateway = createGateway({ config: result.config, store: new MemoryStore(), logger: pino({ level: 'silent' }), sessionSecret: SECRET });
  front.on('request', gateway.handle);
  let cookie = '';
  const fake = { appendHeader: (_n: string, v: string) => (cookie = v.split(';')[0]!) } as unknown as ServerResponse;
  await gateway.sessions.create(fake, { user: { subject: 'b', institution: 'uni', affiliations: ['faculty'], entitlements: [], groups: [], source: { adapter: 'cas' }, attributes: {} } });

  const direct = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: CONNECTIONS });
  const viaProxy = new Pool(`http://127.0.0.1:${port}`, { connections: CONNECTIONS });
  const proxiedHost = `localhost---http-${upstreamPort}.p.localhost:${port}`;

  const baseline = await rate(direct, '/doc.pdf', { host: `localhost:${upstreamPort}` });
  const proxied = await rate(viaProxy, '/doc.pdf', { host: proxiedHost, cookie });
  const rows = [
    ['direct undici (baseline)', baseline],
    ['through Passway proxy', proxied],
  ] as const;
  console.log(`50 KB pass-through, ${CONNECTIONS} connections, ${DURATION_MS} ms each, Node ${process.version}`);
  for (const [name, value] of rows) console.log(`${name.padEnd(28)} ${value.toFixed(0).padStart(8)} req/s`);
  console.log(`${'ratio proxy / baseline'.padEnd(28)} ${(proxied / baseline).toFixed(2).padStart(8)}`);

  await direct.close();
  await viaProxy.close();
  gateway.close();
  front.closeAllConnections();
  upstream.closeAllConnections();
  front.close();
  upstream.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
