/**
 * Redis Sentinel for real: a master, a replica and three sentinels (`redis-server --sentinel`) on
 * loopback ports free at run time. The master is killed (SIGKILL) while a reader is signed in;
 * what a gateway on `store: { kind: redis, sentinels, sentinelName }` does until the sentinels
 * promote the replica, and what is still there afterwards: the session, the seat, the counters.
 *
 * Redis replicates asynchronously, so only writes the replica had acknowledged survive a crash;
 * the test waits for that acknowledgement (WAIT) as a quiet moment before a crash would give.
 */
import request from 'supertest';
import { createStore, type Store } from '../../gateway/store';
import { signIn, testConfig, testGateway } from '../helpers/gateway';
import { RedisTopology } from '../helpers/redis-servers';
import { identity } from './admin-harness';

jest.setTimeout(120_000);

const topology = new RedisTopology();
let store: Store;
let sentinel: Awaited<ReturnType<RedisTopology['sentinel']>>;

beforeAll(async () => {
  sentinel = await topology.sentinel('passway');
  store = createStore({ kind: 'redis', sentinels: sentinel.sentinels, sentinelName: 'passway', keyPrefix: 'passway-test:sentinel:' });
});

afterAll(async () => {
  await store.close();
  await topology.stop();
});

test('the master dies mid-session: readers get 503 with Retry-After until the replica is promoted, then session, seat and counters are all there', async () => {
  const { gateway } = testGateway(testConfig(), { store });
  const reader = identity({ subject: 'li.wei', displayName: 'Li Wei', affiliations: ['faculty'] });
  const { cookie } = await signIn(gateway.sessions, reader);
  const portal = () => request(gateway.handle).get('/').set('Cookie', cookie).set('Accept-Language', 'en');

  expect((await portal()).text).toContain('Li Wei');
  expect(await store.acquire('seats:journals', 'session-of-li-wei', 2, 600_000)).toBe(true);
  expect(await store.incr('usage:{2026-12-02}:c:logins', 5)).toBe(5);
  await store.pfAdd('usage:{2026-12-02}:u:all', ['li.wei', 'zhang.min']);
  expect(await topology.cli(sentinel.master.port, 'WAIT', '1', '5000')).toBe('1');

  await sentinel.master.kill();
  const killedAt = Date.now();
  const statuses: number[] = [];
  let retryAfter: string | undefined;
  for (;;) {
    const res = await portal();
    statuses.push(res.status);
    if (res.status === 503) retryAfter ??= res.headers['retry-after'];
    if (res.status === 200) {
      expect(res.text).toContain('Li Wei'); // the same session, now read from the promoted replica
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const outageMs = Date.now() - killedAt;
  process.stdout.write(`Sentinel failover: readers saw 503 for ${outageMs} ms (${statuses.filter((s) => s === 503).length} of ${statuses.length} requests)\n`);

  expect(new Set(statuses)).toEqual(new Set([503, 200]));
  expect(retryAfter).toBe('30');
  const promoted = await topology.cli(sentinel.sentinels[0]!.port, 'SENTINEL', 'get-master-addr-by-name', 'passway');
  expect(promoted.split('\n')).toEqual(['127.0.0.1', String(sentinel.replica.port)]);
  expect(await store.holders('seats:journals')).toEqual(['session-of-li-wei']);
  expect(await store.get('usage:{2026-12-02}:c:logins')).toBe('5');
  expect(await store.pfCount(['usage:{2026-12-02}:u:all'])).toBe(2);
  // Writes go to the new master (no READONLY from a demoted node).
  expect(await store.incr('usage:{2026-12-02}:c:logins')).toBe(6);
  expect(await store.acquire('seats:journals', 'session-of-zhang-min', 2, 600_000)).toBe(true);
  expect(await store.acquire('seats:journals', 'a-third-reader', 2, 600_000)).toBe(false);
});
