/**
 * The behaviour every Store must have, as one suite: run here against MemoryStore and standalone
 * Redis, and by redis-cluster.test.ts against a six-node Redis Cluster.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreUnavailableError, type Store } from '../../gateway/store';

/** Runs the behaviour every Store must have. `makeStore` gets a fresh key prefix per test; `cleanup` removes its keys. */
export function describeStoreContract(
  name: string,
  makeStore: (keyPrefix: string) => Store,
  cleanup: (keyPrefix: string) => Promise<void> = async () => {},
): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    let prefix: string;

    beforeEach(() => {
      prefix = `passway-test:${randomBytes(6).toString('hex')}:`;
      store = makeStore(prefix);
    });

    afterEach(async () => {
      await store.close();
      await cleanup(prefix);
    });

    test('ping answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    test('get returns null for a missing key, set overwrites', async () => {
      expect(await store.get('k')).toBeNull();
      await store.set('k', 'one');
      expect(await store.get('k')).toBe('one');
      await store.set('k', 'two');
      expect(await store.get('k')).toBe('two');
    });

    // TTLs of 1.5 s: long enough that a loaded CI machine reads the key before it expires, short enough to wait out (a CI run once saw 100 ms pass between two awaits).
    test('set with a ttl expires; set without a ttl clears an earlier ttl', async () => {
      await store.set('short', 'v', 1500);
      await store.set('kept', 'v', 1500);
      await store.set('kept', 'w');
      expect(await store.get('short')).toBe('v');
      await sleep(2000);
      expect(await store.get('short')).toBeNull();
      expect(await store.get('kept')).toBe('w');
    });

    test('rejects a non-positive ttl', async () => {
      await expect(store.set('k', 'v', 0)).rejects.toThrow(RangeError);
      await expect(store.setIfAbsent('k', 'v', -5)).rejects.toThrow(RangeError);
      expect(await store.get('k')).toBeNull();
    });

    test('setIfAbsent sets once, and again after expiry', async () => {
      expect(await store.setIfAbsent('assertion', 'first', 1500)).toBe(true);
      expect(await store.setIfAbsent('assertion', 'second', 1500)).toBe(false);
      expect(await store.get('assertion')).toBe('first');
      await sleep(2000);
      expect(await store.setIfAbsent('assertion', 'third', 1500)).toBe(true);
      expect(await store.get('assertion')).toBe('third');
    });

    test('setIfAbsent admits exactly one of many concurrent callers', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.setIfAbsent('race', `caller-${i}`, 5000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get('race')).toBe(`caller-${results.indexOf(true)}`);
    });

    test('take returns the value once', async () => {
      expect(await store.take('pending')).toBeNull();
      await store.set('pending', 'login-request');
      const taken = await Promise.all([store.take('pending'), store.take('pending'), store.take('pending')]);
      expect(taken.filter((v) => v !== null)).toEqual(['login-request']);
      expect(await store.get('pending')).toBeNull();
    });

    test('del removes a key and ignores a missing one', async () => {
      await store.set('k', 'v');
      await store.del('k');
      expect(await store.get('k')).toBeNull();
      await expect(store.del('missing')).resolves.toBeUndefined();
    });

    test('expire is false for a missing key and resets the expiry of an existing one', async () => {
      expect(await store.expire('missing', 1000)).toBe(false);
      expect(await store.get('missing')).toBeNull();
      await store.set('k', 'v', 60_000);
      expect(await store.expire('k', 1500)).toBe(true);
      expect(await store.get('k')).toBe('v');
      await sleep(2000);
      expect(await store.get('k')).toBeNull();
    });

    test('incr counts from zero and by a step, readable with get', async () => {
      expect(await store.incr('c')).toBe(1);
      expect(await store.incr('c', 5)).toBe(6);
      expect(await store.incr('c', -2)).toBe(4);
      expect(await store.get('c')).toBe('4');
    });

    test('incr ttl is set on creation only', async () => {
      // Wide margins: on a loaded CI machine a 150 ms sleep has overrun a 250 ms window.
      expect(await store.incr('window', 1, 3000)).toBe(1);
      await sleep(1500);
      // A later increment must not extend the window to 1.5 + 3 s.
      expect(await store.incr('window', 1, 3000)).toBe(2);
      await sleep(2000);
      expect(await store.get('window')).toBeNull();
      expect(await store.incr('window', 1, 3000)).toBe(1);
    });

    test('100 concurrent incr calls count to 100', async () => {
      const values = await Promise.all(Array.from({ length: 100 }, () => store.incr('hits', 1, 60_000)));
      expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(await store.get('hits')).toBe('100');
    });

    test('incr rejects a non-integer value without blaming the store', async () => {
      await store.set('text', 'abc');
      const err: unknown = await store.incr('text').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(StoreUnavailableError);
      expect(await store.get('text')).toBe('abc');
    });

    test('pfCount estimates 1,000 distinct members within 2%; duplicates do not raise it', async () => {
      const members = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
      expect(await store.pfCount(['uniq'])).toBe(0);
      expect(await store.pfAdd('uniq', members.slice(0, 500))).toBe(true);
      expect(await store.pfAdd('uniq', members.slice(500))).toBe(true);
      const count = await store.pfCount(['uniq']);
      expect(Math.abs(count - 1000)).toBeLessThanOrEqual(20);
      expect(await store.pfAdd('uniq', members.slice(0, 100))).toBe(false);
      expect(await store.pfAdd('uniq', [])).toBe(false);
      expect(await store.pfCount(['uniq'])).toBe(count);
    });

    test('pfCount over several keys counts the union', async () => {
      const users = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `user-${from + i}`);
      await store.pfAdd('{uniq}:a', users(0, 600));
      await store.pfAdd('{uniq}:b', users(400, 1000));
      const union = await store.pfCount(['{uniq}:a', '{uniq}:b', '{uniq}:missing']);
      expect(Math.abs(union - 1000)).toBeLessThanOrEqual(20);
      expect(await store.pfCount([])).toBe(0);
    });

    test('pfCount counts the union of keys without a shared hash tag (on Cluster: different slots)', async () => {
      const users = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `user-${from + i}`);
      await store.pfAdd('uniq:2025-06-01', users(0, 600));
      await store.pfAdd('uniq:2025-06-02', users(400, 1000));
      await store.pfAdd('uniq:2025-06-03', users(900, 1100));
      const union = await store.pfCount(['uniq:2025-06-01', 'uniq:2025-06-02', 'uniq:2025-06-03', 'uniq:missing']);
      expect(Math.abs(union - 1100)).toBeLessThanOrEqual(22);
      await store.set('uniq:text', 'not a HyperLogLog');
      await expect(store.pfCount(['uniq:2025-06-01', 'uniq:text'])).rejects.toThrow();
    });

    test('semaphore admits no more than the limit under 20 concurrent acquires', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.acquire('seats', `user-${i}`, 5, 60_000)),
      );
      const winners = results.flatMap((ok, i) => (ok ? [`user-${i}`] : []));
      expect(winners).toHaveLength(5);
      expect((await store.holders('seats')).sort()).toEqual(winners.sort());
      expect(await store.acquire('seats', 'late', 5, 60_000)).toBe(false);
    });

    test('semaphore: the same holder re-acquires even when full, and that renews its seat', async () => {
      expect(await store.acquire('seats', 'alice', 1, 3000)).toBe(true);
      expect(await store.acquire('seats', 'bob', 1, 3000)).toBe(false);
      await sleep(1800);
      expect(await store.acquire('seats', 'alice', 1, 3000)).toBe(true);
      await sleep(2100);
      // 3.9 s after the first acquire: alive only because the second one renewed it (margins of 900 ms for a loaded machine).
      expect(await store.holders('seats')).toEqual(['alice']);
      expect(await store.acquire('seats', 'bob', 1, 3000)).toBe(false);
    });

    test('semaphore: an expired holder frees its seat', async () => {
      expect(await store.acquire('seats', 'alice', 2, 1500)).toBe(true);
      expect(await store.acquire('seats', 'bob', 2, 60_000)).toBe(true);
      expect(await store.acquire('seats', 'carol', 2, 60_000)).toBe(false);
      await sleep(2000);
      expect(await store.holders('seats')).toEqual(['bob']);
      expect(await store.acquire('seats', 'carol', 2, 60_000)).toBe(true);
      expect((await store.holders('seats')).sort()).toEqual(['bob', 'carol']);
    });

    test('semaphore: release frees the seat', async () => {
      expect(await store.holders('seats')).toEqual([]);
      await store.acquire('seats', 'alice', 1, 60_000);
      await store.release('seats', 'nobody');
      expect(await store.acquire('seats', 'bob', 1, 60_000)).toBe(false);
      await store.release('seats', 'alice');
      expect(await store.holders('seats')).toEqual([]);
      expect(await store.acquire('seats', 'bob', 1, 60_000)).toBe(true);
    });

    test('semaphore: countHolders counts the unexpired holders without listing them', async () => {
      expect(await store.countHolders('seats')).toBe(0);
      await store.acquire('seats', 'alice', 10, 1500);
      await store.acquire('seats', 'bob', 10, 60_000);
      await store.acquire('seats', 'bob', 10, 60_000); // a renewal is still one holder
      await store.acquire('seats', 'carol', 10, 60_000);
      expect(await store.countHolders('seats')).toBe(3);
      await store.release('seats', 'carol');
      await sleep(2000);
      expect(await store.countHolders('seats')).toBe(1);
      expect(await store.holders('seats')).toEqual(['bob']);
    });

    test('stream appends in order with increasing ids and reads after an id', async () => {
      expect(await store.read('events', '0', 10)).toEqual([]);
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) ids.push(await store.append('events', { n: String(i), kind: 'launch' }));

      const parsed = ids.map((id) => {
        expect(id).toMatch(/^\d+-\d+$/);
        return id.split('-').map(BigInt) as [bigint, bigint];
      });
      for (let i = 1; i < parsed.length; i++) {
        const [prev, cur] = [parsed[i - 1]!, parsed[i]!];
        expect(cur[0] > prev[0] || (cur[0] === prev[0] && cur[1] > prev[1])).toBe(true);
      }

      const all = await store.read('events', '0', 100);
      expect(all.map((e) => e.id)).toEqual(ids);
      expect(all[7]).toEqual({ id: ids[7], fields: { n: '7', kind: 'launch' } });

      const afterThird = await store.read('events', ids[2]!, 3);
      expect(afterThird.map((e) => e.fields.n)).toEqual(['3', '4', '5']);
      expect(await store.read('events', ids[49]!, 10)).toEqual([]);
      expect(await store.read('missing', '0', 10)).toEqual([]);
    });

    test('stream rejects an entry without fields', async () => {
      await expect(store.append('events', {})).rejects.toThrow();
      expect(await store.read('events', '0', 10)).toEqual([]);
    });

    test('incrGuarded applies every increment once, only while the guard holds the expected value', async () => {
      const inc = { 'agg:{d}:a': 2, 'agg:{d}:b': 5 };
      expect(await store.incrGuarded('agg:{d}:hwm', null, '10', inc)).toBe(true);
      expect(await store.incrGuarded('agg:{d}:hwm', null, '10', inc)).toBe(false);
      expect(await store.incrGuarded('agg:{d}:hwm', '9', '12', inc)).toBe(false);
      expect(await store.get('agg:{d}:a')).toBe('2');
      expect(await store.incrGuarded('agg:{d}:hwm', '10', '12', { 'agg:{d}:a': 1 })).toBe(true);
      expect(await store.get('agg:{d}:hwm')).toBe('12');
      expect(await store.get('agg:{d}:a')).toBe('3');
      expect(await store.get('agg:{d}:b')).toBe('5');
      expect(await store.incrGuarded('agg:{d}:hwm', '12', '13', {})).toBe(true);
      expect(await store.get('agg:{d}:hwm')).toBe('13');
    });

    test('incrGuarded changes nothing when a counter is not an integer', async () => {
      await store.set('agg:{d}:text', 'abc');
      await expect(store.incrGuarded('agg:{d}:hwm', null, '1', { 'agg:{d}:a': 1, 'agg:{d}:text': 1 })).rejects.toThrow(/not an integer/);
      expect(await store.get('agg:{d}:a')).toBeNull();
      expect(await store.get('agg:{d}:hwm')).toBeNull();
      await expect(store.incrGuarded('agg:{d}:hwm', null, '1', { 'agg:{d}:a': 1.5 })).rejects.toThrow(RangeError);
    });

    test('rate limiter: parallel consumes never pass more than the points, then the key is blocked', async () => {
      const limiter = store.rateLimiter({ name: 'contract', points: 5, durationSeconds: 60 });
      const results = await Promise.allSettled(Array.from({ length: 40 }, () => limiter.consume('203.0.113.7')));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ remainingPoints: 0 }); // a RateLimiterRes, not an error
      expect(refused.reason.msBeforeNext).toBeGreaterThan(50_000);
      await expect(limiter.consume('203.0.113.8')).resolves.toMatchObject({ remainingPoints: 4 }); // other keys unaffected
    });

    test('rate limiter: reward gives points back, delete forgets the key', async () => {
      const limiter = store.rateLimiter({ name: 'contract-reward', points: 2, durationSeconds: 60 });
      await limiter.consume('k');
      await limiter.consume('k');
      await limiter.reward('k', 1);
      await expect(limiter.consume('k')).resolves.toMatchObject({ remainingPoints: 0 });
      await limiter.delete('k');
      await expect(limiter.consume('k')).resolves.toMatchObject({ remainingPoints: 1 });
    });

    test('rate limiter: two limiters of one name share their counts (every node sees the same limit)', async () => {
      const a = store.rateLimiter({ name: 'contract-shared', points: 3, durationSeconds: 60 });
      const b = store.rateLimiter({ name: 'contract-shared', points: 3, durationSeconds: 60 });
      await a.consume('k');
      await b.consume('k');
      await a.consume('k');
      await expect(b.consume('k')).rejects.toMatchObject({ remainingPoints: 0 });
      await expect(store.rateLimiter({ name: 'contract-other', points: 3, durationSeconds: 60 }).consume('k')).resolves.toMatchObject({ remainingPoints: 2 });
    });

    test('windowSum adds within a sliding window; 0 only reads; older buckets drop out', async () => {
      expect(await store.windowSum('rule:bytes', 0, 2000)).toBe(0);
      expect(await store.windowSum('rule:bytes', 5, 2000)).toBe(5);
      expect(await store.windowSum('rule:bytes', 7, 2000)).toBe(12);
      expect(await store.windowSum('rule:bytes', 0, 2000)).toBe(12);
      await expect(store.windowSum('rule:bytes', -1, 2000)).rejects.toThrow(RangeError);
      await expect(store.windowSum('rule:bytes', 1.5, 2000)).rejects.toThrow(RangeError);
      await sleep(3100); // past the window and its last bucket
      expect(await store.windowSum('rule:bytes', 1, 2000)).toBe(1);
    });

    test('windowDistinct counts members seen within the window, each once, up to the cap', async () => {
      expect(await store.windowDistinct('rule:nets', '192.0.2.0/24', 3000)).toBe(1);
      expect(await store.windowDistinct('rule:nets', '192.0.2.0/24', 3000)).toBe(1);
      expect(await store.windowDistinct('rule:nets', '198.51.100.0/24', 3000)).toBe(2);
      expect(await store.windowDistinct('rule:nets', '203.0.113.0/24', 3000, 2)).toBe(2); // past the cap: not added
      await sleep(1500);
      expect(await store.windowDistinct('rule:nets', '198.51.100.0/24', 3000)).toBe(2); // seen again: its time renewed
      await sleep(1700); // the first one's 3 s are over, the renewed one's are not
      expect(await store.windowDistinct('rule:nets', '198.51.100.0/24', 3000)).toBe(1);
    });

    test('window keys are hashes: using one as a string rejects', async () => {
      await store.windowSum('rule:w', 1, 60_000);
      await expect(store.get('rule:w')).rejects.toThrow();
      await store.set('rule:s', 'v');
      await expect(store.windowDistinct('rule:s', 'm', 60_000)).rejects.toThrow();
    });

    test('keys of different types share one key space', async () => {
      await store.pfAdd('shared', ['a']);
      await store.del('shared');
      await store.append('shared', { a: '1' });
      expect(await store.expire('shared', 1500)).toBe(true);
      await sleep(2000);
      expect(await store.read('shared', '0', 10)).toEqual([]);
    });
  });
}
