import type { Histogram } from 'prom-client';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimit, Store, StreamEntry } from '../store/types';

/** A Store that times every call into a histogram (op, outcome) and otherwise changes nothing. */
export class TimedStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly histogram: Histogram<'op' | 'outcome'>,
  ) {}

  get kind() {
    return this.inner.kind;
  }

  private async time<T>(op: string, call: () => Promise<T>): Promise<T> {
    const end = this.histogram.startTimer({ op });
    try {
      const result = await call();
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end({ outcome: 'error' });
      throw error;
    }
  }

  get(key: string): Promise<string | null> {
    return this.time('get', () => this.inner.get(key));
  }
  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.time('set', () => this.inner.set(key, value, ttlMs));
  }
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.time('setIfAbsent', () => this.inner.setIfAbsent(key, value, ttlMs));
  }
  take(key: string): Promise<string | null> {
    return this.time('take', () => this.inner.take(key));
  }
  del(key: string): Promise<void> {
    return this.time('del', () => this.inner.del(key));
  }
  expire(key: string, ttlMs: number): Promise<boolean> {
    return this.time('expire', () => this.inner.expire(key, ttlMs));
  }
  incr(key: string, by?: number, ttlMs?: number): Promise<number> {
    return this.time('incr', () => this.inner.incr(key, by, ttlMs));
  }
  pfAdd(key: string, members: string[]): Promise<boolean> {
    return this.time('pfAdd', () => this.inner.pfAdd(key, members));
  }
  pfCount(keys: string[]): Promise<number> {
    return this.time('pfCount', () => this.inner.pfCount(keys));
  }
  acquire(name: string, holder: string, limit: number, ttlMs: number): Promise<boolean> {
    return this.time('acquire', () => this.inner.acquire(name, holder, limit, ttlMs));
  }
  release(name: string, holder: string): Promise<void> {
    return this.time('release', () => this.inner.release(name, holder));
  }
  holders(name: string): Promise<string[]> {
    return this.time('holders', () => this.inner.holders(name));
  }
  countHolders(name: string): Promise<number> {
    return this.time('countHolders', () => this.inner.countHolders(name));
  }
  append(stream: string, fields: Record<string, string>): Promise<string> {
    return this.time('append', () => this.inner.append(stream, fields));
  }
  read(stream: string, afterId: string, count: number): Promise<StreamEntry[]> {
    return this.time('read', () => this.inner.read(stream, afterId, count));
  }
  incrGuarded(guard: string, expected: string | null, next: string, increments: Record<string, number>): Promise<boolean> {
    return this.time('incrGuarded', () => this.inner.incrGuarded(guard, expected, next, increments));
  }
  windowSum(key: string, by: number, windowMs: number): Promise<number> {
    return this.time('windowSum', () => this.inner.windowSum(key, by, windowMs));
  }
  windowDistinct(key: string, member: string, windowMs: number, cap?: number): Promise<number> {
    return this.time('windowDistinct', () => this.inner.windowDistinct(key, member, windowMs, cap));
  }
  rateLimiter(limit: RateLimit): RateLimiterAbstract {
    return this.inner.rateLimiter(limit);
  }
  ping(): Promise<void> {
    return this.time('ping', () => this.inner.ping());
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
