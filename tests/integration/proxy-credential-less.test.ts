/**
 * Issue 13, item 2: requests that reach a proxied host without the reader's session (crossorigin
 * stylesheets and scripts, fonts, credentials: 'omit', CORS preflights), against the demo vendor and its
 * CDN as config/examples/demo.yaml catalogues them, and an echo upstream for what the demo does not do.
 * The constraint: no licensed item (an article page, a PDF, API JSON) without a session, and no anonymous
 * pattern that opens a host the resource does not claim.
 */
import { startDemoPlainVendor, type DemoPlainVendorHandle } from '../../demo/plain-vendor';
import { Resource } from '../../resource-catalog/schema';
import { get, member, proxiedHost, shippedDemoLibrary, signedIn, startEcho, startGateway, type Echo, type RunningGateway } from './proxy-harness';

let vendor: DemoPlainVendorHandle;
let echo: Echo;
let gw: RunningGateway;
let site: string;
let cdn: string;
let echoHost: string;

beforeAll(async () => {
  vendor = await startDemoPlainVendor({ port: 0 });
  echo = await startEcho();
  gw = await startGateway(() => ({
    institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
    resources: [
      shippedDemoLibrary({ site: vendor.port, cdn: vendor.cdn.port }),
      {
        id: 'echo',
        title: { en: 'Echo' },
        vendor: 'Echo',
        hosts: [{ host: `localhost:${echo.port}`, allowPrivate: true }],
        access: [{ kind: 'proxy', start: `http://localhost:${echo.port}/` }],
        licences: [{ institution: 'demo-university' }],
        anonymous: [`http://localhost:${echo.port}/open/*`, `-http://localhost:${echo.port}/open/private/*`, `http://localhost:${echo.port}/items/*`],
        patterns: { item: ['/items/\\d+$'] },
      },
    ],
  }));
  site = proxiedHost(`localhost---http-${vendor.port}`, gw.port);
  cdn = proxiedHost(`localhost---http-${vendor.cdn.port}`, gw.port);
  echoHost = proxiedHost(`localhost---http-${echo.port}`, gw.port);
});

afterAll(async () => {
  await gw?.close();
  await vendor?.close();
  await echo?.close();
});

/** A request without any cookie, as a browser sends a credential-less one. */
async function anonymous(host: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await get(gw.port, host, path, headers, { method });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body };
}

