import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryStore, RedisStore } from '../../gateway/store';
import type { Store } from '../../gateway/store/types';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique key prefix per test, so tests never see each other's keys on the shared server. */
export function testPrefix(label = 'test'): string {
  return `passway-test:${label}:${randomUUID()}:`;
}

/** Delete every key under a prefix (SCAN, never KEYS). */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}

export interface StoreKind {
  name: 'memory' | 'redis';
  /** A fresh store; Redis stores share one server, each under its own prefix. */
  make(prefix?: string): Store;
}

export const STORE_KINDS: StoreKind[] = [
  { name: 'memory', make: () => new MemoryStore() },
  { name: 'redis', make: (prefix = testPrefix()) => new RedisStore({ url: REDIS_URL, keyPrefix: prefix }) },
];
