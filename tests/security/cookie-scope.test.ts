import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, WebSocketServer, type WsServer } from '../helpers/ws';
import { get, proxiedHost, signedIn, startGateway, type RunningGateway } from '../integration/proxy-harness';

/**
 * Attack class: cookies crossing vendors in the browser. Every proxied host is one label under the
 * proxy domain, so a cookie one vendor's script sets with `domain=<proxy domain>` (analytics do, for
 * the highest domain they may) is sent by the browser to every other vendor's proxied host too. The
 * proxy forwards only the browser cookies its cookie shim scoped to the requested host's resource
 * (`pw.<resource>.<name>`, under their own names), and never the gateway's own.
 *
 * Each case: the browser's Cookie header (besides the reader's session cookie), the proxied host it
 * goes to, and the Cookie header that reaches the real upstream server (undefined: none).
 */

type Host = 'a-www' | 'a-cdn' | 'b';

interface Case {
  name: string;
  input: {
    cookie: string;
    host: Host;
    via?: 'http' | 'websocket';
    /** proxy.browserCookies (default forward). */
    mode?: 'forward' | 'drop';
    /** The vendor first set `sid=jar` by Set-Cookie (the session's server-side jar). */
    jar?: boolean;
  };
  expect: string | undefined;
}

const cases: Case[] = [
  { name: 'an unscoped cookie a vendor script set for the proxy domain reaches no vendor (its own)', input: { cookie: 'track=a', host: 'a-www' }, expect: undefined },
  { name: 'an unscoped cookie a vendor script set for the proxy domain reaches no vendor (another)', input: { cookie: 'track=a', host: 'b' }, expect: undefined },
  { name: 'vendor A’s scoped cookie reaches vendor A under its own name', input: { cookie: 'pw.vendor-a.track=a', host: 'a-www' }, expect: 'track=a' },
  { name: 'vendor A’s scoped cookie reaches vendor A’s other host', input: { cookie: 'pw.vendor-a.track=a', host: 'a-cdn' }, expect: 'track=a' },
  { name: 'vendor A’s scoped cookie does not reach vendor B', input: { cookie: 'pw.vendor-a.track=a', host: 'b' }, expect: undefined },
  { name: 'of several vendors’ cookies, each vendor gets only its own', input: { cookie: 'pw.vendor-a.track=a; pw.vendor-b.track=b; other=1', host: 'b' }, expect: 'track=b' },
  { name: 'several scoped cookies keep their order and values byte for byte', input: { cookie: 'pw.vendor-a.x=1; junk=2; pw.vendor-a.y=%22q%22; pw.vendor-a.z==', host: 'a-www' }, expect: 'x=1; y=%22q%22; z==' },
  { name: 'odd spacing around pairs', input: { cookie: '  pw.vendor-a.t=1 ;pw.vendor-a.u=2;;', host: 'a-www' }, expect: 't=1; u=2' },
  { name: 'a nameless cookie set through the shim goes as its value alone', input: { cookie: 'pw.vendor-a.=v', host: 'a-www' }, expect: 'v' },
  { name: 'a resource id that only starts like this one’s is another resource', input: { cookie: 'pw.vendor-a-2.x=1; pw.vendor-ax=1; pw.vendor-a=1; PW.vendor-a.y=1', host: 'a-www' }, expect: undefined },
  { name: 'the gateway’s session cookie is never forwarded', input: { cookie: '', host: 'a-www' }, expect: undefined },
  {
    name: 'the gateway’s other cookies (handoff nonce, remembered IdP, login state) are never forwarded',
    input: { cookie: 'passway_handoff_n0nce=1; __Host-passway_handoff_n0nce=1; passway_idp=demo-idp; passway_login_x=s%3Ay', host: 'a-www' },
    expect: undefined,
  },
  { name: 'the jar wins a name clash, scoped browser cookies follow', input: { cookie: 'pw.vendor-a.sid=browser; pw.vendor-a.k=1', host: 'a-www', jar: true }, expect: 'sid=jar; k=1' },
  { name: 'a WebSocket handshake carries only the host’s resource’s cookies', input: { cookie: 'pw.vendor-a.track=a; pw.vendor-b.track=b; track=x', host: 'a-www', via: 'websocket' }, expect: 'track=a' },
  { name: 'a WebSocket handshake to vendor B carries none of vendor A’s', input: { cookie: 'pw.vendor-a.track=a; track=x', host: 'b', via: 'websocket' }, expect: undefined },
  { name: 'browserCookies: drop forwards no browser cookie, scoped or not', input: { cookie: 'pw.vendor-a.track=a; track=x', host: 'a-www', mode: 'drop' }, expect: undefined },
  { name: 'browserCookies: drop on a WebSocket handshake too', input: { cookie: 'pw.vendor-a.track=a', host: 'a-www', via: 'websocket', mode: 'drop' }, expect: undefined },
];

