import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scriptedDay } from '../../bench/scripted-day';
import { MemoryStore, RedisStore, StoreUnavailableError, type Store } from '../../gateway/store';
import { Aggregator, createUsageLog, queryUsage, readUsageLog, rebuildUsage, uniqueUsers, type UsageLog } from '../../gateway/usage';
import { runCli } from '../helpers/process';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';

const KEY = 'usage-test-key-'.padEnd(40, 'x');
const DAY = '2025-03-01';
const ALL = { from: DAY, to: DAY };
const temp = () => mkdtempSync(path.join(tmpdir(), 'passway-usage-'));

/** A real store that, while `down`, rejects every call as an unreachable Redis would. Optionally goes down after `failAfter` more calls. */
class FlakyStore {
  down = false;
  failAfter = Infinity;
  /** The next call of this method reaches Redis, but its reply is lost (the caller sees an outage). */
  loseReplyOf: string | undefined;
  constructor(readonly inner: Store) {
    return new Proxy(this, {
      get: (target, prop, receiver) => {
        if (prop in target) return Reflect.get(target, prop, receiver);
        const value = Reflect.get(inner, prop) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (target.failAfter-- <= 0) target.down = true;
          if (target.down) return Promise.reject(new StoreUnavailableError('test Redis', new Error('connection refused')));
          const result = (value as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
          if (prop !== target.loseReplyOf) return result;
          target.loseReplyOf = undefined;
          target.down = true;
          return result.then(() => Promise.reject(new StoreUnavailableError('test Redis', new Error('reply lost'))));
        };
      },
    });
  }
}

const prefixes: string[] = [];
const stores: Store[] = [];
function redis(): RedisStore {
  const keyPrefix = testPrefix('usage');
  prefixes.push(keyPrefix);
  const store = new RedisStore({ url: REDIS_URL, keyPrefix });
  stores.push(store);
  return store;
}

afterAll(async () => {
  for (const s of stores) await s.close();
  for (const p of prefixes) await deletePrefix(p);
});

function usageLog(store: Store, dir = temp()): UsageLog {
  return createUsageLog({ dir, store, pseudonymKey: KEY, timeZone: 'Asia/Shanghai', node: 'node-a', catchUpIntervalMs: 60_000, now: () => new Date(`${DAY}T04:00:00Z`) });
}

async function snapshot(store: Store) {
  return { rows: await queryUsage(store, ALL), users: await uniqueUsers(store, ALL) };
}

