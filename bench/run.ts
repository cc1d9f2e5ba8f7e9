/**
 * Session lookup cost: what every gateway and proxied request will pay. Each row is compared with
 * a baseline measured in the same run on the same store (a bare `get` of a value the same size),
 * so the numbers mean something on any machine. Run: npm run bench (needs Redis for the Redis rows).
 */
import type { IncomingMessage } from 'node:http';
import { sign } from 'cookie-signature';
import { Sessions, type Session } from '../gateway/session';
import { MemoryStore } from '../gateway/store';
import { sessionTracking } from '../gateway/load/session-observer';
import { keys } from '../gateway/load/keys';
import { benchRedis } from './redis';
import type { Store } from '../gateway/store/types';

const DURATION_MS = Number(process.env.BENCH_MS ?? 2_000);
const CONCURRENCY = 32;
const SECRET = 'bench-secret-'.padEnd(40, 'x');
/** Sessions in use during a measurement (a busy hour's active readers out of all live sessions). */
const HOT_SESSIONS = 1_000;
const ROUNDS = 5;
const SLICE_MS = Math.max(100, DURATION_MS / 4);

async function rate(task: () => Promise<unknown>, durationMs = DURATION_MS): Promise<number> {
  for (let i = 0; i < 200; i++) await task(); // warm-up
  let done = 0;
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await task();
        done++;
      }
    }),
  );
  return done / (durationMs / 1000);
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

/** What one store of many sessions is measured on: a lookup, a save (what every sign-in and touch pays) and the sessions gauge. */
type Op = 'load' | 'save' | 'gauge' | 'loadAll' | 'bareMap';

/** MemoryStore with `count` signed-in sessions tracked as in the gateway (the active-sessions set). */
async function manySessions(count: number): Promise<Record<Op, () => Promise<unknown>>> {
  const store = new MemoryStore();
  const observer = sessionTracking({
    store,
    seats: { renew: async () => undefined, releaseAll: async () => undefined },
    logger: { warn: () => undefined } as never,
    pseudonym: (session) => session.data.user?.subject,
  });
  const sessions = new Sessions(store, { secret: SECRET, cookieName: 'sid', secure: false, idleTimeoutMs: 3_600_000, absoluteLifetimeMs: 3_600_000, observer });
  const res = { appendHeader: () => undefined } as never;
  const created: Session[] = [];
  for (let i = 0; i < count; i++) {
    created.push(await sessions.create(res, { user: { subject: `reader-${i}`.padEnd(40, 'x'), institution: 'uni', affiliations: ['faculty'], entitlements: [], groups: [], source: { adapter: 'bench' }, attributes: {} } }));
  }
  const requests = created.map((session) => ({ headers: { cookie: `sid=s:${sign(session.id, SECRET)}` } }) as IncomingMessage);
  for (const req of requests) await sessions.load(req); // each cookie's HMAC is checked once, on its first request
  if ((await store.countHolders(keys.activeSessions)) !== count) throw new Error('sessions were lost');
  // "load", "save": the same 1,000 sessions in either store, so the rows compare the store's size and not
  // how many sessions the CPU caches must hold; "load (all)" goes through every session.
  let next = 0;
  const stride = (n: number) => () => (next = (next + 7919) % n); // a prime stride: sessions in no particular order
  const hot = stride(Math.min(count, HOT_SESSIONS));
  const all = stride(count);
  // The baseline for "load": a bare Map of as many entries (the same strings) and JSON.parse, the least a lookup
  // in a hash table of that size can cost on this machine's caches.
  const bareKeys = created.map((session) => `session:${session.id}`);
  const bare = new Map<string, string>();
  for (const key of bareKeys) bare.set(key, (await store.get(key))!);
  return {
    bareMap: async () => JSON.parse(bare.get(bareKeys[hot()]!)!) as unknown,
    load: () => sessions.load(requests[hot()]!),
    save: () => sessions.save(created[hot()]!),
    gauge: () => store.countHolders(keys.activeSessions),
    loadAll: () => sessions.load(requests[all()]!),
  };
}

/**
 * 1,000 against 100,000 sessions: the two stores are measured in alternating slices, best of ROUNDS,
 * so a busy machine slows both alike.
 */
async function benchSessionCounts(): Promise<void> {
  const small = await manySessions(1_000);
  const large = await manySessions(100_000);
  const best: Partial<Record<Op, [number, number]>> = {};
  for (const op of ['bareMap', 'load', 'save', 'gauge', 'loadAll'] as const) {
    let a = 0;
    let b = 0;
    for (let round = 0; round < ROUNDS; round++) {
      a = Math.max(a, await rate(small[op], SLICE_MS));
      b = Math.max(b, await rate(large[op], SLICE_MS));
    }
    best[op] = [a, b];
    const label = { bareMap: 'bare Map', loadAll: 'load (all)' }[op as string] ?? op;
    console.log(`memory ${label.padEnd(10)} 1,000 sessions ${a.toFixed(0).padStart(8)} ops/s | 100,000 sessions ${b.toFixed(0).padStart(8)} ops/s | ${((b / a) * 100).toFixed(0)}% of the 1,000 rate`);
  }
  // What the size costs Passway beyond what it costs any hash table: load's 100,000/1,000 ratio over the bare Map's.
  const [mapSmall, mapLarge] = best.bareMap!;
  const [loadSmall, loadLarge] = best.load!;
  console.log(`memory load at 100,000 sessions against the bare Map of the same size: ${((loadLarge / loadSmall / (mapLarge / mapSmall)) * 100).toFixed(0)}% (100% = the store's size costs nothing beyond the hash table's)`);
}

async function main() {
  console.log(`session lookup, ${CONCURRENCY} concurrent callers, ${DURATION_MS} ms per row`);
  await benchStore('memory', new MemoryStore());
  await benchSessionCounts();
  const redis = await benchRedis();
  if (!redis) return;
  await benchStore('redis', redis);
}

void main();