/** What reached the vendor: one record per request or handshake, by the request id in its path. */
interface Upstream {
  port: number;
  cookies: Map<string, string | undefined>;
  close(): Promise<void>;
}

/** The vendor behind all three hosts: records each request's Cookie header; /set-jar sets `sid=jar`; WebSocket upgrades accepted. */
async function startUpstream(): Promise<Upstream> {
  const cookies = new Map<string, string | undefined>();
  const record = (req: http.IncomingMessage) => cookies.set(new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '', req.headers.cookie);
  const server = http.createServer((req, res) => {
    record(req);
    res.writeHead(200, { 'Content-Type': 'text/plain', ...(req.url?.startsWith('/set-jar') ? { 'Set-Cookie': 'sid=jar; Path=/' } : {}) });
    res.end('ok');
  });
  const wss: WsServer = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    record(req);
    socket.close();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cookies,
    close: () =>
      new Promise((resolve) => {
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let upstream: Upstream;
const gateways = new Map<'forward' | 'drop', RunningGateway>();
const UPSTREAM_NAMES: Record<Host, string> = { 'a-www': 'www.vendor-a.com', 'a-cdn': 'cdn.vendor-a.com', b: 'www.vendor-b.com' };

beforeAll(async () => {
  upstream = await startUpstream();
  const resource = (id: string, names: string[]) => ({
    id,
    title: { en: id },
    vendor: id,
    hosts: names.map((name) => ({ host: `${name}:${upstream.port}`, allowPrivate: true })),
    access: [{ kind: 'proxy' as const, start: `http://${names[0]}:${upstream.port}/` }],
    licences: [{ institution: 'demo-university' }],
  });
  for (const mode of ['forward', 'drop'] as const) {
    gateways.set(
      mode,
      await startGateway(
        () => ({
          institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
          resources: [resource('vendor-a', [UPSTREAM_NAMES['a-www'], UPSTREAM_NAMES['a-cdn']]), resource('vendor-b', [UPSTREAM_NAMES.b])],
          proxy: { browserCookies: mode },
        }),
        { resolve: async (name) => (Object.values(UPSTREAM_NAMES).includes(name) ? ['127.0.0.1'] : []) },
      ),
    );
  }
});

afterAll(async () => {
  for (const gw of gateways.values()) await gw.close();
  await upstream?.close();
});

test.each(cases.map((c, i) => ({ ...c, id: String(i) })))('$name', async ({ id, input, expect: want }) => {
  const gw = gateways.get(input.mode ?? 'forward')!;
  const host = proxiedHost(`${UPSTREAM_NAMES[input.host].replace(/-/g, '--').replace(/\./g, '-')}---http-${upstream.port}`, gw.port);
  const session = await signedIn(gw.gateway);
  const cookie = [session, input.cookie].filter(Boolean).join('; ');
  if (input.jar) {
    const res = await get(gw.port, host, `/set-jar?id=jar-${id}`, { cookie: session });
    await res.body.text();
    expect(res.statusCode).toBe(200);
  }
  if (input.via === 'websocket') {
    const result = await connect(`ws://127.0.0.1:${gw.port}/ws?id=${id}`, { headers: { host, cookie } });
    expect('socket' in result).toBe(true);
    if ('socket' in result) result.socket.terminate();
  } else {
    const res = await get(gw.port, host, `/page?id=${id}`, { cookie });
    await res.body.text();
    expect(res.statusCode).toBe(200);
  }
  expect(upstream.cookies.has(id)).toBe(true);
  expect(upstream.cookies.get(id)).toBe(want);
});

test('every proxied host serves the cookie shim of its own resource, without a session and without asking the vendor', async () => {
  const gw = gateways.get('forward')!;
  const seenBefore = upstream.cookies.size;
  for (const [host, scope] of [['a-www', 'pw.vendor-a.'], ['a-cdn', 'pw.vendor-a.'], ['b', 'pw.vendor-b.']] as const) {
    const res = await get(gw.port, proxiedHost(`${UPSTREAM_NAMES[host].replace(/-/g, '--').replace(/\./g, '-')}---http-${upstream.port}`, gw.port), '/.passway/cookies.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(await res.body.text()).toContain(`("${scope}", "p.localhost")`);
  }
  expect(upstream.cookies.size).toBe(seenBefore);
});
