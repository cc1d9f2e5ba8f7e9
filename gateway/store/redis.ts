import { randomUUID } from 'node:crypto';
import { Cluster, Redis, ReplyError } from 'ioredis';
import { keepStringPrototypeFast } from '../fast-strings';
import { checkAmount, checkIncrements, checkTtl, DISTINCT_CAP, StoreUnavailableError, windowBucketMs } from './errors';
import { RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryLimiter } from './memory';
import type { RateLimit, Store, StreamEntry } from './types';

export interface RedisStoreOptions {
  /** Standalone server, e.g. "redis://:secret@10.0.0.5:6379/0" or "rediss://…"; default redis://127.0.0.1:6379. */
  url?: string;
  /** Prepended to every key, e.g. "passway:". On Cluster it must not contain "{…}" (that would pin all keys to one slot). */
  keyPrefix: string;
  /** Sentinel mode: sentinels to ask for the current master of `sentinelName`. */
  sentinels?: { host: string; port: number }[];
  sentinelName?: string;
  /** Cluster mode: some of the cluster's nodes. */
  cluster?: { host: string; port: number }[];
  /** Default 2000. */
  connectTimeoutMs?: number;
  /** Longest any store call waits for Redis before rejecting with StoreUnavailableError. Default 2000. */
  commandTimeoutMs?: number;
  /** Server password; a password in `url` takes precedence. */
  password?: string;
}

keepStringPrototypeFast(); // ioredis subclasses String, which slows every string method in the process (see fast-strings.ts)

// Every script but passwayIncrGuarded touches exactly one key, so each runs on a single Cluster slot.
const SERVER_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

const SCRIPTS = {
  // ARGV: by, ttlMs. The TTL is set only by the call that creates the counter.
  passwayIncr: {
    numberOfKeys: 1,
    lua: `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`,
  },
  // Sorted set holder → expiry (server ms). ARGV: holder, limit, ttlMs. Returns 1 when the holder has a seat.
  passwayAcquire: {
    numberOfKeys: 1,
    lua: `${SERVER_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1`,
  },
  passwayHolders: {
    numberOfKeys: 1,
    lua: `${SERVER_NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], string.format('(%d', now), '+inf')`,
  },
  passwayCountHolders: {
    numberOfKeys: 1,
    lua: `${SERVER_NOW}
return redis.call('ZCOUNT', KEYS[1], string.format('(%d', now), '+inf')`,
  },
  // Hash bucket index → sum. ARGV: by, windowMs, bucketMs. Buckets older than the window are dropped; returns the window's sum.
  passwayWindowSum: {
    numberOfKeys: 1,
    lua: `${SERVER_NOW}
local width = tonumber(ARGV[3])
local bucket = math.floor(now / width)
local oldest = bucket - math.ceil(tonumber(ARGV[2]) / width) + 1
if tonumber(ARGV[1]) > 0 then redis.call('HINCRBY', KEYS[1], bucket, ARGV[1]) end
local all = redis.call('HGETALL', KEYS[1])
local sum = 0
for i = 1, #all, 2 do
  if tonumber(all[i]) < oldest then redis.call('HDEL', KEYS[1], all[i]) else sum = sum + tonumber(all[i + 1]) end
end
if #all > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return sum`,
  },
  // Hash member → last seen (server ms). ARGV: member, windowMs, cap. Returns the members seen within the window.
  passwayWindowDistinct: {
    numberOfKeys: 1,
    lua: `${SERVER_NOW}
local since = now - tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local count = 0
local seen = false
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= since then redis.call('HDEL', KEYS[1], all[i])
  else
    count = count + 1
    if all[i] == ARGV[1] then seen = true end
  end
end
if seen or count < tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], ARGV[1], now)
  if not seen then count = count + 1 end
end
if count > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return count`,
  },
  // KEYS: guard, counters…; ARGV: hasExpected (0/1), expected, next, increments…. Counters are checked
  // before anything is written, so a wrong-type counter changes nothing. Keys share one slot (hash tag).
  passwayIncrGuarded: {
    lua: `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
for i = 2, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if v and not string.match(v, '^-?%d+$') then return redis.error_reply('ERR value of ' .. KEYS[i] .. ' is not an integer') end
end
for i = 2, #KEYS do redis.call('INCRBY', KEYS[i], ARGV[i + 2]) end
redis.call('SET', KEYS[1], ARGV[3])
return 1`,
  },
};

