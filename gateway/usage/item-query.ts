import type { ItemRef, TitleRef } from '../../resource-catalog/item-ids';
import type { Store } from '../store/types';
import { daysBetween } from './day';
import { decodeIdentified, itemCounterKey, itemSessionsKey, titleSessionsKey } from './keys';
import { readDayIndex } from './query';

export interface ItemFilter {
  /** First and last reporting day, inclusive, YYYY-MM-DD. */
  from: string;
  to: string;
  institution?: string;
  resource?: string;
}

/** One identified item on one day, for one institution. */
export interface ItemRow {
  day: string;
  resource: string;
  institution: string;
  ref: ItemRef;
  /** Total_Item_Requests. */
  requests: number;
  /** Sessions that requested it that day (Unique_Item_Requests): exact on MemoryStore, a HyperLogLog estimate on Redis. */
  sessions: number;
}

/** One title (journal or book) on one day: the sessions that requested any item of it (Unique_Title_Requests). */
export interface TitleRow {
  day: string;
  resource: string;
  institution: string;
  ref: TitleRef;
  sessions: number;
}

/** Usage of identified items and their titles per day (COUNTER Item and Title Reports). */
export async function queryItems(store: Store, filter: ItemFilter): Promise<{ items: ItemRow[]; titles: TitleRow[] }> {
  const items: ItemRow[] = [];
  const titles: TitleRow[] = [];
  const wanted = (d: { resource: string; institution: string }) =>
    (filter.institution === undefined || d.institution === filter.institution) && (filter.resource === undefined || d.resource === filter.resource);
  for (const day of daysBetween(filter.from, filter.to)) {
    const index = await readDayIndex(store, day);
    for (const encoded of index.items) {
      const d = decodeIdentified<ItemRef>(encoded);
      if (!wanted(d)) continue;
      const [requests, sessions] = await Promise.all([store.get(itemCounterKey(day, encoded)), store.pfCount([itemSessionsKey(day, encoded)])]);
      if (Number(requests ?? 0) > 0) items.push({ day, ...d, requests: Number(requests), sessions: Math.min(sessions, Number(requests)) });
    }
    for (const encoded of index.titles) {
      const d = decodeIdentified<TitleRef>(encoded);
      if (!wanted(d)) continue;
      const sessions = await store.pfCount([titleSessionsKey(day, encoded)]);
      if (sessions > 0) titles.push({ day, ...d, sessions });
    }
  }
  return { items, titles };
}
