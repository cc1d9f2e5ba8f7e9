/**
 * Brute force and flooding: the bootstrap admin's password cannot be guessed faster than the limit
 * allows, not even by parallel requests or by spreading them over nodes, and an anonymous client
 * cannot make the store hold an unbounded number of pending sign-ins. Both gateways of a case share
 * one real Redis, as two nodes behind a balancer do. Each case: a name, the requests, what is expected.
 */
import { Redis } from 'ioredis';
import request from 'supertest';
import { hashPassword } from '../../gateway/admin/password';
import type { Gateway } from '../../gateway/app';
import { RedisStore } from '../../gateway/store';
import { testConfig, testGateway } from '../helpers/gateway';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';

const PASSWORD = 'brute force test admin password';
const ADMIN = 'root';

/** Two gateway nodes on one Redis key prefix; the test client's X-Forwarded-For is believed (a trusted balancer). */
function twoNodes(prefix: string) {
  const config = testConfig({
    server: { trustProxy: ['127.0.0.0/8', '::1/128'] },
    institutions: [{ id: 'uni', name: { en: 'Example University' } }],
    logins: [{ kind: 'cas', id: 'campus', institution: 'uni', serverUrl: 'https://cas.example.edu/cas' }],
    admin: { bootstrap: { username: ADMIN, passwordHash: hashPassword(PASSWORD) } },
  });
  const stores = [new RedisStore({ url: REDIS_URL, keyPrefix: prefix }), new RedisStore({ url: REDIS_URL, keyPrefix: prefix })];
  const nodes = stores.map((store) => testGateway(config, { store }));
  return { nodes: nodes.map((n) => n.gateway), lines: () => nodes.flatMap((n) => n.lines), close: () => Promise.all(stores.map((s) => s.close())) };
}

/** The admin login form as a browser at `address` gets it: its session cookie and CSRF token. */
async function loginForm(node: Gateway, address: string) {
  const res = await request(node.handle).get('/admin/login').set('X-Forwarded-For', address);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  return { cookie, token: /name="_csrf" value="([^"]+)"/.exec(res.text)![1]! };
}

async function attempt(node: Gateway, address: string, username: string, password: string): Promise<number> {
  const form = await loginForm(node, address);
  const res = await request(node.handle).post('/admin/login').set({ Cookie: form.cookie, 'X-Forwarded-For': address }).type('form').send({ _csrf: form.token, username, password });
  return res.status;
}

const wrong = (i: number) => `wrong password ${i}`;

describe('admin sign-in limits (limits.adminLoginFailuresPerUser 5, …PerAddress 30, window 15 min)', () => {
  let prefix: string;
  let cluster: ReturnType<typeof twoNodes>;
  beforeEach(() => {
    prefix = testPrefix('brute');
    cluster = twoNodes(prefix);
  });
  afterEach(async () => {
    await cluster.close();
    await deletePrefix(prefix);
  });

  test('40 parallel wrong guesses, spread over two nodes: only 5 are checked, the rest get 429 with Retry-After', async () => {
    const forms = await Promise.all(Array.from({ length: 40 }, (_, i) => loginForm(cluster.nodes[i % 2]!, '203.0.113.7')));
    const responses = await Promise.all(
      forms.map((form, i) => request(cluster.nodes[i % 2]!.handle).post('/admin/login').set({ Cookie: form.cookie, 'X-Forwarded-For': '203.0.113.7' }).type('form').send({ _csrf: form.token, username: ADMIN, password: wrong(i) })),
    );
    expect(responses.filter((r) => r.status === 401)).toHaveLength(5);
    const refused = responses.filter((r) => r.status === 429);
    expect(refused).toHaveLength(35);
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThan(800);
    expect(refused[0]!.text).toContain('Too many failed sign-ins');
    // …and the right password from there is refused too while the pair is locked (else guessing would go on).
    expect(await attempt(cluster.nodes[0]!, '203.0.113.7', ADMIN, PASSWORD)).toBe(429);
  });

  const CASES: { name: string; before: [address: string, username: string, password: string][]; then: [address: string, username: string, password: string]; expect: number }[] = [
    {
      name: 'the admin from another address, while one address is locked for that user name',
      before: Array.from({ length: 6 }, (_, i) => ['203.0.113.7', ADMIN, wrong(i)]),
      then: ['198.51.100.20', ADMIN, PASSWORD],
      expect: 303,
    },
    {
      name: 'the admin from a shared address where someone tried 10 other user names (the old per-address lock refused it)',
      before: Array.from({ length: 10 }, (_, i) => ['203.0.113.7', `guess${i}`, wrong(i)]),
      then: ['203.0.113.7', ADMIN, PASSWORD],
      expect: 303,
    },
    {
      name: 'user names differing only in case or width count as one',
      before: [['203.0.113.7', 'ROOT', wrong(1)], ['203.0.113.7', 'Root', wrong(2)], ['203.0.113.7', 'ｒｏｏｔ', wrong(3)], ['203.0.113.7', 'root', wrong(4)], ['203.0.113.7', 'rOOt', wrong(5)]],
      then: ['203.0.113.7', ADMIN, PASSWORD],
      expect: 429,
    },
    {
      name: 'a correct sign-in clears the failures before it: 4 wrong, right, 4 wrong, right',
      before: [...Array.from({ length: 4 }, (_, i): [string, string, string] => ['203.0.113.7', ADMIN, wrong(i)]), ['203.0.113.7', ADMIN, PASSWORD], ...Array.from({ length: 4 }, (_, i): [string, string, string] => ['203.0.113.7', ADMIN, wrong(i)])],
      then: ['203.0.113.7', ADMIN, PASSWORD],
      expect: 303,
    },
    {
      name: '30 failures from one address over many user names lock the address for every name',
      before: Array.from({ length: 30 }, (_, i) => ['203.0.113.7', `guess${i % 10}`, wrong(i)]),
      then: ['203.0.113.7', ADMIN, PASSWORD],
      expect: 429,
    },
    {
      name: 'IPv6: addresses of one /64 count as one client',
      before: Array.from({ length: 5 }, (_, i) => [`2001:db8:1:2::${i + 1}`, ADMIN, wrong(i)]),
      then: ['2001:db8:1:2:ffff::9', ADMIN, PASSWORD],
      expect: 429,
    },
  ];

  test.each(CASES)('$name → $expect', async ({ before, then, expect: status }) => {
    for (const [i, [address, username, password]] of before.entries()) await attempt(cluster.nodes[i % 2]!, address, username, password);
    expect(await attempt(cluster.nodes[1]!, ...then)).toBe(status);
  });

  test('a refusal is counted in /metrics and logged, without the user name', async () => {
    for (let i = 0; i < 6; i++) await attempt(cluster.nodes[0]!, '203.0.113.7', ADMIN, wrong(i));
    const metrics = await request(cluster.nodes[0]!.handle).get('/metrics');
    expect(metrics.text).toMatch(/passway_rate_limited_total\{limit="admin-login"\} 1/);
    expect(cluster.lines().some((l) => l.msg === 'request refused by a per-address limit' && l.limit === 'admin-login')).toBe(true);
    expect(JSON.stringify(cluster.lines().filter((l) => l.msg === 'request refused by a per-address limit'))).not.toContain(ADMIN);
  });
});

