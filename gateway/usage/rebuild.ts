import { statSync } from 'node:fs';
import type { Store } from '../store/types';
import { Aggregator, contribution, contributionKeys } from './aggregator';
import { counterKey, hwmKey, indexKey, itemCounterKey, itemSessionsKey, titleSessionsKey, usersKey } from './keys';
import { listLogFiles, readUsageFile, type LogFile } from './log-files';
import { readDayIndex } from './query';

export interface RebuildResult {
  days: string[];
  events: number;
  files: number;
}

/**
 * Delete every aggregate key of a day: the high-water marks first (so a gateway counting the day
 * meanwhile recounts from its log instead of adding to a half-cleared day), then counters and
 * HyperLogLogs, then the index. Keys are found through the day's index and, since a store that
 * lost data may have lost the index too, through `also` (nodes and keys the day's log files name).
 */
export async function clearDay(store: Store, day: string, also: { nodes?: Iterable<string>; keys?: Iterable<string> } = {}): Promise<void> {
  const index = await readDayIndex(store, day);
  for (const node of new Set([...index.nodes, ...(also.nodes ?? [])])) await store.del(hwmKey(day, node));
  const keys = new Set(also.keys ?? []);
  for (const [tuple, metrics] of index.metrics) {
    for (const m of metrics) keys.add(m === 'users' ? usersKey(day, tuple) : counterKey(day, tuple, m));
  }
  for (const item of index.items) keys.add(itemCounterKey(day, item)).add(itemSessionsKey(day, item));
  for (const title of index.titles) keys.add(titleSessionsKey(day, title));
  // Sent 200 at a time (a day has a key per item and title as well): order matters only between the phases.
  const all = [...keys];
  for (let i = 0; i < all.length; i += 200) await Promise.all(all.slice(i, i + 200).map((key) => store.del(key)));
  await store.del(indexKey(day));
}

/** Usage files of `dirs` in the range, one per day and node (the largest when a folder holds a copy). */
async function logFiles(dirs: readonly string[], range: { from?: string; to?: string }): Promise<Map<string, LogFile>> {
  const chosen = new Map<string, LogFile & { size: number }>();
  for (const dir of dirs) {
    for (const f of await listLogFiles(dir)) {
      if (f.kind !== 'usage' || (range.from && f.day < range.from) || (range.to && f.day > range.to)) continue;
      const key = `${f.day}\0${f.node}`;
      const size = statSync(f.file).size;
      const known = chosen.get(key);
      if (!known || size > known.size) chosen.set(key, { ...f, size });
    }
  }
  return new Map([...chosen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Recompute the aggregates of every day that has usage files in `dirs` (within from/to): the log
 * folders of all nodes (a shared volume, or one folder per node). Each day's keys are cleared,
 * then every node's file of the day is counted as the live path counts it. Gateways may keep
 * running: one that counts a cleared day recounts its own file, and the marks keep every event
 * counted once (a live increment that falls between clearing the marks and the counters of the
 * day can still be lost: rebuild days that are finished, or run it again).
 */
export async function rebuildUsage(store: Store, dirs: string | readonly string[], range: { from?: string; to?: string } = {}): Promise<RebuildResult> {
  const files = await logFiles(typeof dirs === 'string' ? [dirs] : dirs, range);
  const days = [...new Set([...files.values()].map((f) => f.day))];
  const aggregator = new Aggregator(store, (day, node) => {
    const f = files.get(`${day}\0${node}`);
    return f ? readUsageFile(f.file) : undefined;
  });
  let events = 0;
  for (const day of days) {
    const ofDay = [...files.values()].filter((f) => f.day === day);
    const keys = new Set<string>();
    for (const f of ofDay) {
      for await (const e of readUsageFile(f.file)) {
        events++;
        const c = contribution(e);
        if (c) for (const key of contributionKeys(day, c)) keys.add(key);
      }
    }
    await clearDay(store, day, { nodes: ofDay.map((f) => f.node), keys });
    aggregator.forgetIndex();
    for (const f of ofDay) await aggregator.recount(day, f.node);
  }
  return { days, events, files: files.size };
}
