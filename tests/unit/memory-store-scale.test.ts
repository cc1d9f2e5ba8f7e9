import { MemoryStore } from '../../gateway/store';
import { UNLIMITED } from '../../gateway/load/keys';
import { ExpiryQueue } from '../../gateway/store/expiry-queue';

/**
 * The active-sessions presence set in one MemoryStore at campus scale: every session save renews its
 * seat and the gauge counts them, neither by walking all sessions (a spread of 130,000 expiries into
 * Math.max threw a RangeError).
 */
describe('MemoryStore semaphore at scale', () => {
  let now = 1_000_000;
  let store: MemoryStore;
  beforeEach(() => {
    now = 1_000_000;
    store = new MemoryStore({ now: () => now });
  });
  afterEach(async () => store.close());

  it('holds 150,000 sessions, renews them and counts them', async () => {
    for (let i = 0; i < 150_000; i++) await store.acquire('active', `s${i}`, UNLIMITED, 30 * 60_000);
    expect(await store.countHolders('active')).toBe(150_000);
    now += 10 * 60_000;
    for (let i = 0; i < 150_000; i += 2) await store.acquire('active', `s${i}`, UNLIMITED, 30 * 60_000);
    now += 25 * 60_000; // the first saves have expired, the renewed ones (even numbers) have not
    expect(await store.countHolders('active')).toBe(75_000);
    const held = await store.holders('active');
    expect(held).toHaveLength(75_000);
    expect(held.every((id) => Number(id.slice(1)) % 2 === 0)).toBe(true);
  });

  it('expires holders by their own expiry whatever the order they came in', async () => {
    await store.acquire('seats', 'long', 3, 10_000);
    await store.acquire('seats', 'short', 3, 1_000);
    await store.acquire('seats', 'middle', 3, 5_000);
    expect(await store.acquire('seats', 'fourth', 3, 1_000)).toBe(false);
    now += 1_000;
    expect(await store.holders('seats')).toEqual(['middle', 'long']);
    expect(await store.acquire('seats', 'fourth', 3, 1_000)).toBe(true);
    await store.acquire('seats', 'long', 3, 100); // a renewal can also shorten a seat
    now += 100;
    expect(await store.holders('seats')).toEqual(['fourth', 'middle']); // earliest expiry first
    now += 4_000;
    expect(await store.countHolders('seats')).toBe(0);
    expect(await store.get('seats')).toBeNull(); // the key is gone with its last seat
  });

  it('counts a session renewed 100,000 times once, and not after it ends', async () => {
    for (let i = 0; i < 100_000; i++) {
      await store.acquire('active', 'busy', UNLIMITED, 60_000);
      now += 1;
    }
    await store.acquire('active', 'other', UNLIMITED, 60_000);
    expect(await store.countHolders('active')).toBe(2);
    await store.release('active', 'busy');
    expect(await store.countHolders('active')).toBe(1);
    expect(await store.holders('active')).toEqual(['other']);
  });
});

describe('ExpiryQueue', () => {
  it('after compacting renewals in any order, yields exactly the live expiries, earliest first', () => {
    let seed = 42;
    const random = () => {
      // mulberry32: a repeatable sequence
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const queue = new ExpiryQueue();
    const live = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const holder = `h${Math.floor(random() * 5_000)}`; // most pushes renew a holder, earlier or later
      const at = Math.floor(random() * 1_000_000);
      live.set(holder, at);
      queue.push(at, holder);
      queue.compact(live);
    }
    expect(queue.size).toBeLessThanOrEqual(2 * live.size + 64); // stale entries were dropped along the way
    const yielded: number[] = [];
    const found = new Map<string, number>();
    for (const { at, holder } of queue.due(Number.MAX_SAFE_INTEGER)) {
      yielded.push(at);
      if (live.get(holder) === at) found.set(holder, at);
    }
    expect(yielded).toEqual([...yielded].sort((a, b) => a - b)); // earliest first
    expect(found).toEqual(live); // every live expiry, stale ones aside
  });
});