describe('login starts (limits.loginStartsPerMinute 60)', () => {
  let prefix: string;
  let cluster: ReturnType<typeof twoNodes>;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    prefix = testPrefix('flood');
    cluster = twoNodes(prefix);
  });
  afterEach(async () => {
    await cluster.close();
    await deletePrefix(prefix);
  });

  /** Keys an anonymous client has made the store hold (the limit's own counters aside). */
  const heldKeys = async () => (await redis.keys(`${prefix}*`)).filter((k) => !k.startsWith(`${prefix}rate:`)).length;
  const start = (node: Gateway, address: string, lang = 'en') => request(node.handle).get('/auth/campus/login?returnTo=%2F').set({ 'X-Forwarded-For': address, 'Accept-Language': lang });

  test('200 starts from one address, over two nodes: 60 pending sign-ins in the store, 140 refused with a readable 429', async () => {
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => start(cluster.nodes[i % 2]!, '203.0.113.7', i % 2 ? 'zh-CN' : 'en')));
    expect(responses.filter((r) => r.status === 302)).toHaveLength(60);
    const refused = responses.filter((r) => r.status === 429);
    expect(refused).toHaveLength(140);
    expect(await heldKeys()).toBe(60);
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused[0]!.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.some((r) => r.text.includes('Too many sign-ins were started'))).toBe(true);
    expect(refused.some((r) => r.text.includes('登录请求过多'))).toBe(true);
  });

  test('another address still starts a sign-in while one is refused', async () => {
    for (let i = 0; i < 61; i++) await start(cluster.nodes[0]!, '203.0.113.7');
    expect((await start(cluster.nodes[1]!, '203.0.113.7')).status).toBe(429);
    expect((await start(cluster.nodes[1]!, '198.51.100.20')).status).toBe(302);
  });

  test('without a trusted balancer, X-Forwarded-For does not make a new client', async () => {
    const config = testConfig({
      institutions: [{ id: 'uni', name: { en: 'Example University' } }],
      logins: [{ kind: 'cas', id: 'campus', institution: 'uni', serverUrl: 'https://cas.example.edu/cas' }],
      limits: { loginStartsPerMinute: 3 },
    });
    const { gateway } = testGateway(config);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await start(gateway, `198.51.100.${i}`)).status);
    expect(statuses).toEqual([302, 302, 302, 429, 429]);
  });
});

test('while Redis cannot be reached, each node still enforces the limits by itself', async () => {
  const store = new RedisStore({ url: 'redis://127.0.0.1:1', keyPrefix: testPrefix('down'), connectTimeoutMs: 200, commandTimeoutMs: 500 });
  const limiter = store.rateLimiter({ name: 'login-start', points: 2, durationSeconds: 60 });
  await expect(limiter.consume('203.0.113.7')).resolves.toMatchObject({ remainingPoints: 1 });
  await limiter.consume('203.0.113.7');
  await expect(limiter.consume('203.0.113.7')).rejects.toMatchObject({ remainingPoints: 0 });
  await store.close();
});