interface ScriptCommands {
  passwayIncrGuarded(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
  passwayIncr(key: string, by: number, ttlMs: number): Promise<number>;
  passwayAcquire(key: string, holder: string, limit: number, ttlMs: number): Promise<number>;
  passwayHolders(key: string): Promise<string[]>;
  passwayCountHolders(key: string): Promise<number>;
  passwayWindowSum(key: string, by: number, windowMs: number, bucketMs: number): Promise<number>;
  passwayWindowDistinct(key: string, member: string, windowMs: number, cap: number): Promise<number>;
}

// Server replies that mean "not available right now" rather than "bad request".
const TRANSIENT_REPLY = /^(CLUSTERDOWN|LOADING|MASTERDOWN|TRYAGAIN|READONLY)\b/;

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private readonly client: Redis | Cluster;
  private readonly scripts: ScriptCommands;
  private readonly description: string;
  private readonly commandTimeoutMs: number;
  private lastError: unknown;

  constructor(options: RedisStoreOptions) {
    const { keyPrefix, password } = options;
    const connectTimeout = options.connectTimeoutMs ?? 2000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    // Queued commands fail after one failed reconnect instead of waiting for the server.
    const maxRetriesPerRequest = 1;
    const retryStrategy = (times: number) => Math.min(times * 100, 2000);
    // After close() on a client that never connected, ioredis keeps a timer this long alive (default 2 s).
    const disconnectTimeout = 200;

    if (options.cluster) {
      this.description = `Redis Cluster ${addresses(options.cluster)}`;
      this.client = new Cluster(options.cluster, {
        keyPrefix,
        scripts: SCRIPTS,
        clusterRetryStrategy: retryStrategy,
        redisOptions: { connectTimeout, disconnectTimeout, maxRetriesPerRequest, password },
      });
    } else {
      const common = { keyPrefix, scripts: SCRIPTS, connectTimeout, disconnectTimeout, maxRetriesPerRequest, retryStrategy, password };
      if (options.sentinels) {
        if (!options.sentinelName) throw new Error('RedisStore: sentinelName is required with sentinels');
        this.description = `Redis master "${options.sentinelName}" via Sentinel ${addresses(options.sentinels)}`;
        this.client = new Redis({ ...common, sentinels: options.sentinels, name: options.sentinelName });
      } else {
        const url = options.url ?? 'redis://127.0.0.1:6379';
        this.description = `Redis at ${redactUrl(url)}`;
        this.client = new Redis(url, common);
      }
    }
    this.scripts = this.client as unknown as ScriptCommands;
    // Without a listener ioredis stays silent; we keep the last error to explain later failures.
    this.client.on('error', (err: unknown) => {
      this.lastError = err;
    });
    this.client.on('ready', () => {
      this.lastError = undefined;
    });
  }

