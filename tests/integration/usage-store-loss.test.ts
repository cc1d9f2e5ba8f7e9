/**
 * Issue 14: usage numbers survive the loss of the store. A Redis server this test owns (its own
 * port, no persistence) is killed and started again empty in the middle of traffic; the
 * aggregates heal from the log files by themselves, and `passway usage rebuild` recounts exactly
 * from the log folders of every node.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scriptedDay } from '../../bench/scripted-day';
import { MemoryStore, RedisStore, type Store } from '../../gateway/store';
import { Aggregator, createUsageLog, queryItems, queryUsage, readUsageLog, rebuildUsage, type UsageLog, type UsageRow } from '../../gateway/usage';
import { counterKey, indexKey } from '../../gateway/usage/keys';
import { runCli } from '../helpers/process';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server';
import { testPrefix } from '../helpers/stores';

const KEY = 'usage-loss-key-'.padEnd(40, 'x');
const DAY = '2025-03-01';
const ALL = { from: DAY, to: DAY };
const temp = () => mkdtempSync(path.join(tmpdir(), 'passway-usage-loss-'));

let redis: OwnRedis;
const stores: Store[] = [];

beforeAll(async () => {
  redis = await startOwnRedis();
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await redis?.stop();
});

function redisStore(): RedisStore {
  const store = new RedisStore({ url: redis.url, keyPrefix: testPrefix('usage-loss'), commandTimeoutMs: 1000 });
  stores.push(store);
  return store;
}

function usageLog(store: Store, node: string, dir = temp()): UsageLog {
  return createUsageLog({ dir, store, pseudonymKey: KEY, timeZone: 'Asia/Shanghai', node, catchUpIntervalMs: 3_600_000, now: () => new Date(`${DAY}T04:00:00Z`) });
}

const total = (rows: UsageRow[], pick: (r: UsageRow) => number) => rows.reduce((n, r) => n + pick(r), 0);

/** What the same events give on a store that never failed. */
async function reference(events: ReturnType<typeof scriptedDay>['events']): Promise<UsageRow[]> {
  const store = new MemoryStore();
  const log = usageLog(store, 'reference');
  for (const e of events) log.record(e);
  await log.close();
  itemsExpected = await items(store);
  expect(itemsExpected.items.length).toBeGreaterThan(0);
  return queryUsage(store, ALL);
}

/** Per-item and per-title figures (COUNTER Item and Title Reports), in a stable order; Redis counts sessions with a HyperLogLog, exact at these sizes. */
async function items(store: Store) {
  const { items: i, titles: t } = await queryItems(store, ALL);
  const order = (a: { resource: string; institution: string; ref: unknown }) => `${a.resource}/${a.institution}/${JSON.stringify(a.ref)}`;
  return { items: i.sort((a, b) => order(a).localeCompare(order(b))), titles: t.sort((a, b) => order(a).localeCompare(order(b))) };
}
let itemsExpected: Awaited<ReturnType<typeof items>>;

/** Until the store answers again: what the catch-up timer does every catchUpIntervalSeconds. */
async function healed(log: UsageLog): Promise<void> {
  for (let i = 0; i < 200 && log.status().aggregation !== 'live'; i++) {
    await log.catchUp();
    if (log.status().aggregation !== 'live') await new Promise((r) => setTimeout(r, 50));
  }
  await log.catchUp();
  await log.settle();
}

test('reports heal by themselves after their Redis restarts empty mid-traffic (no admin step)', async () => {
  const { events } = scriptedDay({ seed: 11, events: 3_000 });
  const expected = await reference(events);
  const store = redisStore();
  const log = usageLog(store, 'node-a');
  const half = Math.floor(events.length / 2);
  for (const e of events.slice(0, half)) log.record(e);
  await log.settle();
  expect(total(await queryUsage(store, ALL), (r) => r.launches)).toBeGreaterThan(0);

  await redis.restart();
  for (const e of events.slice(half)) log.record(e);
  await healed(log);

  const rows = await queryUsage(store, ALL);
  console.log(`store loss: ${events.length} events sent, ${log.status().lastWrittenSeq} logged, launches counted ${total(rows, (r) => r.launches)} of ${total(expected, (r) => r.launches)}`);
  expect(log.status()).toMatchObject({ aggregation: 'live', lastWrittenSeq: events.length });
  expect(rows).toEqual(expected);
  expect(await items(store)).toEqual(itemsExpected);
  await log.close();
});

