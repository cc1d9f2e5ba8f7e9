import { checkAmount, checkIncrements, checkTtl, DISTINCT_CAP, windowBucketMs } from './errors';
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ExpiryQueue } from './expiry-queue';
import type { RateLimit, Store, StreamEntry } from './types';

export interface MemoryStoreOptions {
  /** Clock in epoch milliseconds; injectable for tests. */
  now?: () => number;
  /** How often expired keys are swept (they are also dropped lazily on access). Default 10 s. */
  sweepIntervalMs?: number;
}

type Value =
  | { type: 'string'; value: string }
  | { type: 'hll'; members: Set<string> }
  | Semaphore
  /** A Redis hash of numbers: windowSum's buckets, windowDistinct's members. */
  | { type: 'hash'; fields: Map<string, number> }
  | { type: 'stream'; entries: StreamEntry[]; lastMs: number; lastSeq: number };

/** Holder → expiry, the same expiries earliest first, and the latest one (the key's own expiry). */
interface Semaphore {
  type: 'semaphore';
  expiries: Map<string, number>;
  queue: ExpiryQueue;
  latest: number;
}

interface Entry {
  data: Value;
  expiresAt?: number;
}

const INTEGER = /^-?\d+$/;
const STREAM_ID = /^(\d+)(?:-(\d+))?$/;

