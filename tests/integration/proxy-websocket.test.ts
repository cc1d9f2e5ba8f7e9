/**
 * WebSockets through the rewriting proxy: a real `ws` echo server as the vendor on 127.0.0.1, a real
 * `ws` client against the real gateway. The handshake passes the checks of any proxied request (host,
 * catalogue, session, licence, SSRF guard), carries the session's vendor cookies and a mapped Origin.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { get, member, proxiedHost, signedIn, startGateway, type RunningGateway } from './proxy-harness';
import { connect, nextMessage, WebSocketServer, type WsServer } from '../helpers/ws';

interface Vendor {
  port: number;
  /** Headers of every WebSocket handshake that reached the vendor. */
  handshakes: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** HTTP /login sets a vendor cookie; WebSocket /echo sends every message back. */
async function startVendor(): Promise<Vendor> {
  const handshakes: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', ...(req.url === '/login' ? { 'Set-Cookie': 'vendor_sid=v-123; Path=/; HttpOnly' } : {}) });
    res.end('vendor page');
  });
  const wss: WsServer = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    handshakes.push(req.headers);
    socket.on('message', (data) => socket.send(`echo: ${data.toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    handshakes,
    close: () =>
      new Promise((resolve) => {
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let vendor: Vendor;
let gw: RunningGateway;
let cookie: string;

const DNS: Record<string, string[]> = { 'www.vendor.com': ['127.0.0.1'], 'private.vendor.com': ['127.0.0.1'] };
const resource = (id: string, host: string, allowPrivate: boolean, institution = 'demo-university') => ({
  id,
  title: { en: id },
  vendor: id,
  hosts: [{ host, allowPrivate }],
  access: [{ kind: 'proxy' as const, start: `http://${host}/` }],
  licences: [{ institution }],
});

const vendorHost = () => proxiedHost(`www-vendor-com---http-${vendor.port}`, gw.port);
const wsUrl = (path: string) => `ws://127.0.0.1:${gw.port}${path}`;

beforeAll(async () => {
  vendor = await startVendor();
  gw = await startGateway(
    () => ({
      institutions: [
        { id: 'demo-university', name: { en: 'Demo University' } },
        { id: 'other', name: { en: 'Other College' } },
      ],
      resources: [
        resource('vendor', `www.vendor.com:${vendor.port}`, true),
        // Catalogued, resolves to 127.0.0.1, but not allowed to reach a private address.
        resource('private', `private.vendor.com:${vendor.port}`, false),
        resource('elsewhere', `licensed.vendor.com:${vendor.port}`, true, 'other'),
      ],
    }),
    { resolve: async (name) => DNS[name] ?? [] },
  );
  cookie = await signedIn(gw.gateway);
});

afterAll(async () => {
  await gw?.close();
  await vendor?.close();
});

describe('WebSockets through the proxy', () => {
  it('echoes through the proxy when signed in, with the jar\'s vendor cookie and the vendor\'s Origin', async () => {
    // The vendor sets its cookie on an ordinary proxied page; it goes to the session's jar.
    const page = await get(gw.port, vendorHost(), '/login', { cookie });
    expect(page.statusCode).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    await page.body.text();

    const result = await connect(wsUrl('/echo?room=1'), { headers: { host: vendorHost(), cookie }, origin: `http://${vendorHost()}` });
    if (!('socket' in result)) throw new Error(`handshake refused: ${result.status} ${result.body}`);
    const reply = nextMessage(result.socket);
    result.socket.send('hello 你好');
    expect(await reply).toBe('echo: hello 你好');
    result.socket.close();

    const handshake = vendor.handshakes.at(-1)!;
    expect(handshake.cookie).toBe('vendor_sid=v-123');
    expect(handshake.origin).toBe(`http://www.vendor.com:${vendor.port}`);
    expect(handshake.host).toBe(`www.vendor.com:${vendor.port}`);
  });

  it('refuses a handshake without a session, and nothing reaches the vendor', async () => {
    const before = vendor.handshakes.length;
    const result = await connect(wsUrl('/echo'), { headers: { host: vendorHost(), 'accept-language': 'en' } });
    expect(result).toMatchObject({ status: 401 });
    expect('body' in result && result.body).toContain('Sign in through the library first');
    expect(vendor.handshakes.length).toBe(before);
  });

  it('refuses a handshake from a page that is not a proxied vendor page (cross-site WebSocket hijacking)', async () => {
    const before = vendor.handshakes.length;
    const result = await connect(wsUrl('/echo'), { headers: { host: vendorHost(), cookie }, origin: 'https://evil.example' });
    expect(result).toMatchObject({ status: 403 });
    expect(vendor.handshakes.length).toBe(before);
  });

  it('refuses a handshake to an uncatalogued host', async () => {
    const before = vendor.handshakes.length;
    const result = await connect(wsUrl('/echo'), { headers: { host: proxiedHost(`www-other-com---http-${vendor.port}`, gw.port), cookie } });
    expect(result).toMatchObject({ status: 404 });
    expect(vendor.handshakes.length).toBe(before);
    expect(gw.lines.some((l) => l.usage === true && (l.event as { type?: string }).type === 'uncatalogued')).toBe(true);
  });

  it('refuses a catalogued host that resolves to a private address it may not reach (SSRF guard)', async () => {
    const before = vendor.handshakes.length;
    const result = await connect(wsUrl('/echo'), { headers: { host: proxiedHost(`private-vendor-com---http-${vendor.port}`, gw.port), cookie, 'accept-language': 'en' } });
    expect(result).toMatchObject({ status: 403 });
    expect('body' in result && result.body).toContain('internal network address');
    expect(vendor.handshakes.length).toBe(before);
  });

  it('refuses a resource the reader is not licensed for', async () => {
    const before = vendor.handshakes.length;
    const other = await signedIn(gw.gateway, member({ subject: 'reader-2' }));
    const result = await connect(wsUrl('/echo'), { headers: { host: proxiedHost(`licensed-vendor-com---http-${vendor.port}`, gw.port), cookie: other } });
    expect(result).toMatchObject({ status: 403 });
    expect(vendor.handshakes.length).toBe(before);
  });

  it('leaves upgrades to the gateway itself to the ordinary routes (no WebSocket there)', async () => {
    const result = await connect(wsUrl('/echo'), { headers: { host: `localhost:${gw.port}` } });
    expect(result).toMatchObject({ status: 404 });
  });
});
