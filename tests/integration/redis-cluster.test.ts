/**
 * The whole Store contract on a real six-node Redis Cluster (three masters, three replicas, made
 * by `redis-cli --cluster create` on loopback ports free at run time), through RedisStore's
 * cluster mode, as `store: { kind: redis, cluster: [...] }` configures it.
 */
import { RedisStore } from '../../gateway/store';
import { RedisTopology } from '../helpers/redis-servers';
import { describeStoreContract } from './store-contract';

jest.setTimeout(120_000);

const topology = new RedisTopology();
let nodes: { host: string; port: number }[] = [];

beforeAll(async () => {
  nodes = await topology.cluster();
});

afterAll(async () => {
  await topology.stop();
});

// The nodes are read when the first test runs (after beforeAll); every test gets its own prefix.
describeStoreContract('redis cluster', (keyPrefix) => new RedisStore({ cluster: nodes, keyPrefix }));

test('keys of one store are spread over the three masters', async () => {
  const store = new RedisStore({ cluster: nodes, keyPrefix: 'passway-test:spread:' });
  try {
    for (let i = 0; i < 30; i++) await store.set(`session:${i}`, 'v', 60_000);
    const counts = await Promise.all(nodes.map(async (n) => Number(await topology.cli(n.port, 'DBSIZE'))));
    // Replicas hold copies; the three masters each hold some of the 30 keys.
    expect(counts.filter((c) => c > 0).length).toBeGreaterThanOrEqual(3);
  } finally {
    await store.close();
  }
});