/**
 * Single-process Store. Mirrors Redis semantics, except that the "HyperLogLog" is an exact Set:
 * pfCount is exact and memory grows with the number of distinct members.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  /** One limiter per limit, so every part of the process counts in the same place. */
  private readonly limiters = new Map<string, RateLimiterMemory>();
  private readonly data = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 10_000);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    return this.typed(key, 'string')?.value ?? null;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.put(key, { type: 'string', value }, ttlMs);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ms = checkTtl(ttlMs);
    if (this.live(key)) return false;
    this.put(key, { type: 'string', value }, ms);
    return true;
  }

  async take(key: string): Promise<string | null> {
    const found = this.typed(key, 'string');
    if (!found) return null;
    this.data.delete(key);
    return found.value;
  }

  async del(key: string): Promise<void> {
    this.data.delete(key);
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    const ms = checkTtl(ttlMs);
    const entry = this.live(key);
    if (!entry) return false;
    entry.expiresAt = this.now() + ms;
    return true;
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new RangeError(`incr by must be an integer, got ${by}`);
    const ms = ttlMs === undefined ? undefined : checkTtl(ttlMs);
    const found = this.typed(key, 'string');
    if (!found) {
      this.put(key, { type: 'string', value: String(by) }, ms);
      return by;
    }
    if (!INTEGER.test(found.value)) throw new Error(`ERR value of ${key} is not an integer`);
    const next = Number(found.value) + by;
    found.value = String(next);
    return next;
  }

  async pfAdd(key: string, members: string[]): Promise<boolean> {
    if (members.length === 0) return false;
    let hll = this.typed(key, 'hll');
    if (!hll) {
      hll = { type: 'hll', members: new Set() };
      this.put(key, hll);
    }
    const before = hll.members.size;
    for (const m of members) hll.members.add(m);
    return hll.members.size > before;
  }

  async pfCount(keys: string[]): Promise<number> {
    const union = new Set<string>();
    for (const key of keys) {
      for (const m of this.typed(key, 'hll')?.members ?? []) union.add(m);
    }
    return union.size;
  }

  async acquire(name: string, holder: string, limit: number, ttlMs: number): Promise<boolean> {
    const ms = checkTtl(ttlMs);
    const sem = this.seats(name);
    if (sem && !sem.expiries.has(holder) && sem.expiries.size >= limit) return false;
    const at = this.now() + ms;
    const held = sem ?? { type: 'semaphore' as const, expiries: new Map<string, number>(), queue: new ExpiryQueue(), latest: 0 };
    held.expiries.set(holder, at);
    held.queue.push(at, holder);
    held.queue.compact(held.expiries);
    // Like the Redis sorted set, the key lives until its last seat expires (a renewal may shorten one: the
    // key then outlives its seats a while, but seats() drops them all the same).
    held.latest = Math.max(held.latest, at);
    this.data.set(name, { data: held, expiresAt: held.latest });
    return true;
  }

  async release(name: string, holder: string): Promise<void> {
    const sem = this.seats(name);
    if (!sem?.expiries.delete(holder)) return;
    if (sem.expiries.size === 0) this.data.delete(name);
    else sem.queue.compact(sem.expiries);
  }

  async holders(name: string): Promise<string[]> {
    const sem = this.seats(name);
    if (!sem) return [];
    // Oldest expiry first, like ZRANGEBYSCORE in RedisStore.
    return [...sem.expiries].sort((a, b) => a[1] - b[1]).map(([holder]) => holder);
  }

  async countHolders(name: string): Promise<number> {
    return this.seats(name)?.expiries.size ?? 0;
  }

  async append(stream: string, fields: Record<string, string>): Promise<string> {
    if (Object.keys(fields).length === 0) throw new RangeError('append needs at least one field');
    let s = this.typed(stream, 'stream');
    if (!s) {
      s = { type: 'stream', entries: [], lastMs: 0, lastSeq: 0 };
      this.put(stream, s);
    }
    // Like XADD *: never go backwards, even when the clock does.
    const ms = Math.max(this.now(), s.lastMs);
    s.lastSeq = ms === s.lastMs ? s.lastSeq + 1 : 0;
    s.lastMs = ms;
    const id = `${ms}-${s.lastSeq}`;
    s.entries.push({ id, fields: { ...fields } });
    return id;
  }

  async read(stream: string, afterId: string, count: number): Promise<StreamEntry[]> {
    const after = parseStreamId(afterId);
    const entries = this.typed(stream, 'stream')?.entries ?? [];
    return entries
      .filter((e) => compareIds(parseStreamId(e.id), after) > 0)
      .slice(0, Math.max(0, count))
      .map((e) => ({ id: e.id, fields: { ...e.fields } }));
  }

  async incrGuarded(guard: string, expected: string | null, next: string, increments: Record<string, number>): Promise<boolean> {
    checkIncrements(increments);
    const current = this.typed(guard, 'string')?.value ?? null;
    if (current !== expected) return false;
    for (const key of Object.keys(increments)) {
      const found = this.typed(key, 'string');
      if (found && !INTEGER.test(found.value)) throw new Error(`ERR value of ${key} is not an integer`);
    }
    for (const [key, by] of Object.entries(increments)) await this.incr(key, by);
    this.put(guard, { type: 'string', value: next });
    return true;
  }

  async windowSum(key: string, by: number, windowMs: number): Promise<number> {
    const amount = checkAmount(by);
    const width = windowBucketMs(windowMs);
    const bucket = Math.floor(this.now() / width);
    const oldest = bucket - Math.ceil(windowMs / width) + 1;
    const hash = this.hash(key, amount > 0);
    if (!hash) return 0;
    if (amount > 0) hash.fields.set(String(bucket), (hash.fields.get(String(bucket)) ?? 0) + amount);
    let sum = 0;
    for (const [at, value] of hash.fields) {
      if (Number(at) < oldest) hash.fields.delete(at);
      else sum += value;
    }
    this.keepHash(key, hash, windowMs);
    return sum;
  }

  async windowDistinct(key: string, member: string, windowMs: number, cap = DISTINCT_CAP): Promise<number> {
    const ms = checkTtl(windowMs);
    const now = this.now();
    const hash = this.hash(key, true)!;
    for (const [m, seenAt] of hash.fields) if (seenAt <= now - ms) hash.fields.delete(m);
    if (hash.fields.has(member) || hash.fields.size < cap) hash.fields.set(member, now);
    this.keepHash(key, hash, ms);
    return hash.fields.size;
  }

  async ping(): Promise<void> {}

  rateLimiter(limit: RateLimit): RateLimiterAbstract {
    const id = JSON.stringify(limit);
    let limiter = this.limiters.get(id);
    if (!limiter) this.limiters.set(id, (limiter = memoryLimiter(limit)));
    return limiter;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private put(key: string, data: Value, ttlMs?: number): void {
    const entry: Entry = { data };
    if (ttlMs !== undefined) entry.expiresAt = this.now() + checkTtl(ttlMs);
    this.data.set(key, entry);
  }

  /** The entry unless absent or expired; expired entries are dropped here (lazy expiry). */
  private live(key: string): Entry | undefined {
    const entry = this.data.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    return entry;
  }

  private typed<T extends Value['type']>(key: string, type: T): Extract<Value, { type: T }> | undefined {
    const entry = this.live(key);
    if (!entry) return undefined;
    if (entry.data.type !== type) {
      throw new Error(`WRONGTYPE ${key} holds a ${entry.data.type}, not a ${type}`);
    }
    return entry.data as Extract<Value, { type: T }>;
  }

  private hash(key: string, create: boolean): Extract<Value, { type: 'hash' }> | undefined {
    const found = this.typed(key, 'hash');
    if (found || !create) return found;
    const hash: Extract<Value, { type: 'hash' }> = { type: 'hash', fields: new Map() };
    this.put(key, hash);
    return hash;
  }

  /** Like PEXPIRE after the write: the key lives windowMs past its last use; an empty one goes. */
  private keepHash(key: string, hash: Extract<Value, { type: 'hash' }>, windowMs: number): void {
    if (hash.fields.size === 0) this.data.delete(key);
    else this.data.set(key, { data: hash, expiresAt: this.now() + checkTtl(windowMs) });
  }

  /** A semaphore with its expired seats dropped (only those, through the queue), or undefined when none are left. */
  private seats(name: string): Semaphore | undefined {
    const sem = this.typed(name, 'semaphore');
    if (!sem) return undefined;
    for (const { at, holder } of sem.queue.due(this.now())) {
      if (sem.expiries.get(holder) === at) sem.expiries.delete(holder);
    }
    if (sem.expiries.size > 0) return sem;
    this.data.delete(name);
    return undefined;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.data) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.data.delete(key);
    }
  }
}

function parseStreamId(id: string): [number, number] {
  const m = STREAM_ID.exec(id);
  if (!m) throw new Error(`ERR Invalid stream ID: ${id}`);
  return [Number(m[1]), Number(m[2] ?? 0)];
}

function compareIds(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** The in-process limiter for a limit (MemoryStore's, and RedisStore's while Redis is unreachable). */
export function memoryLimiter(limit: RateLimit): RateLimiterMemory {
  return new RateLimiterMemory({ keyPrefix: limit.name, points: limit.points, duration: limit.durationSeconds, blockDuration: limit.blockSeconds ?? limit.durationSeconds });
}
