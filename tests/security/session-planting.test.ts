/**
 * Session planting through the proxy handoff: a signed-in attacker mints a handoff to a proxied
 * host and gets a victim's browser to complete it, so the victim reads (and saves, uploads…) as
 * the attacker. Also: the token sent to another port or scheme, reused, or with another page.
 * Browsers are played by hand (cookies per host, manual redirects) against a real gateway.
 */
import { parseSetCookie } from 'cookie';
import { get, member, proxiedHost, signedIn, startEcho, startGateway, type Echo, type RunningGateway } from '../integration/proxy-harness';

let echo: Echo;
let gw: RunningGateway;
let vendorHost: string;

beforeAll(async () => {
  echo = await startEcho();
  gw = await startGateway(() => ({
    institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
    resources: [{
      id: 'echo', title: { en: 'Echo' }, vendor: 'Test', hosts: [{ host: `localhost:${echo.port}`, allowPrivate: true }],
      access: [{ kind: 'proxy', start: `http://localhost:${echo.port}/` }], licences: [{ institution: 'demo-university' }],
    }],
  }));
  vendorHost = proxiedHost(`localhost---http-${echo.port}`, gw.port);
});
afterAll(async () => {
  await gw?.close();
  await echo?.close();
});

interface Answer {
  status: number;
  location?: string;
  setCookies: string[];
}

/** A browser: cookies kept per host (host-only, as Chromium treats Domain=localhost), every request to the gateway's port. */
class Browser {
  readonly jar = new Map<string, Map<string, string>>();

  constructor(gatewayCookie?: string) {
    if (gatewayCookie) this.cookiesOf(`localhost:${gw.port}`).set(...(gatewayCookie.split(/=(.*)/s).slice(0, 2) as [string, string]));
  }

  cookiesOf(host: string): Map<string, string> {
    let cookies = this.jar.get(host);
    if (!cookies) this.jar.set(host, (cookies = new Map()));
    return cookies;
  }

  async get(url: string): Promise<Answer> {
    const target = new URL(url);
    const cookies = this.cookiesOf(target.host);
    const header = [...cookies].map(([n, v]) => `${n}=${v}`).join('; ');
    const res = await get(gw.port, target.host, target.pathname + target.search, header ? { cookie: header } : {});
    await res.body.text();
    const setCookies = [res.headers['set-cookie'] ?? []].flat();
    for (const line of setCookies) {
      const c = parseSetCookie(line);
      if (c.maxAge === 0 || !c.value) cookies.delete(c.name);
      else cookies.set(c.name, c.value);
    }
    const location = res.headers.location as string | undefined;
    return { status: res.statusCode, location: location && new URL(location, url).href, setCookies };
  }

