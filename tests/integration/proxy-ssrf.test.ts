/**
 * Open-proxy and SSRF attempts against the rewriting proxy (issue 5, Tests): IP-literal upstreams,
 * catalogued names that resolve to link-local / metadata addresses, redirects to uncatalogued
 * hosts, absolute-form targets, Host header games and look-alike hosts. Every refusal is checked
 * on the upstream side too: the trap servers record each request that reaches them.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { get, proxiedHost, signedIn, startGateway, type RunningGateway } from './proxy-harness';

interface Trap {
  port: number;
  seen: { url: string; host: string }[];
  close(): Promise<void>;
}

/** An upstream that records every request and answers a few redirects. */
async function startTrap(): Promise<Trap> {
  const seen: Trap['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host ?? '' });
    const own = `http://${req.headers.host ?? ''}`;
    const redirects: Record<string, string> = {
      '/redirect-out': 'https://evil.example/steal?c=1',
      '/redirect-lookalike': `http://www.vendor.com.evil.example:${port()}/x`,
      '/redirect-ip': `http://127.0.0.1:${port()}/admin`,
      '/redirect-metadata': 'http://169.254.169.254/latest/meta-data/',
      '/redirect-in': `${own}/landing`,
    };
    const to = redirects[req.url ?? ''];
    if (to) {
      res.writeHead(302, { Location: to });
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`upstream ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = () => (server.address() as AddressInfo).port;
  return { port: port(), seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let trap: Trap; // catalogued as www.vendor.com:<port> (pinned to 127.0.0.1, allowPrivate)
let ipTrap: Trap; // catalogued as the IP literal 127.0.0.1:<port>, WITHOUT allowPrivate
let ipAllowed: Trap; // catalogued as the IP literal 127.0.0.1:<port>, with allowPrivate
let gw: RunningGateway;
let cookie: string;
const resolved: string[] = [];

/** Pinned DNS: what each name "resolves" to; anything else resolves to nothing. */
const DNS: Record<string, string[]> = {
  'www.vendor.com': ['127.0.0.1'],
  'vendor.com': ['127.0.0.1'],
  'metadata.vendor.example': ['169.254.169.254'],
  'mapped.vendor.example': ['::ffff:169.254.169.254'],
  'mixed.vendor.example': ['10.0.0.1', '169.254.169.254', 'fe80::1'],
};

const vendorHost = () => proxiedHost(`www-vendor-com---http-${trap.port}`, gw.port);
const requestsSeen = () => trap.seen.length + ipTrap.seen.length + ipAllowed.seen.length;
const refusals = () => gw.lines.filter((l) => l.msg === 'proxy refused a private address');

const resource = (id: string, host: string, allowPrivate = false) => ({
  id,
  title: { en: id },
  vendor: id,
  hosts: [{ host, allowPrivate }],
  access: [{ kind: 'proxy' as const, start: `http://${host}/` }],
  licences: [{ institution: 'demo-university' }],
});

/** A raw HTTP/1.1 exchange (for request targets and Host headers that clients normalise away). */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (out += c));
    socket.on('end', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}
const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

beforeAll(async () => {
  [trap, ipTrap, ipAllowed] = await Promise.all([startTrap(), startTrap(), startTrap()]);
  gw = await startGateway(
    () => ({
      institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
      resources: [
        resource('vendor', `www.vendor.com:${trap.port}`, true),
        resource('ip-literal', `127.0.0.1:${ipTrap.port}`),
        resource('ip-allowed', `127.0.0.1:${ipAllowed.port}`, true),
        resource('metadata', `metadata.vendor.example:${trap.port}`),
        resource('mapped', `mapped.vendor.example:${trap.port}`),
        resource('mixed', `mixed.vendor.example:${trap.port}`),
        // Even allowPrivate does not make an uncatalogued look-alike reachable.
        resource('lookalike-owner', `vendor.com:${trap.port}`, true),
      ],
    }),
    {
      resolve: async (name) => {
        resolved.push(name);
        return DNS[name] ?? [];
      },
    },
  );
  cookie = await signedIn(gw.gateway);
});

afterAll(async () => {
  await gw?.close();
  await Promise.all([trap, ipTrap, ipAllowed].map((t) => t?.close()));
});

