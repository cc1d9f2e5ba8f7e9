import type { Store } from '../store/types';
import { Aggregator } from './aggregator';
import type { StoredUsageEvent } from './events';
import { counterKey, hwmKey, indexKey, usersKey } from './keys';
import { listLogFiles, readUsageFile } from './log-files';
import { readDayIndex } from './query';

export interface RebuildResult {
  days: string[];
  events: number;
  files: number;
}

/** Delete every aggregate key of a day (counters, HyperLogLogs, high-water marks, the index). */
export async function clearDay(store: Store, day: string): Promise<void> {
  const index = await readDayIndex(store, day);
  for (const [tuple, metrics] of index.metrics) {
    for (const m of metrics) await store.del(m === 'users' ? usersKey(day, tuple) : counterKey(day, tuple, m));
  }
  for (const node of index.nodes) await store.del(hwmKey(day, node));
  await store.del(indexKey(day));
}

/**
 * Recompute the aggregates of every day that has usage files in `dir` (within from/to) from
 * those files: each day's keys are cleared, then its events applied as the live path does. Run it
 * for days no gateway is still writing (or with the gateways stopped): live increments made to a
 * day while it is being rebuilt may be lost.
 */
export async function rebuildUsage(store: Store, dir: string, range: { from?: string; to?: string } = {}, batchSize = 1000): Promise<RebuildResult> {
  const files = (await listLogFiles(dir)).filter((f) => f.kind === 'usage' && (!range.from || f.day >= range.from) && (!range.to || f.day <= range.to));
  const days = [...new Set(files.map((f) => f.day))];
  const aggregator = new Aggregator(store);
  let events = 0;
  for (const day of days) {
    await clearDay(store, day);
    for (const f of files.filter((x) => x.day === day)) {
      let batch: StoredUsageEvent[] = [];
      for await (const e of readUsageFile(f.file)) {
        batch.push(e);
        events++;
        if (batch.length >= batchSize) {
          await aggregator.apply(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await aggregator.apply(batch);
    }
  }
  return { days, events, files: files.length };
}
