import type { Store } from '../store/types';
import { keys } from './keys';

/** What /admin/load shows: overload episodes and suspensions (users by load-control pseudonym only). */
export type HistoryEntry =
  | { type: 'overload-shed'; node: string; cause: string; shed: number; peakInFlight: number; peakLagMs: number; from: string; until: string }
  | { type: 'suspension'; resource: string; user: string; institution: string; items: number; bytes: number; until: string }
  | { type: 'suspension-lifted'; resource: string; user: string; institution: string };

const KEEP_MS = 40 * 86_400_000;
const DAYS_SHOWN = 14;
const PER_DAY = 500;

/** Overload and suspension history for /admin/load: one Store stream per day, kept 40 days. */
export class LoadHistory {
  constructor(
    private readonly store: Store,
    private readonly dayOf: (date: Date) => string,
  ) {}

  async add(entry: HistoryEntry, at: Date): Promise<void> {
    const stream = keys.history(this.dayOf(at));
    await this.store.append(stream, { at: at.toISOString(), entry: JSON.stringify(entry) });
    await this.store.expire(stream, KEEP_MS);
  }

  /** The last two weeks, newest first. */
  async recent(now: Date): Promise<{ at: string; entry: HistoryEntry }[]> {
    const out: { at: string; entry: HistoryEntry }[] = [];
    const days = new Set(Array.from({ length: DAYS_SHOWN }, (_, d) => this.dayOf(new Date(now.getTime() - d * 86_400_000))));
    for (const day of days) {
      const entries = await this.store.read(keys.history(day), '0', PER_DAY);
      out.push(...entries.reverse().map((e) => ({ at: e.fields.at ?? '', entry: JSON.parse(e.fields.entry ?? '{}') as HistoryEntry })));
    }
    return out;
  }
}