describe('IP-literal upstreams', () => {
  it('refuses a catalogued IP literal on a private address unless its rule allows private addresses', async () => {
    const before = requestsSeen();
    const refused = await get(gw.port, proxiedHost(`127-0-0-1---http-${ipTrap.port}`, gw.port), '/secret', { cookie });
    expect(refused.statusCode).toBe(403);
    expect(await refused.body.text()).toContain('internal network address');
    expect(ipTrap.seen).toEqual([]);
    expect(requestsSeen()).toBe(before);
    // An IP literal is never handed to the resolver: it is checked as it is.
    expect(resolved).not.toContain('127.0.0.1');

    const allowed = await get(gw.port, proxiedHost(`127-0-0-1---http-${ipAllowed.port}`, gw.port), '/ok', { cookie });
    expect(allowed.statusCode).toBe(200);
    expect(await allowed.body.text()).toBe('upstream /ok');
    expect(ipAllowed.seen).toEqual([{ url: '/ok', host: `127.0.0.1:${ipAllowed.port}` }]);
  });

  it('refuses other spellings of an IP literal (decimal, hex, octal): only the canonical label decodes', async () => {
    const before = requestsSeen();
    for (const label of [`2130706433---http-${ipAllowed.port}`, `0x7f-0-0-1---http-${ipAllowed.port}`, `0177-0-0-1---http-${ipAllowed.port}`, `127-1---http-${ipAllowed.port}`]) {
      const res = await get(gw.port, proxiedHost(label, gw.port), '/', { cookie });
      expect(res.statusCode).toBe(404);
      await res.body.text();
    }
    expect(requestsSeen()).toBe(before);
  });

  it('refuses an uncatalogued IP literal with no upstream request and no DNS lookup', async () => {
    const before = requestsSeen();
    const lookups = resolved.length;
    const res = await get(gw.port, proxiedHost(`127-0-0-1---http-${trap.port}`, gw.port), '/', { cookie });
    expect(res.statusCode).toBe(404);
    await res.body.text();
    expect(requestsSeen()).toBe(before);
    expect(resolved.length).toBe(lookups);
  });
});

describe('catalogued names that resolve to link-local (cloud metadata) addresses', () => {
  it.each([
    ['metadata.vendor.example', '169.254.169.254'],
    ['mapped.vendor.example', '::ffff:169.254.169.254'],
    ['mixed.vendor.example', '10.0.0.1'],
  ])('refuses %s (resolves to %s) with a page, a log line and no connection attempt', async (name, first) => {
    const before = requestsSeen();
    const logged = refusals().length;
    const label = `${name.replace(/\./g, '-')}---http-${trap.port}`;
    const res = await get(gw.port, proxiedHost(label, gw.port), '/latest/meta-data/iam', { cookie });
    // A connection attempt to 169.254.169.254 would time out (504) or fail (502): 403 means none was made.
    expect(res.statusCode).toBe(403);
    expect(await res.body.text()).toContain('internal network address');
    expect(resolved).toContain(name);
    expect(refusals().slice(logged)).toEqual([expect.objectContaining({ host: `${name}:${trap.port}`, address: first })]);
    expect(requestsSeen()).toBe(before);
  });
});

describe('upstream redirects', () => {
  it('maps a redirect within the catalogued host to its proxied host (control)', async () => {
    const res = await get(gw.port, vendorHost(), '/redirect-in', { cookie });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`http://${vendorHost()}/landing`);
  });

  it.each([
    ['/redirect-out', () => 'https://evil.example/steal?c=1'],
    ['/redirect-lookalike', () => `http://www.vendor.com.evil.example:${trap.port}/x`],
    ['/redirect-metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ['/redirect-ip', () => `http://127.0.0.1:${trap.port}/admin`],
  ])('leaves a redirect to an uncatalogued host (%s) as it is: never mapped to a proxied host, never followed by the gateway', async (path, target) => {
    const before = requestsSeen();
    const res = await get(gw.port, vendorHost(), path, { cookie });
    expect(res.statusCode).toBe(302);
    const location = String(res.headers.location);
    expect(location).toBe(target());
    expect(location).not.toContain('.p.localhost');
    // Only the redirect itself reached an upstream: the gateway did not follow it.
    expect(requestsSeen()).toBe(before + 1);
    // The browser following it leaves the gateway: the gateway is not an open redirect to a proxied copy.
    expect(new URL(location).host).not.toContain(`${gw.port}`);
  });

  it('refuses the proxied form of an uncatalogued redirect target, with a page and an event', async () => {
    const before = requestsSeen();
    const res = await get(gw.port, proxiedHost('evil-example', gw.port), '/steal?c=1', { cookie });
    expect(res.statusCode).toBe(404);
    await res.body.text();
    expect(gw.lines.filter((l) => l.usage === true).map((l) => l.event)).toContainEqual({ type: 'uncatalogued', host: 'evil.example' });
    expect(requestsSeen()).toBe(before);
  });
});

