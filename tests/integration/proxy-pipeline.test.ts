import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { upstreamRequestHeaders } from '../../gateway/proxy/headers';
import { DEMO_PDF, startDemoPlainVendor } from '../../demo/plain-vendor';
import type { DemoServerHandle } from '../../demo/server';
import { get, member, proxiedHost, signedIn, startEcho, startGateway, type Echo, type RunningGateway, demoLibrary } from './proxy-harness';
import { cookieShimTag } from '../../gateway/proxy/cookie-shim';

let vendor: DemoServerHandle;
let echo: Echo;
let gw: RunningGateway;
let cookie: string;
let vendorHost: string;
let echoHost: string;

const usage = () => gw.lines.filter((l) => l.usage === true).map((l) => l.event as Record<string, unknown>);

beforeAll(async () => {
  vendor = await startDemoPlainVendor({ port: 0 });
  echo = await startEcho();
  gw = await startGateway(
    () => ({
      institutions: [
        { id: 'demo-university', name: { en: 'Demo University' } },
        { id: 'other', name: { en: 'Other College' } },
      ],
      resources: [
        demoLibrary(vendor.port),
        { id: 'echo', title: { en: 'Echo' }, vendor: 'Echo', hosts: [{ host: `localhost:${echo.port}`, allowPrivate: true }], access: [{ kind: 'proxy', start: `http://localhost:${echo.port}/` }], licences: [{ institution: 'demo-university' }] },
        // Catalogued, but its name resolves to loopback and the catalogue does not allow that.
        { id: 'internal', title: { en: 'Internal' }, vendor: 'Internal', hosts: [{ host: `internal.example.com:${echo.port}` }], access: [{ kind: 'proxy', start: `http://internal.example.com:${echo.port}/` }], licences: [{ institution: 'demo-university' }] },
      ],
    }),
    { resolve: async (name) => (name === 'internal.example.com' ? ['127.0.0.1'] : name === 'localhost' ? ['127.0.0.1'] : []) },
  );
  cookie = await signedIn(gw.gateway);
  vendorHost = proxiedHost(`localhost---http-${vendor.port}`, gw.port);
  echoHost = proxiedHost(`localhost---http-${echo.port}`, gw.port);
});

afterAll(async () => {
  await gw?.close();
  await vendor?.close();
  await echo?.close();
});

