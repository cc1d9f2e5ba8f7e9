/**
 * Session lookup cost: what every gateway and proxied request will pay. Each row is compared with
 * a baseline measured in the same run on the same store (a bare `get` of a value the same size),
 * so the numbers mean something on any machine. Run: npm run bench (needs Redis for the Redis rows).
 */
import type { IncomingMessage } from 'node:http';
import { sign } from 'cookie-signature';
import { Sessions } from '../gateway/session';
import { MemoryStore } from '../gateway/store';
import { benchRedis } from './redis';
import type { Store } from '../gateway/store/types';

const DURATION_MS = Number(process.env.BENCH_MS ?? 2_000);
const CONCURRENCY = 32;
const SECRET = 'bench-secret-'.padEnd(40, 'x');

async function rate(task: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await task(); // warm-up
  let done = 0;
  const end = performance.now() + DURATION_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await task();
        done++;
      }
    }),
  );
  return done / (DURATION_MS / 1000);
}

async function benchStore(name: string, store: Store): Promise<void> {
  const sessions = new Sessions(store, { secret: SECRET, cookieName: 'sid', secure: false, idleTimeoutMs: 3_600_000, absoluteLifetimeMs: 3_600_000 });
  const res = { appendHeader: () => undefined } as never;
  const session = await sessions.create(res, { user: { subject: 'x'.repeat(40), institution: 'uni', affiliations: ['faculty'], entitlements: [], groups: [], source: { adapter: 'bench' }, attributes: {} } });
  const req = { headers: { cookie: `sid=s:${sign(session.id, SECRET)}` } } as IncomingMessage;
  const raw = (await store.get(`session:${session.id}`)) ?? '';
  await store.set('bench:baseline', raw, 3_600_000);

  const baseline = await rate(() => store.get('bench:baseline'));
  const load = await rate(() => sessions.load(req));
  console.log(`${name.padEnd(6)} store.get baseline ${baseline.toFixed(0).padStart(8)} ops/s | Sessions.load ${load.toFixed(0).padStart(8)} ops/s | ${((load / baseline) * 100).toFixed(0)}% of baseline`);
  await store.del('bench:baseline');
  await store.del(`session:${session.id}`);
  await store.close();
}

async function main() {
  console.log(`session lookup, ${CONCURRENCY} concurrent callers, ${DURATION_MS} ms per row`);
  await benchStore('memory', new MemoryStore());
  const redis = await benchRedis();
  if (!redis) return;
  await benchStore('redis', redis);
}

void main();