describe('request targets', () => {
  it.each([
    ['absolute-form to an uncatalogued host', 'http://evil.example/x'],
    ['absolute-form to another catalogued host', () => `http://127.0.0.1:${ipAllowed.port}/x`],
    ['absolute-form to the metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['scheme-relative', '//evil.example/x'],
    ['asterisk-form', '*'],
  ])('refuses %s on a proxied host with 400 and no upstream request', async (_name, target) => {
    const before = requestsSeen();
    const path = typeof target === 'function' ? target() : target;
    const response = await raw(gw.port, `GET ${path} HTTP/1.1\r\nHost: ${vendorHost()}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(response)).toBe(400);
    expect(requestsSeen()).toBe(before);
  });

  it('does not tunnel CONNECT', async () => {
    const before = requestsSeen();
    const response = await raw(gw.port, `CONNECT 127.0.0.1:${ipAllowed.port} HTTP/1.1\r\nHost: ${vendorHost()}\r\nCookie: ${cookie}\r\n\r\n`);
    expect(statusOf(response)).not.toBe(200);
    expect(requestsSeen()).toBe(before);
  });
});

describe('Host header games', () => {
  it('treats the proxied host case-insensitively (same upstream, same Host upstream)', async () => {
    const res = await get(gw.port, vendorHost().toUpperCase(), '/case', { cookie });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('upstream /case');
    expect(trap.seen.at(-1)).toEqual({ url: '/case', host: `www.vendor.com:${trap.port}` });
  });

  it('does not proxy a Host with a trailing dot (answered by the gateway itself, nothing upstream)', async () => {
    const before = requestsSeen();
    const host = `www-vendor-com---http-${trap.port}.p.localhost.:${gw.port}`;
    const res = await get(gw.port, host, '/dot', { cookie });
    await res.body.text();
    expect(res.statusCode).not.toBe(200);
    expect(requestsSeen()).toBe(before);
  });

  it('refuses a Host with an extra port, and ignores the port of an otherwise proxied Host', async () => {
    const before = requestsSeen();
    const response = await raw(gw.port, `GET /extra HTTP/1.1\r\nHost: ${vendorHost()}:9999\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(response)).not.toBe(200);
    expect(requestsSeen()).toBe(before);
    // The gateway's port in the Host is the browser's business: the upstream is named by the label only.
    const other = await get(gw.port, `www-vendor-com---http-${trap.port}.p.localhost:1`, '/port', { cookie });
    expect(other.statusCode).toBe(200);
    await other.body.text();
    expect(trap.seen.at(-1)).toEqual({ url: '/port', host: `www.vendor.com:${trap.port}` });
  });

  it('ignores X-Forwarded-Host: the Host header alone names the upstream', async () => {
    const before = requestsSeen();
    // Gateway host + a forwarded proxied host: answered by the gateway, nothing proxied.
    const gatewayHost = await get(gw.port, `localhost:${gw.port}`, '/whoami-xfh', { cookie, 'x-forwarded-host': vendorHost() });
    await gatewayHost.body.text();
    expect(requestsSeen()).toBe(before);
    // Proxied host + a forwarded host naming another upstream: the Host's upstream, not the forwarded one.
    const proxied = await get(gw.port, vendorHost(), '/xfh', { cookie, 'x-forwarded-host': proxiedHost(`127-0-0-1---http-${ipAllowed.port}`, gw.port) });
    expect(proxied.statusCode).toBe(200);
    expect(await proxied.body.text()).toBe('upstream /xfh');
    expect(trap.seen.at(-1)).toEqual({ url: '/xfh', host: `www.vendor.com:${trap.port}` });
    expect(ipAllowed.seen.filter((s) => s.url === '/xfh')).toEqual([]);
  });

  it('does not proxy a Host that only contains the proxy domain in the middle, carries userinfo or two labels', async () => {
    const before = requestsSeen();
    for (const host of [`${vendorHost().replace(/:\d+$/, '')}.evil.example:${gw.port}`, `evil@${vendorHost()}`, `a.${vendorHost()}`]) {
      const res = await get(gw.port, host, '/probe', { cookie });
      // The gateway's own answer (a page or a 404), never the upstream's.
      expect(await res.body.text()).not.toContain('upstream /probe');
    }
    expect(requestsSeen()).toBe(before);
  });
});

describe('look-alike hosts', () => {
  it('refuses www.vendor.com.evil.example (and evil-vendor.com, vendor.com.evil) even though vendor.com is catalogued', async () => {
    const before = requestsSeen();
    const lookups = resolved.length;
    for (const label of [`www-vendor-com-evil-example---http-${trap.port}`, `evil--vendor-com---http-${trap.port}`, `vendor-com-evil---http-${trap.port}`, `wwwvendor-com---http-${trap.port}`]) {
      const res = await get(gw.port, proxiedHost(label, gw.port), '/', { cookie });
      expect(res.statusCode).toBe(404);
      await res.body.text();
    }
    expect(requestsSeen()).toBe(before);
    expect(resolved.length).toBe(lookups);
    // The catalogued name itself still works.
    const ok = await get(gw.port, proxiedHost(`vendor-com---http-${trap.port}`, gw.port), '/', { cookie });
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
  });
});
