import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryStore, RedisStore, StoreUnavailableError, createStore } from '../../gateway/store';
import { deletePrefix, REDIS_URL } from '../helpers/stores';
import { describeStoreContract } from './store-contract';

describeStoreContract('memory', () => new MemoryStore());

describe('MemoryStore with an injected clock', () => {
  test('expires, frees seats and orders stream ids by the injected time', async () => {
    let now = 1_000;
    const store = new MemoryStore({ now: () => now });
    await store.set('k', 'v', 50);
    await store.acquire('seats', 'alice', 1, 50);
    const first = await store.append('events', { a: '1' });
    now = 900; // clock steps back: ids must still increase
    const second = await store.append('events', { a: '2' });
    expect([first, second]).toEqual(['1000-0', '1000-1']);
    now = 1_049;
    expect(await store.get('k')).toBe('v');
    now = 1_050;
    expect(await store.get('k')).toBeNull();
    expect(await store.acquire('seats', 'bob', 1, 50)).toBe(true);
    await store.close();
  });
});

describe('redis', () => {
  const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  afterAll(async () => {
    await admin.quit();
  });

  describeStoreContract('redis', (keyPrefix) => new RedisStore({ url: REDIS_URL, keyPrefix }), deletePrefix);

  test('keys carry the prefix, and stores with other prefixes do not see them', async () => {
    const prefix = `passway-test:${randomBytes(6).toString('hex')}:`;
    const a = createStore({ kind: 'redis', url: REDIS_URL, keyPrefix: `${prefix}a:` });
    const b = createStore({ kind: 'redis', url: REDIS_URL, keyPrefix: `${prefix}b:` });
    try {
      await a.set('k', 'v');
      await a.acquire('seats', 'alice', 1, 60_000);
      expect(await admin.get(`${prefix}a:k`)).toBe('v');
      expect(await admin.zcard(`${prefix}a:seats`)).toBe(1);
      expect(await b.get('k')).toBeNull();
      expect(await b.acquire('seats', 'bob', 1, 60_000)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await deletePrefix(prefix);
    }
  });

  test('an unreachable Redis rejects with StoreUnavailableError instead of hanging', async () => {
    const store = new RedisStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'passway-test:down:' });
    const hang = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 5000).unref());
    try {
      for (const call of [() => store.ping(), () => store.get('k'), () => store.incr('c', 1, 1000)]) {
        const outcome = await Promise.race([call().then(() => 'resolved', (e: unknown) => e), hang]);
        expect(outcome).toBeInstanceOf(StoreUnavailableError);
        expect(outcome).toMatchObject({ code: 'STORE_UNAVAILABLE' });
        expect((outcome as Error).message).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:1 is not answering: .*ECONNREFUSED/);
      }
    } finally {
      await store.close();
    }
  });
});
