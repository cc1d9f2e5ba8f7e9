import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { browseCheck, formatBrowseReport, isProblem, type BrowseReport, type Finding } from '../../gateway/vendor-browse';
import { Catalog } from '../../resource-catalog/catalog';
import type { ResourceInput } from '../../resource-catalog/schema';
import { testConfig } from '../helpers/gateway';
import { runCli } from '../helpers/process';
import { member, signedIn, startGateway } from '../integration/proxy-harness';

/**
 * A vendor of the shape the browse check is for, on loopback ports: its pages on host A, its CDN on host B.
 * The catalog entries name A only (B was removed on purpose), so the check must find B and say how to fix it.
 */

interface Server {
  port: number;
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<Server> {
  const server = http.createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

/** A 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

const ports = { a: 0, b: 0, csp: 0, clean: 0, live: 0 };
const html = (res: http.ServerResponse, body: string, headers: Record<string, string> = {}) =>
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(`<!doctype html><html lang="en"><head><title>Vendor</title>${body}`);

/** Host A: the start page loads a stylesheet and a script from B, fetches from B, and app.js builds A's own origin in pieces. */
const vendorA: http.RequestListener = (req, res) => {
  if (req.url === '/') {
    return html(
      res,
      `<link rel="stylesheet" href="http://localhost:${ports.b}/cdn/site.css"><script src="http://localhost:${ports.b}/cdn/lib.js"></script></head>` +
        `<body><h1>Vendor</h1><p id="out"></p><script src="/app.js"></script></body></html>`,
    );
  }
  if (req.url === '/app.js') {
    res.writeHead(200, { 'content-type': 'application/javascript' });
    return res.end(
      [
        `new Image().src = 'http://localhost:${ports.b}/cdn/pixel.png';`,
        `var origin = 'http://' + 'localhost:${ports.a}';`,
        "fetch(origin + '/api/data.json').catch(function () {});",
        '',
      ].join('\n'),
    );
  }
  if (req.url === '/api/data.json') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  res.writeHead(404).end();
};

/** Host B, the CDN. */
const vendorB: http.RequestListener = (req, res) => {
  if (req.url === '/cdn/site.css') return res.writeHead(200, { 'content-type': 'text/css' }).end('h1 { color: #036; }');
  if (req.url === '/cdn/lib.js') return res.writeHead(200, { 'content-type': 'application/javascript' }).end('window.lib = 1;');
  if (req.url === '/cdn/pixel.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
  res.writeHead(404).end();
};

/** A page whose own policy allows only itself: a script builds B's URL, which the policy blocks, and logs an error. */
const vendorCsp: http.RequestListener = (req, res) => {
  if (req.url === '/csp') {
    return html(
      res,
      `</head><body><h1>Vendor</h1><script src="/widget.js"></script></body></html>`,
      { 'content-security-policy': `default-src 'self' http://localhost:${ports.csp}; connect-src 'self' http://localhost:${ports.csp}` },
    );
  }
  if (req.url === '/widget.js') {
    res.writeHead(200, { 'content-type': 'application/javascript' });
    return res.end(["var api = 'http://' + 'localhost:" + ports.b + "' + '/cdn/search.json';", 'fetch(api).catch(function () {});', "console.error('widget: search unavailable');", ''].join('\n'));
  }
  res.writeHead(404).end();
};

/** A page that opens a WebSocket to B (live search), which answers no upgrade. */
const vendorLive: http.RequestListener = (req, res) => {
  if (req.url === '/') return html(res, `</head><body><h1>Live</h1><script>try { new WebSocket('ws://localhost:${ports.b}/cdn/live'); } catch (e) {}</script></body></html>`);
  res.writeHead(404).end();
};

/** A vendor that stays on its own host. */
const vendorClean: http.RequestListener = (req, res) => {
  if (req.url === '/') return html(res, '<link rel="stylesheet" href="/s.css"></head><body><h1>Clean</h1></body></html>');
  if (req.url === '/s.css') return res.writeHead(200, { 'content-type': 'text/css' }).end('h1 { color: #333; }');
  res.writeHead(404).end();
};

const entry = (id: string, port: number, start = '/'): ResourceInput => ({
  id,
  title: { en: id },
  vendor: 'Test',
  hosts: [{ host: `localhost:${port}`, allowPrivate: true }],
  access: [{ kind: 'proxy', start: `http://localhost:${port}${start}` }],
  licences: [{ institution: 'uni' }],
});

let servers: Server[] = [];
let configInput: { institutions: { id: string; name: { en: string } }[]; resources: ResourceInput[] };

beforeAll(async () => {
  servers = await Promise.all([listen(vendorA), listen(vendorB), listen(vendorCsp), listen(vendorClean), listen(vendorLive)]);
  [ports.a, ports.b, ports.csp, ports.clean, ports.live] = servers.map((s) => s.port) as [number, number, number, number, number];
  configInput = {
    institutions: [{ id: 'uni', name: { en: 'Uni' } }],
    resources: [entry('vendor', ports.a), entry('vendor-csp', ports.csp, '/csp'), entry('vendor-clean', ports.clean), entry('vendor-live', ports.live)],
  };
});
afterAll(() => Promise.all(servers.map((s) => s.close())));

async function browse(id: string): Promise<BrowseReport> {
  const config = testConfig(configInput);
  return browseCheck({ config, catalog: new Catalog(config.resources), id, timeoutMs: 20_000 });
}

const byUrl = (report: BrowseReport, url: string): Finding | undefined => report.findings.find((f) => f.url === url);

describe('passway vendor check --browse', () => {
  it('finds the CDN host removed from the catalog entry, with a host rule, and the URL a script assembles, with a Find/Replace', async () => {
    const report = await browse('vendor');
    const b = `localhost:${ports.b}`;
    expect(report.landed).toBe(`http://localhost:${ports.a}/`);
    expect(report.proxiedRequests).toBeGreaterThanOrEqual(2); // the page and app.js

    // One finding for the host: named in the page, so the host rule alone is the fix (the rewriter maps B's URLs once B is claimed).
    const cdn = report.findings.filter((f) => f.host === b);
    expect(cdn).toEqual([
      expect.objectContaining({ kind: 'uncatalogued', hostRule: { host: b, allowPrivate: true }, urls: [`http://${b}/cdn/lib.js`, `http://${b}/cdn/pixel.png`, `http://${b}/cdn/site.css`] }),
    ]);
    expect(cdn[0]?.findReplace).toBeUndefined();
    expect(cdn[0]?.message).toBe(`3 requests went directly to ${b}, not through the proxy (http://${b}/cdn/lib.js, http://${b}/cdn/pixel.png, http://${b}/cdn/site.css): the host is in no catalog entry`);

    const assembled = byUrl(report, `http://localhost:${ports.a}/api/data.json`);
    expect(assembled).toMatchObject({
      kind: 'escaped',
      host: `localhost:${ports.a}`,
      source: { url: `http://localhost:${ports.a}/app.js`, line: 3 },
      findReplace: { find: `'http://' + 'localhost:${ports.a}'`, replace: `'http://localhost:${ports.a}'`, exact: true, in: `http://localhost:${ports.a}/app.js` },
    });
    expect(assembled?.hostRule).toBeUndefined();
    expect(report.findings.filter((f) => f.kind === 'console')).toEqual([]); // the CORS failures are the requests above, not repeated

    const text = formatBrowseReport(report);
    expect(text).toContain(`add to hosts of vendor: { host: ${b}, allowPrivate: true }`);
    expect(text).toContain(`add to rewrite.rules of vendor: { find: "'http://' + 'localhost:${ports.a}'", replace: "'http://localhost:${ports.a}'" }`);
  });

  it('after the suggested host rule and Find/Replace, nothing leaves the proxy', async () => {
    const config = testConfig({
      ...configInput,
      resources: [
        {
          ...entry('vendor', ports.a),
          hosts: [
            { host: `localhost:${ports.a}`, allowPrivate: true },
            { host: `localhost:${ports.b}`, allowPrivate: true },
          ],
          rewrite: { rules: [{ find: `'http://' + 'localhost:${ports.a}'`, replace: `'http://localhost:${ports.a}'` }] },
        },
      ],
    });
    const report = await browseCheck({ config, catalog: new Catalog(config.resources), id: 'vendor', timeoutMs: 20_000 });
    expect(report.findings).toEqual([]);
  });

  it('reports a CSP block of a URL built in a script, with both fixes, and a console error', async () => {
    const report = await browse('vendor-csp');
    const b = `localhost:${ports.b}`;
    const blocked = report.findings.find((f) => f.kind === 'csp');
    expect(blocked).toMatchObject({
      host: b,
      hostRule: { host: b, allowPrivate: true },
      findReplace: { find: `'http://' + 'localhost:${ports.b}' + '/cdn/search.json'`, replace: `'http://localhost:${ports.b}/cdn/search.json'`, exact: true },
    });
    expect(blocked?.message).toContain('connect-src');
    expect(report.findings.filter((f) => f.kind === 'console').map((f) => f.message)).toEqual([
      expect.stringContaining('console error: widget: search unavailable'),
    ]);
    expect(report.findings.filter((f) => f.kind === 'uncatalogued' || f.kind === 'escaped')).toEqual([]); // blocked before it was sent
  });

  it('finds a WebSocket opened to an uncatalogued host', async () => {
    const report = await browse('vendor-live');
    const b = `localhost:${ports.b}`;
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'uncatalogued', url: `ws://${b}/cdn/live`, hostRule: { host: b, allowPrivate: true } })]); // its failure on the console is not repeated
  });