describe('usage aggregates on Redis', () => {
  const day = scriptedDay({ seed: 7 });

  it('the scripted day through recordUsage: report numbers exact, unique users within HyperLogLog error', async () => {
    const store = redis();
    const log = usageLog(store);
    for (const e of day.events) log.record(e);
    await log.settle();
    const rows = await queryUsage(store, ALL);
    const launches: Record<string, number> = {};
    const byMethod: Record<string, number> = {};
    const denials: Record<string, number> = {};
    for (const r of rows) {
      if (r.launches) launches[r.resource] = (launches[r.resource] ?? 0) + r.launches;
      if (r.launches) byMethod[`${r.resource}/${r.method}`] = (byMethod[`${r.resource}/${r.method}`] ?? 0) + r.launches;
      for (const [reason, n] of Object.entries(r.denials)) denials[reason] = (denials[reason] ?? 0) + n;
    }
    expect(launches).toEqual(day.totals.launchesByResource);
    expect(byMethod).toEqual(day.totals.launchesByResourceMethod);
    expect(denials).toEqual(day.totals.denialsByReason);
    const cnki = await queryUsage(store, { ...ALL, resource: 'cnki', institution: 'pku' });
    expect(cnki.every((r) => r.resource === 'cnki' && r.institution === 'pku')).toBe(true);
    const users = await uniqueUsers(store, ALL);
    expect(Math.abs(users - day.totals.uniqueUsers)).toBeLessThanOrEqual(Math.ceil(day.totals.uniqueUsers * 0.03));
    await log.close();
  });

  it('rebuild from the logs equals the live aggregates (into a fresh store, and over the live keys)', async () => {
    const live = redis();
    const log = usageLog(live);
    for (const e of day.events) log.record(e);
    await log.close();
    const expected = await snapshot(live);

    const fresh = redis();
    const result = await rebuildUsage(fresh, log.dir);
    expect(result).toMatchObject({ days: [DAY], events: day.events.length, files: 1 });
    expect(await snapshot(fresh)).toEqual(expected);

    await rebuildUsage(live, log.dir, { from: DAY, to: DAY });
    expect(await snapshot(live)).toEqual(expected);
  });

  it('a store outage in the middle loses nothing and counts nothing twice', async () => {
    const reference = new MemoryStore();
    const refLog = usageLog(reference);
    for (const e of day.events) refLog.record(e);
    await refLog.close();
    const expected = await snapshot(reference);

    const flaky = new FlakyStore(redis());
    const store = flaky as unknown as Store;
    const log = usageLog(store);
    const third = Math.floor(day.events.length / 3);
    const part = (from: number, to: number) => day.events.slice(from, to).forEach((e) => log.record(e));

    part(0, third);
    await log.settle();
    expect(log.status().aggregation).toBe('live');
    flaky.failAfter = 3; // goes down in the middle of a batch
    part(third, 2 * third);
    await log.settle();
    expect(log.status().aggregation).toBe('catching-up');
    await log.catchUp(); // still down: nothing changes
    expect(log.status().aggregation).toBe('catching-up');
    part(2 * third, 2 * third + 50);
    flaky.failAfter = Infinity;
    flaky.down = false;
    part(2 * third + 50, day.events.length);
    await log.catchUp();
    await log.settle();
    expect(log.status()).toMatchObject({ aggregation: 'live', lastWrittenSeq: day.events.length });

    const after = await snapshot(store);
    expect(after.rows).toEqual(expected.rows);
    expect(Math.abs(after.users - expected.users)).toBeLessThanOrEqual(Math.ceil(expected.users * 0.03));

    // Replaying the whole log again (another node reconciling, a second catch-up) changes nothing.
    const replay = new Aggregator(store);
    const events = [];
    for await (const e of readUsageLog(log.dir)) events.push(e);
    await replay.apply(events);
    expect(await snapshot(store)).toEqual(after);
    await log.close();
  });

  it('a batch applied whose reply was lost is not counted again by the catch-up', async () => {
    const reference = new MemoryStore();
    const refLog = usageLog(reference);
    for (const e of day.events) refLog.record(e);
    await refLog.close();

    const flaky = new FlakyStore(redis());
    const store = flaky as unknown as Store;
    const log = usageLog(store);
    flaky.loseReplyOf = 'incrGuarded';
    for (const e of day.events) log.record(e);
    await log.settle();
    expect(log.status().aggregation).toBe('catching-up');
    flaky.down = false;
    await log.catchUp();
    expect(log.status().aggregation).toBe('live');
    expect(await queryUsage(store, ALL)).toEqual(await queryUsage(reference, ALL));
    await log.close();
  });

  it('`passway usage rebuild --from <dir>` recomputes the aggregates into the configured Redis', async () => {
    const reference = new MemoryStore();
    const log = usageLog(reference);
    for (const e of day.events) log.record(e);
    await log.close();
    const expected = await queryUsage(reference, ALL);

    const keyPrefix = testPrefix('usage-cli');
    prefixes.push(keyPrefix);
    const config = path.join(temp(), 'passway.yaml');
    writeFileSync(config, `store:\n  kind: redis\n  url: ${REDIS_URL}\n  keyPrefix: "${keyPrefix}"\n`);
    const result = await runCli(['usage', 'rebuild', '--from', log.dir, '--config', config], { env: { PASSWAY_SESSION_SECRET: '', PASSWAY_REDIS_URL: '' } });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`rebuilt 1 day(s) from 1 file(s), ${day.events.length} events`);
    expect(result.code).toBe(0);
    const store = new RedisStore({ url: REDIS_URL, keyPrefix });
    stores.push(store);
    expect(await queryUsage(store, ALL)).toEqual(expected);

    const bad = await runCli(['usage', 'rebuild', '--from', log.dir, '--config', config, '--since', 'yesterday']);
    expect(bad.code).toBe(2);
  });
});
