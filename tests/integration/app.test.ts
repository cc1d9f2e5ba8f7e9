import { sign } from 'cookie-signature';
import request from 'supertest';
import { RedisStore } from '../../gateway/store';
import { TEST_SECRET, testConfig, testGateway } from '../helpers/gateway';

const catalog = {
  institutions: [{ id: 'uni', name: { en: 'Example University', zh: '示例大学' } }],
  contact: { email: 'help@lib.example.edu' },
  resources: [
    {
      id: 'journals',
      title: { en: 'Journal Platform', zh: '期刊平台' },
      vendor: 'Publisher',
      hosts: [{ host: 'journals.example.com' }],
      access: [{ kind: 'wayfless' as const, template: 'https://journals.example.com/sso?idp={entityIDEncoded}' }],
    },
    {
      id: 'archive',
      title: { en: 'Archive <Collection>', zh: '档案库' },
      vendor: 'Vendor',
      hosts: [{ host: 'archive.example.com' }],
      access: [{ kind: 'proxy' as const, start: 'https://archive.example.com/' }],
    },
  ],
};

describe('portal and pages', () => {
  const { gateway } = testGateway(testConfig(catalog), {
    demo: { idpUrl: 'http://localhost:8081', users: [{ username: 'faculty', password: 'faculty-demo', displayName: '张伟 Zhang Wei', affiliation: 'faculty' }] },
  });

  it('lists the databases in English, with how each is reached, escaped', async () => {
    const res = await request(gateway.handle).get('/').set('Accept-Language', 'en-GB,en;q=0.9');
    expect(res.status).toBe(200);
    expect(res.headers['content-language']).toBe('en');
    expect(res.text).toContain('<html lang="en">');
    expect(res.text).toContain('Journal Platform');
    expect(res.text).toContain('Archive &#60;Collection&#62;');
    expect(res.text).toContain('Through the library proxy');
    expect(res.text).toContain('href="/go/journals"');
    expect(res.text).toContain('name="viewport"');
  });

  it('speaks Chinese when the browser prefers it', async () => {
    const res = await request(gateway.handle).get('/').set('Accept-Language', 'zh-CN,zh;q=0.9,en;q=0.8');
    expect(res.headers['content-language']).toBe('zh-CN');
    expect(res.text).toContain('<html lang="zh-CN">');
    expect(res.text).toContain('期刊平台');
    expect(res.text).toContain('通过图书馆代理访问');
  });

  it('shows the demo accounts and passwords in demo mode', async () => {
    const res = await request(gateway.handle).get('/');
    expect(res.text).toContain('faculty-demo');
    expect(res.text).toContain('张伟 Zhang Wei');
  });

  it('sends a signed-out launch to discovery, and proxied hosts to the proxy', async () => {
    const launch = await request(gateway.handle).get('/go/journals');
    expect(launch.status).toBe(303);
    expect(launch.headers.location).toBe('/ds?returnTo=%2Fgo%2Fjournals');
    // A proxied host name that no resource claims goes to the proxy, which refuses it.
    const proxied = await request(gateway.handle).get('/').set('Host', 'evil-example.p.localhost:8080');
    expect(proxied.status).toBe(404);
  });

  it('answers a sign-in method that is not configured with 404', async () => {
    const res = await request(gateway.handle).get('/auth/nowhere/login').set('Accept-Language', 'en');
    expect(res.status).toBe(404);
  });

  it('answers unknown paths with a bilingual 404 and a way back', async () => {
    const en = await request(gateway.handle).get('/no/such/page').set('Accept-Language', 'en');
    expect(en.status).toBe(404);
    expect(en.text).toContain('There is no page at /no/such/page');
    expect(en.text).toContain('mailto:help@lib.example.edu');
    const zh = await request(gateway.handle).get('/no/such/page').set('Accept-Language', 'zh');
    expect(zh.text).toContain('没有找到页面');
  });

  it('sets security headers and a request id', async () => {
    const res = await request(gateway.handle).get('/');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await request(gateway.handle).get('/').set('X-Request-Id', 'lb-1234');
    expect(echoed.headers['x-request-id']).toBe('lb-1234');
    const refused = await request(gateway.handle).get('/').set('X-Request-Id', '<script>');
    expect(refused.headers['x-request-id']).not.toBe('<script>');
  });

  it('answers /healthz and /readyz', async () => {
    expect((await request(gateway.handle).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(gateway.handle).get('/readyz')).body).toEqual({ status: 'ready', store: 'memory' });
  });

  it('logs out: the session cookie is cleared and the user sees the signed-out page', async () => {
    const res = await request(gateway.handle).post('/logout');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/signed-out');
    expect(res.headers['set-cookie']?.[0]).toMatch(/^passway_sid=; Max-Age=0; Domain=localhost; Path=\/; HttpOnly; SameSite=Lax$/);
  });
});

describe('https public URL', () => {
  it('makes cookies Secure and sends HSTS', async () => {
    const { gateway } = testGateway(testConfig({ server: { publicUrl: 'https://gw.lib.example.edu' } }));
    const res = await request(gateway.handle).post('/logout');
    expect(res.headers['set-cookie']?.[0]).toContain('Domain=gw.lib.example.edu');
    expect(res.headers['set-cookie']?.[0]).toContain('Secure');
    const home = await request(gateway.handle).get('/');
    expect(home.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(home.headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });
});

describe('client addresses behind a TLS-terminating proxy', () => {
  const clientIp = (lines: Record<string, unknown>[]) => lines.filter((l) => l.msg === 'request completed').at(-1)?.clientIp;

  it('trusts X-Forwarded-For only from configured proxy addresses', async () => {
    const trusted = testGateway(testConfig({ server: { trustProxy: ['127.0.0.1', '::1', '::ffff:127.0.0.1'] } }));
    await request(trusted.gateway.handle).get('/').set('X-Forwarded-For', '203.0.113.7');
    expect(clientIp(trusted.lines)).toBe('203.0.113.7');

    const untrusted = testGateway(testConfig({ server: { trustProxy: ['10.0.0.0/8'] } }));
    await request(untrusted.gateway.handle).get('/').set('X-Forwarded-For', '203.0.113.7');
    expect(clientIp(untrusted.lines)).toMatch(/127\.0\.0\.1$|^::1$/);
  });
});

describe('store outage', () => {
  let store: RedisStore;
  beforeEach(() => {
    store = new RedisStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'passway-test:down:', connectTimeoutMs: 500 });
  });
  afterEach(() => store.close());

  it('reports not ready, with the reason', async () => {
    const { gateway } = testGateway(testConfig(), { store });
    const res = await request(gateway.handle).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'unavailable', store: 'redis' });
    expect(res.body.reason).toMatch(/not answering/);
  });

  it('shows a readable 503 page with Retry-After, never a stack trace', async () => {
    const { gateway, lines } = testGateway(testConfig(), { store });
    const cookie = `passway_sid=s:${sign('some-session-id', TEST_SECRET)}`;
    const res = await request(gateway.handle).get('/').set('Cookie', cookie).set('Accept-Language', 'en');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.text).toContain('Temporarily unavailable');
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(lines.some((l) => l.level === 50 && l.msg === 'request failed')).toBe(true);
  });
});
