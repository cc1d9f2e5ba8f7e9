/**
 * Open redirects: every route that redirects to a user-supplied target, against a table of
 * hostile targets. A browser drops tabs and newlines from a Location value and reads `\` as `/`,
 * so each case is judged the way a browser would resolve the answer (WHATWG URL, as Node's URL
 * does): it must land on the gateway's own origin, on the expected path.
 */
import request from 'supertest';
import { hashPassword } from '../../gateway/admin/password';
import { localPath, localUrl } from '../../gateway/local-path';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { HttpBrowser, location } from '../helpers/http-browser';
import { testConfig, testGateway } from '../helpers/gateway';
import { startGateway, type RunningGateway } from '../integration/proxy-harness';

const PASSWORD = 'open-redirect test password';

/** Hostile targets: each must end on the fallback path. */
const HOSTILE: { name: string; input: string }[] = [
  { name: 'percent-encoded tab before a second slash', input: '/%09/evil.example' },
  { name: 'raw tab before a second slash', input: '/\t/evil.example' },
  { name: 'scheme-relative', input: '//evil.example' },
  { name: 'slash backslash', input: '/\\evil.example' },
  { name: 'backslash slash', input: '\\/evil.example' },
  { name: 'encoded double slash', input: '/%2F%2Fevil.example' },
  { name: 'encoded backslash', input: '/%5Cevil.example' },
  { name: 'double-encoded double slash', input: '/%252F%252Fevil.example' },
  { name: 'absolute https URL', input: 'https://evil.example/' },
  { name: 'javascript: URL', input: 'javascript:alert(1)' },
  { name: 'CR/LF header injection', input: '/\r\nSet-Cookie: planted=1' },
  { name: 'encoded CR/LF', input: '/%0d%0aSet-Cookie:%20planted=1' },
  { name: 'dot segment to a double slash', input: '/.//evil.example' },
  { name: 'dot-dot segments to a double slash', input: '/a/../..//evil.example' },
  { name: 'newline inside a scheme-relative URL', input: '/\n/evil.example' },
  { name: 'empty', input: '' },
];
/** The hostile targets that stay hostile as the path of an absolute URL on our origin. */
const HOSTILE_PATHS = HOSTILE.filter((c) => c.input.startsWith('/') || c.input.startsWith('\\'));
const onOrigin = (origin: string, input: string) => `${origin}${input.startsWith('/') ? '' : '/'}${input}`;
/** Ordinary targets: kept as they are. */
const LOCAL: { name: string; input: string }[] = [
  { name: 'a launch link with a query', input: '/go/cnki?target=https%3A%2F%2Fkns.cnki.net%2Fkcms%3Fid%3D1' },
  { name: 'a Chinese path', input: '/go/%E7%9F%A5%E7%BD%91' },
];

/** Where a browser goes for this Location, resolved against `base`. */
const landing = (value: string, base: string) => new URL(value, base);

describe('localPath: the one rule', () => {
  test.each(HOSTILE)('$name → "/"', ({ input }) => {
    expect(localPath(input)).toBe('/');
  });
  test.each(LOCAL)('$name is kept', ({ input }) => {
    expect(localPath(input)).toBe(input);
  });
  test('a section confines the target', () => {
    expect(localPath('/admin/usage?day=1', '/admin')).toBe('/admin/usage?day=1');
    expect(localPath('/administrator', '/admin')).toBe('/admin');
    expect(localPath('/go/cnki', '/admin')).toBe('/admin');
  });
  test.each(HOSTILE_PATHS)('absolute on our origin: $name is refused', ({ input }) => {
    expect(localUrl(onOrigin('http://gw.example', input), 'http://gw.example')).toBeUndefined();
  });
  test('absolute: another origin is refused, our own kept', () => {
    expect(localUrl('http://gw.example.evil/x', 'http://gw.example')).toBeUndefined();
    expect(localUrl('https://gw.example/x', 'http://gw.example')).toBeUndefined();
    expect(localUrl('http://gw.example/sp/ds-answer?x=1', 'http://gw.example')?.href).toBe('http://gw.example/sp/ds-answer?x=1');
  });
});

