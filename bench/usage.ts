/**
 * Usage events per second the durable log and the aggregates sustain, on MemoryStore and on
 * Redis, beside a log-only baseline measured in the same run (the store never touched).
 * Run: npm run bench:usage (needs Redis for the Redis row; BENCH_EVENTS to change the count).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryStore } from '../gateway/store';
import { benchRedis } from './redis';
import type { Store } from '../gateway/store/types';
import { clearDay, createUsageLog } from '../gateway/usage';
import { dayFormatter } from '../gateway/usage/day';
import { UsageLogWriter } from '../gateway/usage/log-writer';
import { scriptedDay } from './scripted-day';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const KEY = 'bench-usage-key-'.padEnd(40, 'x');
const { events } = scriptedDay({ events: EVENTS, users: 5_000 });

/** Record every event and wait until it is in the file and (with a store) counted. */
async function run(store: Store | undefined): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'passway-bench-usage-'));
  const start = performance.now();
  if (store) {
    const log = createUsageLog({ dir, store, pseudonymKey: KEY, timeZone: 'Asia/Shanghai', node: 'bench' });
    for (let i = 0; i < events.length; i++) {
      log.record(events[i]!);
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r)); // let writes interleave, as live traffic would
    }
    await log.close();
  } else {
    // Log-only: the same stamped lines through the same writer, nothing counted.
    const log = createUsageLog({ dir, store: new MemoryStore(), pseudonymKey: KEY, timeZone: 'Asia/Shanghai', node: 'bench' });
    await log.close();
    let seq = 0;
    const writer = new UsageLogWriter({ dir, node: 'bench', flush: { mode: 'every-event' }, retentionDays: 400, onWritten: () => {}, onError: () => {} });
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      writer.write({ ...e, id: `bench:${++seq}`, node: 'bench', seq, ts: new Date().toISOString(), day: '2025-03-01' } as never);
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    }
    await writer.close();
  }
  const seconds = (performance.now() - start) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return events.length / seconds;
}

async function main() {
  console.log(`usage log, ${events.length} scripted events per row`);
  const baseline = await run(undefined);
  const row = (name: string, rate: number) =>
    console.log(`${name.padEnd(22)} ${rate.toFixed(0).padStart(8)} events/s | ${((rate / baseline) * 100).toFixed(0)}% of log-only`);
  row('log only (baseline)', baseline);
  const memory = new MemoryStore();
  row('log + memory aggregates', await run(memory));
  await memory.close();
  const redis = await benchRedis();
  if (!redis) return;
  row('log + redis aggregates', await run(redis));
  await clearDay(redis, dayFormatter('Asia/Shanghai')(new Date()));
  await redis.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