test('a restart that happens between two batches (no call fails) is detected too', async () => {
  const { events } = scriptedDay({ seed: 12, events: 1_000 });
  const expected = await reference(events);
  const store = redisStore();
  const log = usageLog(store, 'node-b');
  for (const e of events.slice(0, 600)) log.record(e);
  await log.settle();
  await redis.restart();
  await store.ping().catch(() => undefined); // ioredis reconnects
  await healed(log);
  for (const e of events.slice(600)) log.record(e);
  await log.settle();
  expect(await queryUsage(store, ALL)).toEqual(expected);
  await log.close();
});

test('files of other nodes in the folder (a crashed process) are recounted after the loss as well', async () => {
  const { events } = scriptedDay({ seed: 13, events: 1_200 });
  const expected = await reference(events);
  const dir = temp();
  const store = redisStore();
  const crashed = usageLog(store, 'node-gone', dir);
  for (const e of events.slice(0, 700)) crashed.record(e);
  await crashed.close();
  await redis.restart();
  const live = usageLog(store, 'node-live', dir);
  for (const e of events.slice(700)) live.record(e);
  await healed(live);
  expect(await queryUsage(store, ALL)).toEqual(expected);
  expect(await items(store)).toEqual(itemsExpected);
  await live.close();
});

test('`usage rebuild` recounts exactly after a loss that left a high-water mark and no index, from several --from folders', async () => {
  const { events } = scriptedDay({ seed: 14, events: 2_000 });
  const expected = await reference(events);
  const keyPrefix = testPrefix('usage-loss-cli');
  const store = new RedisStore({ url: redis.url, keyPrefix });
  stores.push(store);
  const [dirA, dirB] = [temp(), temp()];
  const a = usageLog(store, 'node-a2', dirA);
  const b = usageLog(store, 'node-b2', dirB);
  events.forEach((e, i) => (i % 2 ? b : a).record(e));
  await a.close();
  await b.close();
  expect(await queryUsage(store, ALL)).toEqual(expected);

  // What a loss under the old code left: the index gone, a counter reset, the high-water marks still there.
  await store.del(indexKey(DAY));
  const someCounter = counterKey(DAY, 'cnki/pku/faculty/proxy/off', 'launches');
  await store.set(someCounter, '3');
  expect(total(await queryUsage(store, ALL), (r) => r.launches)).toBe(0);

  const result = await rebuildUsage(store, [dirA, dirB]);
  expect(result).toMatchObject({ days: [DAY], events: events.length, files: 2 });
  expect(await queryUsage(store, ALL)).toEqual(expected);
  expect(await items(store)).toEqual(itemsExpected);

  // The same node's file in two folders (a copy) counts once; a second rebuild changes nothing.
  copyFileSync(path.join(dirA, `usage-${DAY}.node-a2.jsonl`), path.join(dirB, `usage-${DAY}.node-a2.jsonl`));
  await rebuildUsage(store, [dirA, dirB]);
  expect(await queryUsage(store, ALL)).toEqual(expected);

  // The CLI takes several --from.
  await store.del(indexKey(DAY));
  const config = path.join(temp(), 'passway.yaml');
  writeFileSync(config, `store:\n  kind: redis\n  url: ${redis.url}\n  keyPrefix: "${keyPrefix}"\n`);
  const cli = await runCli(['usage', 'rebuild', '--from', dirA, '--from', dirB, '--config', config], { env: { PASSWAY_SESSION_SECRET: '', PASSWAY_REDIS_URL: '' } });
  expect(cli.stderr).toBe('');
  expect(cli.stdout).toContain(`rebuilt 1 day(s) from 2 file(s), ${events.length} events`);
  expect(await queryUsage(store, ALL)).toEqual(expected);
  expect(await items(store)).toEqual(itemsExpected);

  // Replaying every log again through an aggregator changes nothing.
  const again = [];
  for await (const e of readUsageLog(dirA)) again.push(e);
  await new Aggregator(store).apply(again);
  expect(await queryUsage(store, ALL)).toEqual(expected);
  expect(await items(store)).toEqual(itemsExpected);
});