describe('every redirecting route', () => {
  let cas: CasServer;
  let gw: RunningGateway;

  beforeAll(async () => {
    cas = await startCasServer();
    cas.autoLogin = 'zhang3';
    gw = await startGateway(() => ({
      institutions: [{ id: 'uni', name: { en: 'Example University' } }, { id: 'college', name: { en: 'Riverside College' } }],
      logins: [
        { kind: 'cas', id: 'campus', institution: 'uni', serverUrl: cas.url },
        { kind: 'cas', id: 'river', institution: 'college', serverUrl: cas.url },
      ],
      admin: { bootstrap: { username: 'root', passwordHash: hashPassword(PASSWORD) } },
    }));
  });
  afterAll(async () => {
    await gw?.close();
    await cas?.close();
  });

  /** The returnTo a redirect to /auth/<id>/login carries. */
  const carriedReturnTo = (value: string) => new URL(value, gw.base).searchParams.get('returnTo');

  test.each([...HOSTILE.map((c) => ({ ...c, expect: '/' })), ...LOCAL.map((c) => ({ ...c, expect: c.input }))])(
    'discovery /ds?login=: $name → $expect',
    async ({ input, expect: expected }) => {
      const res = await new HttpBrowser().get(`${gw.base}/ds?login=campus&returnTo=${encodeURIComponent(input)}`);
      expect(res.status).toBe(303);
      expect(carriedReturnTo(location(res, gw.base))).toBe(expected);
    },
  );

  test.each(HOSTILE)('sign-in /auth/<login>/login, completed at the CAS callback: $name → /', async ({ input }) => {
    const browser = new HttpBrowser();
    const start = await browser.get(`${gw.base}/auth/campus/login?returnTo=${encodeURIComponent(input)}`);
    // The CAS server signs in at once and comes back to the callback with a ticket.
    const atCas = await browser.get(location(start, gw.base));
    const res = await browser.get(location(atCas, cas.url));
    expect(res.status).toBe(303);
    const landed = landing(res.headers.get('location')!, gw.base);
    expect(landed.origin).toBe(gw.base);
    expect(landed.pathname + landed.search).toBe('/');
  });

  test.each(HOSTILE)('bootstrap admin sign-in: $name → /admin', async ({ input }) => {
    const browser = new HttpBrowser();
    const form = await browser.get(`${gw.base}/admin/login`);
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const res = await browser.post(`${gw.base}/admin/login`, { _csrf: token, username: 'root', password: PASSWORD, returnTo: input });
    expect(res.status).toBe(303);
    const landed = landing(res.headers.get('location')!, gw.base);
    expect(landed.origin).toBe(gw.base);
    expect(landed.pathname).toBe('/admin');
  });
});

describe('discovery as its own WAYF and for SPs', () => {
  const { gateway } = testGateway(testConfig({
    server: { publicUrl: 'http://gw.example' },
    institutions: [{ id: 'uni', name: { en: 'Example University' } }],
    logins: [{ kind: 'cas', id: 'campus', institution: 'uni', serverUrl: 'https://cas.uni.example/cas' }],
    discovery: { externalServiceUrl: 'https://wayf.example/ds' },
  }));

  test.each(HOSTILE)('/ds with one login: $name → /', async ({ input }) => {
    const res = await request(gateway.handle).get(`/ds?returnTo=${encodeURIComponent(input)}`);
    expect(res.status).toBe(303);
    expect(new URL(res.headers.location!, 'http://gw.example').searchParams.get('returnTo')).toBe('/');
  });

  test.each(HOSTILE)('/ds/return (external discovery answer): $name → /', async ({ input }) => {
    const res = await request(gateway.handle).get(`/ds/return?returnTo=${encodeURIComponent(input)}`);
    // No IdP chosen: the page offers discovery again, carrying only a local returnTo.
    const again = /href="(\/ds\?[^"]+)"/.exec(res.text)?.[1]?.replace(/&amp;/g, '&');
    expect(new URL(again!, 'http://gw.example').searchParams.get('returnTo')).toBe('/');
  });

  test.each(HOSTILE_PATHS)('OASIS discovery `return` on our origin: $name is refused', async ({ input }) => {
    const returnUrl = onOrigin('http://gw.example', input);
    const res = await request(gateway.handle).get(`/ds?entityID=${encodeURIComponent('http://gw.example/sp')}&isPassive=true&return=${encodeURIComponent(returnUrl)}`);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
  });
});
