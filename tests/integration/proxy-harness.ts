import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { parse } from 'yaml';
import { DEMO_CONFIG, type ConfigInput } from '../../config';
import type { Identity } from '../../idp-adapters/identity';
import type { Gateway, GatewayDeps } from '../../gateway/app';
import type { ResourceInput } from '../../resource-catalog/schema';
import { signIn, testConfig, testGateway } from '../helpers/gateway';

/** Shared set-up of the proxy integration tests: an echo upstream, a gateway on a real port, signed-in cookies. */

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Echo {
  port: number;
  seen: Seen[];
  /** Bytes /large has written so far (it respects backpressure). */
  largeSent: () => number;
  close(): Promise<void>;
}

/** An upstream that records every request; /large?mb=N streams N MB, generated as the socket drains. */
export async function startEcho(): Promise<Echo> {
  const seen: Seen[] = [];
  let largeSent = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/large') {
      const total = Number(url.searchParams.get('mb') ?? '1') * 1024 * 1024;
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      largeSent = 0;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': total });
      Readable.from(
        (function* () {
          while (largeSent < total) {
            largeSent += chunk.length;
            yield chunk;
          }
        })(),
      ).pipe(res);
      return;
    }
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', Connection: 'close, X-Hop', 'X-Hop': 'secret', 'Keep-Alive': 'timeout=5' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    largeSent: () => largeSent,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface RunningGateway {
  gateway: Gateway;
  port: number;
  lines: Record<string, unknown>[];
  /** http://localhost:<port> */
  base: string;
  close(): Promise<void>;
}

/** A gateway on 127.0.0.1:<port> whose public URL is http://localhost:<port>; config built once the port is known. */
export async function startGateway(configFor: (port: number) => ConfigInput, deps: Partial<GatewayDeps> = {}): Promise<RunningGateway> {
  const built: { gateway?: Gateway } = {}; // once the port is known; WebSocket handshakes before that are plain requests
  const server = http.createServer({ shouldUpgradeCallback: (req) => built.gateway?.shouldUpgrade(req) ?? false });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const input = configFor(port);
  const config = testConfig({ ...input, server: { publicUrl: `http://localhost:${port}`, ...input.server } });
  const { gateway, lines } = testGateway(config, deps);
  built.gateway = gateway;
  server.on('request', gateway.handle);
  server.on('upgrade', gateway.handleUpgrade);
  return {
    gateway,
    port,
    lines,
    base: `http://localhost:${port}`,
    close: async () => {
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const member = (over: Partial<Identity> = {}): Identity => ({
  subject: 'reader-1',
  institution: 'demo-university',
  affiliations: ['faculty'],
  entitlements: [],
  groups: [],
  displayName: 'Li Hua',
  source: { adapter: 'cas' },
  attributes: {},
  ...over,
});

/** A signed-in session cookie ("passway_sid=s:…"), made through the Sessions API. */
export const signedIn = async (gateway: Gateway, identity: Identity = member()): Promise<string> => (await signIn(gateway.sessions, identity)).cookie;

/** The catalog entry of the demo vendor without SAML (demo/plain-vendor.ts) on `port`, licensed to Demo University. */
export function demoLibrary(port: number, extra: Partial<ResourceInput> = {}): ResourceInput {
  return {
    id: 'demo-library',
    title: { en: 'Demo Digital Library' },
    vendor: 'Demo',
    hosts: [{ host: `localhost:${port}`, allowPrivate: true }],
    access: [{ kind: 'proxy', start: `http://localhost:${port}/` }],
    licences: [{ institution: 'demo-university' }],
    ...extra,
  };
}

/**
 * The demo vendor's catalog entry exactly as config/examples/demo.yaml ships it (hosts, anonymous URLs,
 * item patterns, Find/Replace rules), with its two hosts moved to the ports a test's vendor listens on.
 */
export function shippedDemoLibrary(ports: { site: number; cdn: number }): ResourceInput {
  const demo = parse(readFileSync(DEMO_CONFIG, 'utf8')) as { resources: ResourceInput[] };
  const entry = demo.resources.find((r) => r.id === 'demo-library');
  if (!entry) throw new Error('config/examples/demo.yaml has no demo-library entry');
  return JSON.parse(JSON.stringify(entry).replaceAll('localhost:8083', `localhost:${ports.site}`).replaceAll('localhost:8084', `localhost:${ports.cdn}`)) as ResourceInput;
}

/** The proxied Host header for an upstream origin on a gateway port (no DNS needed: we connect to 127.0.0.1). */
export function proxiedHost(upstreamLabel: string, gatewayPort: number): string {
  return `${upstreamLabel}.p.localhost:${gatewayPort}`;
}

/** A request to the gateway's port with an explicit Host header. */
export function get(port: number, host: string, path: string, headers: Record<string, string> = {}, init: { method?: string; body?: string } = {}) {
  return request(`http://127.0.0.1:${port}${path}`, { method: (init.method ?? 'GET') as 'GET', headers: { host, ...headers }, body: init.body });
}
