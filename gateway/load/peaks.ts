import type { Store } from '../store/types';
import { keys, UNLIMITED } from './keys';

const KEEP_MS = 40 * 86_400_000;

/**
 * Daily peaks per node. Every peak key belongs to one node (load:peak:<day>:<node>:<what>), so
 * this node is its only writer and a get-compare-set is exact: values are kept in memory and
 * flushed (max with the stored value) on the load timer. Global values (active sessions, users
 * of a resource) are sampled by every node into its own keys; the page takes the max over nodes.
 */
export class Peaks {
  private readonly pending = new Map<string, number>();
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly node: string,
    private readonly today: () => string,
  ) {}

  note(what: string, value: number): void {
    const key = keys.peak(this.today(), this.node, what);
    if (value > (this.pending.get(key) ?? -Infinity)) this.pending.set(key, value);
  }

  /** Write pending peaks; flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write()).catch(() => undefined);
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    await this.store.acquire(keys.nodes(this.today()), this.node, UNLIMITED, KEEP_MS);
    for (const [key, value] of batch) {
      const stored = Number((await this.store.get(key)) ?? -Infinity);
      if (value > stored) await this.store.set(key, String(value), KEEP_MS);
    }
  }
}

export interface DayPeaks {
  nodes: { node: string; values: Record<string, number> }[];
  /** Max over nodes of each resource's active users. */
  resources: Record<string, number>;
  sessions: number;
}

export const NODE_PEAKS = ['inFlight', 'lagMs', 'sessions'] as const;

/** The peaks of one day for /admin/load. */
export async function readPeaks(store: Store, day: string, resources: string[]): Promise<DayPeaks> {
  const nodes = (await store.holders(keys.nodes(day))).sort();
  const read = async (node: string, what: string) => Number((await store.get(keys.peak(day, node, what))) ?? 0);
  const rows = await Promise.all(
    nodes.map(async (node) => ({ node, values: Object.fromEntries(await Promise.all(NODE_PEAKS.map(async (what) => [what, await read(node, what)] as const))) })),
  );
  const perResource: Record<string, number> = {};
  for (const resource of resources) {
    const values = await Promise.all(nodes.map((node) => read(node, `resource:${resource}`)));
    const max = Math.max(0, ...values);
    if (max > 0) perResource[resource] = max;
  }
  return { nodes: rows, resources: perResource, sessions: Math.max(0, ...rows.map((r) => r.values.sessions ?? 0)) };
}