  /** Follow redirects until a page (or a host outside this gateway). */
  async visit(url: string): Promise<{ final: Answer; url: string }> {
    let current = url;
    for (let hops = 0; hops < 8; hops++) {
      const answer = await this.get(current);
      if (!answer.location || answer.status < 300 || answer.status >= 400) return { final: answer, url: current };
      current = answer.location;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  sessionOn(host: string): string | undefined {
    return this.cookiesOf(host).get('passway_sid');
  }
}

/** The attacker starts a handoff in their own browser and stops at the token's URL. */
async function attackerHandoffUrl(path = '/account/uploads'): Promise<{ url: string; attacker: Browser }> {
  const attacker = new Browser(await signedIn(gw.gateway, member({ subject: 'attacker' })));
  const bounce = await attacker.get(`http://${vendorHost}${path}`);
  const minted = await attacker.get(bounce.location!);
  expect(new URL(minted.location!).pathname).toBe('/.passway/handoff');
  return { url: minted.location!, attacker };
}

/** Who the proxied host thinks this session cookie belongs to (the echo upstream is reached only with a session). */
async function readerOf(cookie: string | undefined): Promise<string | undefined> {
  if (!cookie) return undefined;
  const session = await gw.gateway.sessions.load({ headers: { cookie: `passway_sid=${cookie}` } } as never);
  return session?.data.user?.subject;
}

test('the ordinary handoff: the reader lands on the page asked for, signed in as themselves', async () => {
  const reader = new Browser(await signedIn(gw.gateway, member({ subject: 'reader' })));
  const { final, url } = await reader.visit(`http://${vendorHost}/article/7?x=1`);
  expect(final.status).toBe(200);
  expect(url).toBe(`http://${vendorHost}/article/7?x=1`);
  expect(await readerOf(reader.sessionOn(vendorHost))).toBe('reader');
  // Nothing of the handoff is left in the browser but the session cookie.
  expect([...reader.cookiesOf(vendorHost).keys()]).toEqual(['passway_sid']);
});

const PLANTING: { name: string; victim: () => Promise<Browser>; expect: 'refused' }[] = [
  { name: 'a signed-out victim opens the attacker\'s handoff link', victim: async () => new Browser(), expect: 'refused' },
  { name: 'a signed-in victim opens the attacker\'s handoff link', victim: async () => new Browser(await signedIn(gw.gateway, member({ subject: 'victim' }))), expect: 'refused' },
  {
    name: 'a victim in the middle of their own handoff to the same host',
    victim: async () => {
      const victim = new Browser(await signedIn(gw.gateway, member({ subject: 'victim' })));
      await victim.get(`http://${vendorHost}/`); // the victim's own handoff has started on this host
      return victim;
    },
    expect: 'refused',
  },
];

test.each(PLANTING)('an attacker-minted token in a victim\'s browser: $name → $expect', async ({ victim: makeVictim }) => {
  const { url } = await attackerHandoffUrl();
  const victim = await makeVictim();
  const answer = await victim.get(url);
  expect(answer.status).toBe(400);
  expect(answer.setCookies.filter((c) => c.startsWith('passway_sid='))).toEqual([]);
  expect(await readerOf(victim.sessionOn(vendorHost))).toBeUndefined();
});

test('an attacker who leads the victim to the gateway with the attacker\'s own nonce gets nothing planted', async () => {
  const attacker = new Browser(await signedIn(gw.gateway, member({ subject: 'attacker' })));
  const bounce = await attacker.get(`http://${vendorHost}/`); // carries the attacker's nonce
  const victim = new Browser(await signedIn(gw.gateway, member({ subject: 'victim' })));
  const minted = await victim.get(bounce.location!); // a token for the victim's session, bound to the attacker's nonce
  const landed = await victim.get(minted.location!);
  expect(landed.status).toBe(400);
  // … and the attacker cannot use it either: it is the victim's session, the attacker's browser never saw the token.
  expect(await readerOf(victim.sessionOn(vendorHost))).toBeUndefined();
});

const TAMPERED: { name: string; url: (proxied: string) => string; expect: string }[] = [
  { name: 'another port', url: (p) => p.replace(`:${gw.port}`, ':1'), expect: 'the gateway\'s own port' },
  { name: 'https instead of the gateway\'s http', url: (p) => p.replace('http:', 'https:'), expect: 'the gateway\'s own port' },
  { name: 'a user-info part', url: (p) => p.replace('http://', 'http://evil.example@'), expect: 'the gateway\'s own port' },
];

test.each(TAMPERED)('the handoff URL asks for $name → the token goes to $expect', async ({ url }) => {
  const reader = new Browser(await signedIn(gw.gateway, member({ subject: 'reader' })));
  const bounce = await reader.get(`http://${vendorHost}/article/1`);
  const asked = new URL(bounce.location!);
  asked.searchParams.set('url', url(asked.searchParams.get('url')!));
  const minted = await reader.get(asked.href);
  expect(minted.status).toBe(303);
  const back = new URL(minted.location!);
  expect(back.origin).toBe(`http://${vendorHost}`);
  expect(back.username).toBe('');
});

test('a token is used once', async () => {
  const reader = new Browser(await signedIn(gw.gateway, member({ subject: 'reader' })));
  const bounce = await reader.get(`http://${vendorHost}/article/2`);
  const minted = await reader.get(bounce.location!);
  expect((await reader.get(minted.location!)).status).toBe(303);
  reader.cookiesOf(vendorHost).clear();
  expect((await reader.get(minted.location!)).status).toBe(400);
});

const TO: { name: string; to: string }[] = [
  { name: 'another page', to: '/account/delete' },
  { name: 'a scheme-relative URL', to: '//evil.example/' },
  { name: 'a tab-hidden scheme-relative URL', to: '/\t/evil.example' },
  { name: 'CR/LF (header injection)', to: '/\r\nSet-Cookie: planted=1' },
];

test.each(TO)('a `to` added to the token\'s URL ($name) is ignored: the page the handoff was minted for, no 502', async ({ to }) => {
  const reader = new Browser(await signedIn(gw.gateway, member({ subject: 'reader' })));
  const bounce = await reader.get(`http://${vendorHost}/article/3`);
  const minted = await reader.get(bounce.location!);
  const tampered = new URL(minted.location!);
  tampered.searchParams.set('to', to);
  const landed = await reader.get(tampered.href);
  expect(landed.status).toBe(303);
  expect(landed.location).toBe(`http://${vendorHost}/article/3`);
  expect(landed.setCookies.join('\n')).not.toContain('planted');
});

test('CR/LF or an encoded scheme-relative path in the page asked for: a 400 page, no token, no upstream failure', async () => {
  const reader = new Browser(await signedIn(gw.gateway, member({ subject: 'reader' })));
  for (const path of ['/%0d%0aSet-Cookie:%20planted=1', '/%2F%2Fevil.example', '/%09/evil.example']) {
    const bounce = await reader.get(`http://${vendorHost}${path}`);
    expect(bounce.status).toBe(303);
    const minted = await reader.get(bounce.location!);
    expect(minted.status).toBe(400);
    expect(minted.location).toBeUndefined();
  }
  expect(gw.lines.filter((l) => l.msg === 'proxy upstream failed')).toEqual([]);
});

test('the nonce cookie on the proxied host is host-only and HttpOnly', async () => {
  const reader = new Browser(await signedIn(gw.gateway, member({ subject: 'reader' })));
  const bounce = await reader.get(`http://${vendorHost}/`);
  const nonce = bounce.setCookies.map((c) => parseSetCookie(c)).find((c) => c.name.startsWith('passway_handoff'));
  expect(nonce).toMatchObject({ httpOnly: true, path: '/', sameSite: 'lax' });
  expect(nonce?.domain).toBeUndefined();
  // The request URL at the gateway carries the nonce; the cookie is what proves it came from this browser.
  expect(new URL(bounce.location!).searchParams.get('nonce')).toBeTruthy();
});
