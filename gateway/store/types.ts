/**
 * Shared state for every gateway node. MemoryStore serves one machine; RedisStore lets any
 * number of nodes serve any session. Both pass the same contract suite (tests/integration/store.contract.test.ts).
 *
 * Keys are plain strings; RedisStore prepends its keyPrefix so tests and deployments can share
 * one server (a MemoryStore is private to its process and needs none). All data types share one key space, as in Redis: del and
 * expire work on any key, and using a key as the wrong type rejects.
 *
 * TTLs are milliseconds and must be positive (a RangeError otherwise). RedisStore rejects with
 * StoreUnavailableError when Redis cannot be reached; data errors (wrong type, not an integer)
 * reject with other errors.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/** A fixed-window limit: `points` per `durationSeconds` per key; past it the key is refused for `blockSeconds` (default: the window). */
export interface RateLimit {
  /** Names the limit's keys in the store (e.g. "login-start"). */
  name: string;
  points: number;
  durationSeconds: number;
  blockSeconds?: number;
}

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

export interface Store {
  /** Value or null when absent or expired. */
  get(key: string): Promise<string | null>;
  /** Set a value; with ttlMs it expires after that many milliseconds. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Set only when absent (one-time use, e.g. SAML assertion ids). True when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Read and delete in one step (e.g. a pending login request consumed once). */
  take(key: string): Promise<string | null>;
  del(key: string): Promise<void>;
  /** Reset the expiry of an existing key; false when the key does not exist. */
  expire(key: string, ttlMs: number): Promise<boolean>;

  /**
   * Atomic counter (by defaults to 1, must be an integer); ttlMs (when given) is set only when
   * this call creates the counter, so a window counter is not extended by later increments.
   * Returns the new value; get() then returns it as a decimal string.
   */
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;

  /**
   * HyperLogLog: add members (unique users); true when the estimate changed (false for no members).
   * MemoryStore counts exactly (a Set); RedisStore estimates (standard error 0.81%).
   */
  pfAdd(key: string, members: string[]): Promise<boolean>;
  /**
   * Estimated number of distinct members across the given keys (their union); 0 for no keys.
   * Keys on different Redis Cluster slots are counted too (RedisStore copies them under one hash tag).
   */
  pfCount(keys: string[]): Promise<number>;

  /**
   * Counting semaphore with per-holder expiry (licence seats). Acquiring again as the same
   * holder renews its expiry and always succeeds while it still holds a seat.
   * True when the holder holds a seat after the call. A seat is held while now < acquire time + ttlMs
   * (RedisStore uses the Redis server clock, so gateway clocks need not agree).
   */
  acquire(name: string, holder: string, limit: number, ttlMs: number): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
  /** Holders whose seats have not expired. */
  holders(name: string): Promise<string[]>;
  /** How many holders have unexpired seats (holders().length without listing them: for gauges over large sets). */
  countHolders(name: string): Promise<number>;

  /**
   * Append-only stream (usage events); fields must not be empty. Returns the entry id, of the
   * Redis form "<ms>-<seq>"; ids increase.
   */
  append(stream: string, fields: Record<string, string>): Promise<string>;
  /** Entries strictly after `afterId` ("0" for the start), oldest first, at most `count`. */
  read(stream: string, afterId: string, count: number): Promise<StreamEntry[]>;

  /**
   * Guarded increments, applied all together or not at all (usage aggregates, exactly once): when
   * the string at `guard` equals `expected` (null: the key is absent), set `guard` to `next` and add
   * each increment (integers) to its counter in one atomic step, and return true; otherwise change
   * nothing and return false. On Redis Cluster the guard and every counter must share a hash tag.
   */
  incrGuarded(guard: string, expected: string | null, next: string, increments: Record<string, number>): Promise<boolean>;

  /**
   * Sliding-window sum (security rules): add `by` (a non-negative integer; 0 only reads) now and return
   * what was added within the last windowMs. One key of time buckets (windowBucketMs(windowMs) wide),
   * so one Cluster slot and one round trip; the window slides a bucket at a time. RedisStore uses the
   * Redis server clock, so every node counts in the same buckets.
   */
  windowSum(key: string, by: number, windowMs: number): Promise<number>;
  /**
   * Distinct members seen within the last windowMs (exact), after noting `member` as seen now. At most
   * `cap` members are kept (a new one past it is not added), so an attacker cannot grow the key.
   */
  windowDistinct(key: string, member: string, windowMs: number, cap?: number): Promise<number>;

  /**
   * A rate limiter (rate-limiter-flexible) whose counts live in this store, so every node shares them;
   * consume() is one atomic step. While a RedisStore is unreachable it counts in process memory.
   */
  rateLimiter(limit: RateLimit): RateLimiterAbstract;

  /** Resolves when the store answers; rejects with a clear error otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
  readonly kind: 'memory' | 'redis';
}