  it('says so when the test identity is not let in or the start page fails', async () => {
    const later = testConfig({ ...configInput, resources: [{ ...entry('vendor-clean', ports.clean), licences: [{ institution: 'uni', from: '2999-01-01' }] }] });
    const refused = await browseCheck({ config: later, catalog: new Catalog(later.resources), id: 'vendor-clean', timeoutMs: 20_000 });
    expect(refused.findings).toEqual([
      expect.objectContaining({ kind: 'start', message: expect.stringMatching(/^the test identity \(member of uni\) was not let in: the browser ended on the gateway's \/go\/vendor-clean/) }),
    ]);

    const missing = testConfig({ ...configInput, resources: [entry('vendor-clean', ports.clean, '/gone')] });
    const gone = await browseCheck({ config: missing, catalog: new Catalog(missing.resources), id: 'vendor-clean', timeoutMs: 20_000 });
    expect(gone.findings).toEqual([expect.objectContaining({ kind: 'start', message: 'the start page answered 404 Not Found through the proxy' })]);
  });

  it('with --session, browses the running gateway at its public URL through its launch link', async () => {
    const gw = await startGateway(() => configInput);
    try {
      const config = testConfig({ ...configInput, server: { publicUrl: gw.base } });
      const session = await signedIn(gw.gateway, member({ institution: 'uni' }));
      const report = await browseCheck({ config, catalog: new Catalog(config.resources), id: 'vendor', session, timeoutMs: 20_000 });
      expect(report.identity).toBeUndefined();
      expect(report.startUrl).toBe(`${gw.base}/go/vendor?target=${encodeURIComponent(`http://localhost:${ports.a}/`)}`);
      expect(report.landed).toBe(`http://localhost:${ports.a}/`);
      expect(report.findings.find((f) => f.host === `localhost:${ports.b}`)).toMatchObject({ kind: 'uncatalogued', hostRule: { host: `localhost:${ports.b}`, allowPrivate: true } });
      expect(report.findings.find((f) => f.kind === 'escaped')?.findReplace).toMatchObject({ find: `'http://' + 'localhost:${ports.a}'` });

      const signedOut = await browseCheck({ config, catalog: new Catalog(config.resources), id: 'vendor', session: 's:forged', timeoutMs: 20_000 });
      expect(signedOut.findings).toEqual([expect.objectContaining({ kind: 'start', message: expect.stringMatching(/^the given session was not let in: the browser ended on the gateway's \//) })]);
    } finally {
      await gw.close();
    }
  });

  it('the command: exit 1 and a JSON report with findings, exit 0 for a clean vendor, exit 2 without Chromium', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'passway-browse-'));
    const file = path.join(dir, 'passway.yaml');
    writeFileSync(file, JSON.stringify(configInput));

    const broken = await runCli(['vendor', 'check', '--browse', 'vendor', '--config', file, '--json']);
    expect(broken.code).toBe(1);
    const report = JSON.parse(broken.stdout) as BrowseReport;
    expect(report.findings.filter(isProblem).map((f) => f.host)).toContain(`localhost:${ports.b}`);

    const clean = await runCli(['vendor', 'check', '--browse', 'vendor-clean', '--config', file]);
    expect(clean.stdout).toContain('✓ no request left the proxy, no CSP block, no console error');
    expect(clean.code).toBe(0);

    const noChromium = await runCli(['vendor', 'check', '--browse', 'vendor', '--config', file, '--chromium', path.join(dir, 'no-chromium')]);
    expect(noChromium.code).toBe(2);
    expect(noChromium.stderr).toBe(`passway vendor check --browse: no Chromium at ${path.join(dir, 'no-chromium')}: install Debian's chromium package (apt-get install chromium) or give --chromium <path>\n`);
  });
});