describe('proxy: only catalogued hosts, never a private address by surprise', () => {
  it('refuses an uncatalogued host with a page and an event, and sends nothing upstream', async () => {
    const before = echo.seen.length;
    const res = await get(gw.port, proxiedHost(`127-0-0-1---http-${echo.port}`, gw.port), '/secret', { cookie, 'accept-language': 'zh-CN' });
    expect(res.statusCode).toBe(404);
    expect(await res.body.text()).toContain('不是图书馆订购的数据库');
    expect(usage()).toContainEqual({ type: 'uncatalogued', host: `127.0.0.1:${echo.port}` });
    expect(echo.seen.length).toBe(before);
  });

  it('refuses malformed proxied hosts and absolute-form targets without an upstream request', async () => {
    const before = echo.seen.length;
    expect((await get(gw.port, proxiedHost('x---http-80', gw.port), '/', { cookie })).statusCode).toBe(404);
    const status = await new Promise<number>((resolve, reject) => {
      http
        .request({ host: '127.0.0.1', port: gw.port, path: `http://localhost:${echo.port}/abs`, headers: { host: echoHost, cookie } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(400);
    expect(echo.seen.length).toBe(before);
  });

  it('refuses a catalogued name that resolves to a loopback address unless its host rule allows private addresses', async () => {
    const before = echo.seen.length;
    const refused = await get(gw.port, proxiedHost(`internal-example-com---http-${echo.port}`, gw.port), '/', { cookie });
    expect(refused.statusCode).toBe(403);
    expect(await refused.body.text()).toContain('internal network address');
    expect(echo.seen.length).toBe(before);
    // The same loopback upstream under a rule with allowPrivate: true is reached.
    const allowed = await get(gw.port, echoHost, '/ok', { cookie });
    expect(allowed.statusCode).toBe(200);
    await allowed.body.text();
    expect(echo.seen.length).toBe(before + 1);
  });
});

describe('proxy: sessions and entitlement', () => {
  it('sends a signed-out reader through the gateway handoff to /login?url=<upstream URL>', async () => {
    const first = await get(gw.port, vendorHost, '/article/7?x=1');
    expect(first.statusCode).toBe(303);
    const handoff = new URL(first.headers.location as string);
    expect(handoff.origin).toBe(gw.base);
    expect(handoff.pathname).toBe('/proxy/handoff');
    const second = await get(gw.port, `localhost:${gw.port}`, handoff.pathname + handoff.search);
    expect(second.statusCode).toBe(303);
    expect(second.headers.location).toBe(`/login?url=${encodeURIComponent(`http://localhost:${vendor.port}/article/7?x=1`)}`);
  });

  it('hands a signed-in session to the proxied host once, as a cookie on the proxy domain (every proxied host shares it)', async () => {
    // The proxied host sets a nonce cookie on itself and sends the browser to the gateway with it.
    const first = await get(gw.port, vendorHost, '/whoami');
    expect(first.statusCode).toBe(303);
    const nonceCookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(nonceCookie).toMatch(/^passway_handoff_[A-Za-z0-9_-]{22}=1$/);
    const handoff = new URL(first.headers.location as string);
    const start = await get(gw.port, `localhost:${gw.port}`, handoff.pathname + handoff.search, { cookie });
    expect(start.statusCode).toBe(303);
    const back = new URL(start.headers.location as string);
    expect(back.host).toBe(vendorHost);
    // Only the browser holding the nonce completes it.
    expect((await get(gw.port, vendorHost, back.pathname + back.search)).statusCode).toBe(400);
    const again = new URL((await get(gw.port, `localhost:${gw.port}`, handoff.pathname + handoff.search, { cookie })).headers.location as string);
    const done = await get(gw.port, vendorHost, again.pathname + again.search, { cookie: nonceCookie });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/whoami');
    const setCookie = String([done.headers['set-cookie']].flat()[0]);
    expect(setCookie).toMatch(/^passway_sid=s:/);
    expect(setCookie).toMatch(/; Domain=p\.localhost;/i); // the gateway's own Domain=localhost is refused for x.p.localhost
    const handedCookie = setCookie.split(';')[0]!;
    const page = await get(gw.port, vendorHost, '/whoami', { cookie: handedCookie });
    expect(page.statusCode).toBe(200);
    await page.body.text();
    // One-time: the same token again is refused.
    expect((await get(gw.port, vendorHost, again.pathname + again.search, { cookie: nonceCookie })).statusCode).toBe(400);
  });

  it('sends a reader whose institution has no licence to the launch link, which explains the denial', async () => {
    const other = await signedIn(gw.gateway, member({ institution: 'other' }));
    const res = await get(gw.port, vendorHost, '/article/1', { cookie: other });
    expect(res.statusCode).toBe(303);
    const location = res.headers.location as string;
    expect(location).toBe(`${gw.base}/go/demo-library?target=${encodeURIComponent(`http://localhost:${vendor.port}/article/1`)}`);
    const denial = await get(gw.port, `localhost:${gw.port}`, location.slice(gw.base.length), { cookie: other });
    expect(denial.statusCode).toBe(403);
    expect(await denial.body.text()).toContain('not-subscribed');
  });
});

describe('proxy: headers', () => {
  it('rewrites a redirect Location to the proxied host', async () => {
    const res = await get(gw.port, vendorHost, '/go-to-article', { cookie });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`http://${vendorHost}/article/42`);
  });

  it('strips hop-by-hop headers both ways, never sends the gateway cookie upstream (only the resource’s scoped browser cookies), and sets Host, encodings and Referer itself', async () => {
    // node:http, not undici: undici manages Connection itself and would not send ours.
    const res = await new Promise<{ statusCode: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
      http
        .request(
          {
            host: '127.0.0.1',
            port: gw.port,
            path: '/echo',
            headers: {
              host: echoHost,
              cookie: `${cookie}; js_pref=raw; pw.echo.js_pref=dark; pw.internal.other=1`,
              connection: 'keep-alive, X-Custom',
              'x-custom': 'hop',
              'proxy-authorization': 'Basic Zm9vOmJhcg==',
              te: 'trailers',
              'accept-encoding': 'zstd',
              'x-forwarded-for': '203.0.113.9',
              referer: `http://${vendorHost}/article/1`,
              origin: `http://${echoHost}`,
              'x-end-to-end': 'kept',
            },
          },
          (r) => {
            let text = '';
            r.setEncoding('utf8');
            r.on('data', (c: string) => (text += c));
            r.on('end', () => resolve({ statusCode: r.statusCode ?? 0, headers: r.headers, text }));
          },
        )
        .on('error', reject)
        .end();
    });
    expect(res.statusCode).toBe(200);
    const seen = JSON.parse(res.text) as { headers: Record<string, string> };
    expect(seen.headers.host).toBe(`localhost:${echo.port}`);
    expect(seen.headers.cookie).toBe('js_pref=dark');
    expect(JSON.stringify(seen.headers)).not.toContain('passway_sid');
    expect(seen.headers['x-custom']).toBeUndefined();
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.headers.te).toBeUndefined();
    expect(seen.headers['x-forwarded-for']).toBeUndefined();
    expect(seen.headers['accept-encoding']).toBe('gzip, br');
    expect(seen.headers['x-end-to-end']).toBe('kept');
    expect(seen.headers.referer).toBe(`http://localhost:${vendor.port}/article/1`);
    expect(seen.headers.origin).toBe(`http://localhost:${echo.port}`);
    // Response side: the upstream's Connection-named X-Hop and Keep-Alive do not reach the browser.
    expect(res.headers['x-hop']).toBeUndefined();
    expect(res.headers['keep-alive']).not.toBe('timeout=5'); // the gateway's own keep-alive, not the vendor's
  });

  it('sets X-Forwarded-For by policy', () => {
    const base = { headers: { 'x-forwarded-for': '203.0.113.9' }, upstreamHost: 'v.example', cookie: '', clientAddress: '::ffff:198.51.100.7', toUpstream: () => undefined };
    expect(upstreamRequestHeaders({ ...base, forwardedFor: 'none' })['x-forwarded-for']).toBeUndefined();
    expect(upstreamRequestHeaders({ ...base, forwardedFor: 'replace' })['x-forwarded-for']).toBe('198.51.100.7');
    expect(upstreamRequestHeaders({ ...base, forwardedFor: 'append' })['x-forwarded-for']).toBe('203.0.113.9, 198.51.100.7');
  });

  it('keeps vendor cookies in the jar: no Set-Cookie reaches the browser, and the next request carries them', async () => {
    const reader = await signedIn(gw.gateway);
    const home = await get(gw.port, vendorHost, '/', { cookie: reader });
    expect(home.statusCode).toBe(200);
    expect(home.headers['set-cookie']).toBeUndefined();
    await home.body.text();
    const who = await get(gw.port, vendorHost, '/whoami', { cookie: reader });
    expect(await who.body.text()).toContain('vendor_session cookie came back: demo-session-42');
    // Another reader's jar is their own.
    const stranger = await get(gw.port, vendorHost, '/whoami', { cookie: await signedIn(gw.gateway) });
    expect(await stranger.body.text()).toContain('No vendor_session cookie came back.');
  });
});

describe('proxy: bodies', () => {
  it('forwards a POST form body', async () => {
    const res = await get(gw.port, vendorHost, '/search', { cookie, 'content-type': 'application/x-www-form-urlencoded' }, { method: 'POST', body: 'q=federated+access+%E4%B8%AD%E6%96%87' });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toContain('<q id="query">federated access 中文</q>');
  });

  it('passes a PDF through byte for byte, with Range and 206', async () => {
    const whole = await get(gw.port, vendorHost, '/article/42.pdf', { cookie });
    expect(whole.statusCode).toBe(200);
    expect(Buffer.from(await whole.body.arrayBuffer()).equals(DEMO_PDF)).toBe(true);
    const part = await get(gw.port, vendorHost, '/article/42.pdf', { cookie, range: 'bytes=100-199' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${DEMO_PDF.length}`);
    expect(part.headers['content-length']).toBe('100');
    expect(Buffer.from(await part.body.arrayBuffer()).equals(DEMO_PDF.subarray(100, 200))).toBe(true);
  });

  it('decodes a gzip page and re-encodes it as the browser accepts (gzip, br, or none)', async () => {
    const direct = await request(`${vendor.url}/big`);
    // The rewriter maps the vendor's absolute links to the proxied host and puts the cookie shim first in <head>; nothing else changes.
    const original = (await direct.body.text()).replaceAll(vendor.url, `http://${vendorHost}`).replace('<head>', `<head>${cookieShimTag()}`);
    expect(original).toContain(`http://${vendorHost}/article/900`);
    const gz = await get(gw.port, vendorHost, '/big', { cookie, 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['content-length']).toBeUndefined();
    expect(gunzipSync(Buffer.from(await gz.body.arrayBuffer())).toString()).toBe(original);
    const br = await get(gw.port, vendorHost, '/big', { cookie, 'accept-encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(Buffer.from(await br.body.arrayBuffer())).toString()).toBe(original);
    const plain = await get(gw.port, vendorHost, '/big', { cookie });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(await plain.body.text()).toBe(original);
  });

  it('streams a 50 MB download with backpressure: a paused reader stops the upstream, nothing is buffered', async () => {
    const total = 50 * 1024 * 1024;
    const res = await get(gw.port, echoHost, '/large?mb=50', { cookie });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(total));
    // A reader that stops after 1 MB and goes away: the upstream transfer is abandoned too.
    let received = 0;
    for await (const chunk of res.body) {
      received += (chunk as Buffer).length;
      if (received >= 1024 * 1024) break;
    }
    const paused = await get(gw.port, echoHost, '/large?mb=50', { cookie });
    paused.body.pause();
    let last = -1;
    while (echo.largeSent() !== last) {
      last = echo.largeSent();
      await new Promise((r) => setTimeout(r, 200));
    }
    // Socket buffers and stream high-water marks only: a few MB, not the 50 MB body.
    expect(echo.largeSent()).toBeLessThan(16 * 1024 * 1024);
    let all = 0;
    for await (const chunk of paused.body) all += (chunk as Buffer).length;
    expect(all).toBe(total);
  });
});
