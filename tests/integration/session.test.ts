import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSetCookie } from 'cookie';
import type { Identity } from '../../idp-adapters/identity';
import { Sessions, type SessionOptions } from '../../gateway/session';
import type { Store } from '../../gateway/store/types';
import { deletePrefix, STORE_KINDS, testPrefix } from '../helpers/stores';

const user: Identity = {
  subject: 'abc123',
  institution: 'demo-university',
  affiliations: ['faculty'],
  entitlements: [],
  groups: [],
  displayName: 'Zhang Wei',
  source: { adapter: 'test' },
  attributes: {},
};

/** A real HTTP server exposing the Sessions API, as a gateway node would use it. */
async function sessionServer(sessions: Sessions) {
  const server = http.createServer(async (req, res) => {
    const session = await sessions.load(req);
    switch (req.url) {
      case '/create':
        await sessions.create(res, { note: 'hello' });
        break;
      case '/login':
        await sessions.login(res, session, user);
        break;
      case '/logout':
        await sessions.destroy(res, session);
        break;
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(req.url === '/whoami' ? (session?.data ?? null) : {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async get(path: string, cookie?: string) {
      const res = await fetch(base + path, { headers: cookie ? { cookie } : {} });
      return { body: (await res.json()) as Record<string, unknown> | null, setCookie: res.headers.getSetCookie() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const cookiePair = (setCookie: string[]) => {
  const parsed = parseSetCookie(setCookie[0] ?? '');
  return `${parsed.name}=${parsed.value}`;
};

describe.each(STORE_KINDS)('sessions on the $name store', (kind) => {
  let prefix: string;
  let store: Store;
  let clock: number;
  const options = (over: Partial<SessionOptions> = {}): SessionOptions => ({
    secret: 'test-secret-'.padEnd(40, 'x'),
    cookieName: 'passway_sid',
    domain: 'gw.example.edu',
    secure: true,
    idleTimeoutMs: 60 * 60_000,
    absoluteLifetimeMs: 12 * 3_600_000,
    now: () => clock,
    ...over,
  });

  beforeEach(() => {
    prefix = testPrefix('session');
    store = kind.make(prefix);
    clock = Date.now();
  });
  afterEach(async () => {
    await store.close();
    if (kind.name === 'redis') await deletePrefix(prefix);
  });

  it('sets a signed HttpOnly SameSite=Lax cookie for the gateway host and its proxy subdomains', async () => {
    const server = await sessionServer(new Sessions(store, options()));
    const { setCookie } = await server.get('/create');
    const cookie = parseSetCookie(setCookie[0] ?? '');
    expect(cookie).toMatchObject({ name: 'passway_sid', httpOnly: true, secure: true, sameSite: 'lax', domain: 'gw.example.edu', path: '/' });
    expect(cookie.value).toMatch(/^s:[A-Za-z0-9_-]{43}\.[A-Za-z0-9+/]+$/);
    expect((await server.get('/whoami', cookiePair(setCookie))).body).toMatchObject({ note: 'hello' });
    await server.close();
  });

  it('ignores a cookie whose signature does not match', async () => {
    const server = await sessionServer(new Sessions(store, options()));
    const { setCookie } = await server.get('/create');
    const forged = cookiePair(setCookie).replace(/\.[^.]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect((await server.get('/whoami', forged)).body).toBeNull();
    // Signatures already verified are remembered: the genuine cookie first, then forgeries of it.
    expect((await server.get('/whoami', cookiePair(setCookie))).body).not.toBeNull();
    expect((await server.get('/whoami', forged)).body).toBeNull();
    expect((await server.get('/whoami', cookiePair(setCookie).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).body).toBeNull();
    await server.close();
  });

  it('ends a session left idle past the idle timeout', async () => {
    const server = await sessionServer(new Sessions(store, options({ idleTimeoutMs: 200, now: Date.now })));
    const cookie = cookiePair((await server.get('/create')).setCookie);
    expect((await server.get('/whoami', cookie)).body).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await server.get('/whoami', cookie)).body).toBeNull();
    await server.close();
  });

  it('ends a session at its absolute lifetime, however busy', async () => {
    const server = await sessionServer(new Sessions(store, options({ absoluteLifetimeMs: 3_600_000, idleTimeoutMs: 3_600_000 })));
    const cookie = cookiePair((await server.get('/create')).setCookie);
    for (let minutes = 30; minutes < 60; minutes += 29) {
      clock += 29 * 60_000;
      expect((await server.get('/whoami', cookie)).body).not.toBeNull();
    }
    clock += 3 * 60_000;
    expect((await server.get('/whoami', cookie)).body).toBeNull();
    await server.close();
  });

  it('rotates the id at login: the old cookie is dead, the new one carries the user', async () => {
    const server = await sessionServer(new Sessions(store, options()));
    const before = cookiePair((await server.get('/create')).setCookie);
    const after = cookiePair((await server.get('/login', before)).setCookie);
    expect(after).not.toEqual(before);
    expect((await server.get('/whoami', before)).body).toBeNull();
    const signedIn = (await server.get('/whoami', after)).body;
    expect(signedIn).toMatchObject({ user: { subject: 'abc123' } });
    // Only an allow-list crosses the rotation (today nothing): data stored before sign-in, such as a token, stays behind.
    expect(signedIn).not.toHaveProperty('note');
    await server.close();
  });

  it('destroys the session at logout and clears the cookie', async () => {
    const server = await sessionServer(new Sessions(store, options()));
    const cookie = cookiePair((await server.get('/login')).setCookie);
    const { setCookie } = await server.get('/logout', cookie);
    expect(parseSetCookie(setCookie[0] ?? '')).toMatchObject({ name: 'passway_sid', value: '', maxAge: 0 });
    expect((await server.get('/whoami', cookie)).body).toBeNull();
    await server.close();
  });

  it('is served by any node that shares the store', async () => {
    const node1 = await sessionServer(new Sessions(store, options()));
    const node2 = await sessionServer(new Sessions(store, options()));
    const cookie = cookiePair((await node1.get('/login')).setCookie);
    expect((await node2.get('/whoami', cookie)).body).toMatchObject({ user: { displayName: 'Zhang Wei' } });
    await Promise.all([node1.close(), node2.close()]);
  });
});

it('two Redis stores (two gateway processes) see the same session', async () => {
  const prefix = testPrefix('session-2node');
  const [a, b] = [STORE_KINDS[1]!.make(prefix), STORE_KINDS[1]!.make(prefix)];
  const opts: SessionOptions = { secret: 's'.repeat(40), cookieName: 'sid', secure: false, idleTimeoutMs: 60_000, absoluteLifetimeMs: 3_600_000 };
  const node1 = await sessionServer(new Sessions(a!, opts));
  const node2 = await sessionServer(new Sessions(b!, opts));
  const cookie = cookiePair((await node1.get('/login')).setCookie);
  expect((await node2.get('/whoami', cookie)).body).toMatchObject({ user: { subject: 'abc123' } });
  await node2.get('/logout', cookie);
  expect((await node1.get('/whoami', cookie)).body).toBeNull();
  await Promise.all([node1.close(), node2.close(), a!.close(), b!.close()]);
  await deletePrefix(prefix);
});