describe('without a session: licensed content is refused', () => {
  it.each([
    ['an article page', '/article/42', 'document'],
    ['the PDF', '/article/42.pdf', 'document'],
    ['the PDF, asked for as a font', '/article/42.pdf', 'font'],
    ['the licensed API JSON', '/api/data.json', 'empty'],
    ['the start page', '/', 'document'],
  ])('%s goes to the sign-in handoff, with nothing of the vendor\'s', async (_name, path, dest) => {
    const got = await anonymous(site, path, { 'sec-fetch-dest': dest });
    expect(got.status).toBe(303);
    expect(new URL(String(got.headers.location)).pathname).toBe('/proxy/handoff');
    expect(got.body).not.toContain('article');
    expect(got.body).not.toContain('%PDF');
  });

  it('a PDF asked for "as a font" never reaches the vendor (it would count there as a download)', async () => {
    const before = echo.seen.length;
    const got = await anonymous(echoHost, '/articles/9.pdf', { 'sec-fetch-dest': 'font', 'sec-fetch-mode': 'cors' });
    expect(got.status).toBe(303);
    expect(echo.seen.length).toBe(before);
  });

  it('a ".css" address that answers with something else is refused before a byte of it is relayed', async () => {
    const got = await anonymous(echoHost, '/secret/page.css', { 'sec-fetch-dest': 'style' });
    expect(got.status).toBe(403);
    expect(got.body).not.toContain('"method"'); // the echo's answer
  });

  it('an anonymous pattern does not open a URL matching the item patterns, nor an excepted one, nor a POST', async () => {
    expect((await anonymous(echoHost, '/items/7')).status).toBe(303);
    expect((await anonymous(echoHost, '/open/private/report')).status).toBe(303);
    expect((await anonymous(echoHost, '/open/feed', {}, 'POST')).status).toBe(303);
  });

  it('the catalog refuses an anonymous pattern on a host the resource does not claim', () => {
    const entry = shippedDemoLibrary({ site: vendor.port, cdn: vendor.cdn.port });
    const parsed = Resource.safeParse({ ...entry, anonymous: ['http://uncatalogued.example.com/*', 'http://*.localhost/*'] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['anonymous.0', 'anonymous.1']);
  });
});

describe('without a session: what a page loads credential-less', () => {
  it('the CDN stylesheet and web font (no pattern needed), with the CDN\'s CORS answer mapped to the proxied site', async () => {
    const origin = `http://${site}`;
    const css = await anonymous(cdn, '/css/site.css', { origin, 'sec-fetch-dest': 'style', 'sec-fetch-mode': 'cors' });
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.headers['access-control-allow-origin']).toBe(origin);
    const font = await anonymous(cdn, '/fonts/demo.ttf', { origin, 'sec-fetch-dest': 'font', 'sec-fetch-mode': 'cors' });
    expect(font.status).toBe(200);
    expect(font.headers['content-type']).toBe('font/ttf');
    expect(font.headers['access-control-allow-origin']).toBe(origin);
  });

  it('a cached stylesheet revalidates: the vendor\'s 304 (no body, no type) passes', async () => {
    const first = await anonymous(cdn, '/css/site.css');
    expect(first.status).toBe(200);
    const etag = String(first.headers.etag);
    expect(etag).not.toBe('undefined');
    const again = await anonymous(cdn, '/css/site.css', { 'if-none-match': etag });
    expect(again.status).toBe(304);
  });

  it('the CDN script and public API by the shipped anonymous patterns; the preflight relayed without a body', async () => {
    const origin = `http://${site}`;
    const js = await anonymous(cdn, '/js/site.js', { origin, 'sec-fetch-dest': 'script' });
    expect(js.status).toBe(200);
    expect(js.body).toContain(`var cdn = 'http://${cdn}';`);
    const preflight = await anonymous(cdn, '/api/public/status.json', { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-demo-client' }, 'OPTIONS');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(origin);
    expect(preflight.headers['access-control-allow-headers']).toBe('X-Demo-Client');
    const api = await anonymous(cdn, '/api/public/status.json', { origin, 'x-demo-client': 'site' });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toMatchObject({ message: 'The public status API answered without credentials' });
  });

  it('the echo upstream: a pattern URL is relayed with no cookie of the reader\'s', async () => {
    const got = await anonymous(echoHost, '/open/feed.xml');
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body)).toMatchObject({ method: 'GET', url: '/open/feed.xml' });
    expect((JSON.parse(got.body) as { headers: Record<string, string> }).headers.cookie).toBeUndefined();
  });

  it('a signed-in reader still gets the licensed content', async () => {
    const cookie = await signedIn(gw.gateway, member());
    const res = await get(gw.port, site, '/article/42.pdf', { cookie });
    expect(res.statusCode).toBe(200);
    expect((await res.body.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });
});

describe('the handoff as the fallback', () => {
  it('its redirects may be followed by a subresource (CORP), its first by a CORS request from a proxied page', async () => {
    const origin = `http://${site}`;
    const first = await anonymous(cdn, '/widget.html', { origin });
    expect(first.status).toBe(303);
    expect(first.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(first.headers['access-control-allow-origin']).toBe(origin);
    expect(first.headers['access-control-allow-credentials']).toBe('true');
    const handoff = new URL(String(first.headers.location));
    const cookie = await signedIn(gw.gateway, member());
    const minted = await get(gw.port, `localhost:${gw.port}`, handoff.pathname + handoff.search, { cookie, origin });
    await minted.body.text();
    expect(minted.statusCode).toBe(303);
    expect(minted.headers['cross-origin-resource-policy']).toBe('cross-origin');
    // The gateway's step never allows CORS: no script of a proxied page may read where it leads (a grant).
    expect(minted.headers['access-control-allow-origin']).toBeUndefined();
    // The proxied side allows only proxied origins of this gateway.
    const other = await anonymous(cdn, '/widget.html', { origin: 'http://evil.example' });
    expect(other.status).toBe(303);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('completing it sets the session cookie on the proxy domain, so every proxied host has it', async () => {
    const first = await anonymous(site, '/article/1');
    const nonce = String([first.headers['set-cookie']].flat()[0]).split(';')[0]!;
    const handoff = new URL(String(first.headers.location));
    const cookie = await signedIn(gw.gateway, member());
    const minted = await get(gw.port, `localhost:${gw.port}`, handoff.pathname + handoff.search, { cookie });
    await minted.body.text();
    const back = new URL(String(minted.headers.location));
    const landed = await get(gw.port, site, back.pathname + back.search, { cookie: nonce });
    await landed.body.text();
    const session = [landed.headers['set-cookie']].flat().map(String).find((c) => c.startsWith('passway_sid='));
    expect(session).toMatch(/; Domain=p\.localhost;/);
    expect(session).toMatch(/HttpOnly/);
    // The same cookie opens the CDN host, which never had a handoff of its own.
    const widget = await get(gw.port, cdn, '/widget.html', { cookie: session!.split(';')[0]! });
    expect(widget.statusCode).toBe(200);
    expect(await widget.body.text()).toContain('Citation widget');
  });
});