  get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(key));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const ms = ttlMs === undefined ? undefined : checkTtl(ttlMs);
    await this.run(() => (ms === undefined ? this.client.set(key, value) : this.client.set(key, value, 'PX', ms)));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ms = checkTtl(ttlMs);
    return (await this.run(() => this.client.set(key, value, 'PX', ms, 'NX'))) === 'OK';
  }

  take(key: string): Promise<string | null> {
    return this.run(() => this.client.getdel(key));
  }

  async del(key: string): Promise<void> {
    await this.run(() => this.client.del(key));
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    const ms = checkTtl(ttlMs);
    return (await this.run(() => this.client.pexpire(key, ms))) === 1;
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new RangeError(`incr by must be an integer, got ${by}`);
    if (ttlMs === undefined) return this.run(() => this.client.incrby(key, by));
    const ms = checkTtl(ttlMs);
    return this.run(() => this.scripts.passwayIncr(key, by, ms));
  }

  async pfAdd(key: string, members: string[]): Promise<boolean> {
    if (members.length === 0) return false;
    return (await this.run(() => this.client.pfadd(key, ...members))) === 1;
  }

  async pfCount(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    if (keys.length === 1 || !(this.client instanceof Cluster)) return this.run(() => this.client.pfcount(...keys));
    const cluster = this.client;
    return this.run(async () => {
      // PFCOUNT of several keys needs one slot, and the keys of different days are on different ones:
      // copy the HyperLogLogs (plain strings) under one hash tag, count their union there, drop the copies.
      const sketches = (await Promise.all(keys.map((key) => cluster.getBuffer(key)))).filter((s): s is Buffer => s !== null);
      if (sketches.length === 0) return 0;
      const tag = `pfcount:{${randomUUID()}}`;
      const copies = sketches.map((_, i) => `${tag}:${i}`);
      const batch = cluster.multi();
      sketches.forEach((sketch, i) => batch.set(copies[i]!, sketch, 'PX', 60_000));
      batch.pfcount(...copies).del(...copies);
      const replies = (await batch.exec()) ?? [];
      const [error, count] = replies[sketches.length] ?? [new Error('PFCOUNT: no reply')];
      if (error) throw error;
      return count as number;
    });
  }

  async acquire(name: string, holder: string, limit: number, ttlMs: number): Promise<boolean> {
    const ms = checkTtl(ttlMs);
    return (await this.run(() => this.scripts.passwayAcquire(name, holder, limit, ms))) === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.run(() => this.client.zrem(name, holder));
  }

  holders(name: string): Promise<string[]> {
    return this.run(() => this.scripts.passwayHolders(name));
  }

  /** ZCOUNT: O(log n), however many sessions the set holds. */
  countHolders(name: string): Promise<number> {
    return this.run(() => this.scripts.passwayCountHolders(name));
  }

  async append(stream: string, fields: Record<string, string>): Promise<string> {
    const flat = Object.entries(fields).flat();
    if (flat.length === 0) throw new RangeError('append needs at least one field');
    const id = await this.run(() => this.client.xadd(stream, '*', ...flat));
    if (id === null) throw new Error(`XADD to ${stream} returned no id`);
    return id;
  }

  async read(stream: string, afterId: string, count: number): Promise<StreamEntry[]> {
    if (count <= 0) return [];
    const rows = await this.run(() => this.client.xrange(stream, `(${afterId}`, '+', 'COUNT', count));
    return rows.map(([id, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return { id, fields };
    });
  }

  async incrGuarded(guard: string, expected: string | null, next: string, increments: Record<string, number>): Promise<boolean> {
    checkIncrements(increments);
    const keys = Object.keys(increments);
    const args = [guard, ...keys, expected === null ? '0' : '1', expected ?? '', next, ...keys.map((k) => increments[k]!)];
    return (await this.run(() => this.scripts.passwayIncrGuarded(1 + keys.length, ...args))) === 1;
  }

  async windowSum(key: string, by: number, windowMs: number): Promise<number> {
    const amount = checkAmount(by);
    const bucket = windowBucketMs(windowMs);
    return this.run(() => this.scripts.passwayWindowSum(key, amount, Math.ceil(windowMs), bucket));
  }

  async windowDistinct(key: string, member: string, windowMs: number, cap = DISTINCT_CAP): Promise<number> {
    const ms = checkTtl(windowMs);
    return this.run(() => this.scripts.passwayWindowDistinct(key, member, ms, cap));
  }

  rateLimiter(limit: RateLimit): RateLimiterAbstract {
    return new RateLimiterRedis({
      storeClient: this.client,
      keyPrefix: `rate:{${limit.name}}`, // one hash tag per limit (its keys are single-key operations; the tag keeps them readable)
      points: limit.points,
      duration: limit.durationSeconds,
      blockDuration: limit.blockSeconds ?? limit.durationSeconds,
      insuranceLimiter: memoryLimiter(limit),
    });
  }

  async ping(): Promise<void> {
    await this.run(() => this.client.ping());
  }

  async close(): Promise<void> {
    // QUIT lets pending replies arrive; when Redis does not answer in time, just drop the connection.
    await this.run(() => this.client.quit()).catch(() => this.client.disconnect());
  }

  /**
   * Runs one Redis call with a deadline. ioredis's own commandTimeout does not cover commands
   * waiting in the Cluster offline queue, so the deadline is enforced here for every mode.
   */
  private async run<T>(call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${this.commandTimeoutMs} ms`)), this.commandTimeoutMs);
    });
    try {
      return await Promise.race([call(), deadline]);
    } catch (err) {
      if (err instanceof ReplyError && !TRANSIENT_REPLY.test((err as Error).message)) throw err;
      throw new StoreUnavailableError(this.description, this.lastError ?? err);
    } finally {
      clearTimeout(timer);
    }
  }
}

function addresses(nodes: { host: string; port: number }[]): string {
  return nodes.map((n) => `${n.host}:${n.port}`).join(',');
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable url)';
  }
}
