import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign } from 'cookie-signature';
import { RedisStore } from '../../gateway/store';
import { TEST_SECRET } from '../helpers/gateway';
import { get, proxiedHost, signedIn, startGateway, type RunningGateway } from './proxy-harness';
import { cookieShimTag } from '../../gateway/proxy/cookie-shim';

/**
 * The relay between the vendor's response and the browser (gateway/proxy/relay.ts): bodies that
 * arrive in many pieces, informational responses, a browser that leaves early, and the Store down.
 */

interface Vendor {
  port: number;
  /** Requests to /slow waiting for an answer, and those whose connection closed before it. */
  waiting: () => number;
  abandoned: () => number;
  release: () => void;
  close(): Promise<void>;
}

/** A page of `count` links to the vendor's own origin, with text between them, as the vendor writes it. */
function linkPage(origin: string, count: number): string {
  const items = Array.from({ length: count }, (_, i) => `<li><a href="${origin}/article/${i}">Article ${i}</a> — <img src="//${origin.slice(7)}/cover/${i}.png" alt=""> 文献 ${i}</li>`);
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Links</title></head><body><ul>\n${items.join('\n')}\n</ul></body></html>`;
}

async function startVendor(): Promise<Vendor> {
  let abandoned = 0;
  const waiting: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    if (req.url === '/pieces') {
      // ~300 KB of HTML written in uneven pieces with pauses, so the proxy reads it in many chunks
      // whose boundaries fall inside URLs.
      const body = Buffer.from(linkPage(origin, 2500));
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      let at = 0;
      const step = () => {
        if (at >= body.length) return void res.end();
        const size = 997 + ((at * 7) % 40_000);
        res.write(body.subarray(at, at + size));
        at += size;
        setTimeout(step, 2);
      };
      step();
    } else if (req.url === '/hints') {
      res.writeEarlyHints({ link: `<${origin}/style.css>; rel=preload; as=style` });
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<a href="${origin}/next">next</a>`);
    } else if (req.url === '/slow') {
      res.on('close', () => {
        if (!res.writableFinished) abandoned++;
      });
      waiting.push(() => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('late'));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    waiting: () => waiting.length,
    abandoned: () => abandoned,
    release: () => waiting.splice(0).forEach((answer) => answer()),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let vendor: Vendor;
let gw: RunningGateway;
let cookie: string;
let host: string;

const resource = (port: number) => ({
  id: 'pieces',
  title: { en: 'Pieces' },
  vendor: 'Pieces',
  hosts: [{ host: `localhost:${port}`, allowPrivate: true }],
  access: [{ kind: 'proxy' as const, start: `http://localhost:${port}/` }],
  licences: [{ institution: 'demo-university' }],
});

beforeAll(async () => {
  vendor = await startVendor();
  gw = await startGateway(() => ({ institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }], resources: [resource(vendor.port)] }), {
    resolve: async () => ['127.0.0.1'],
  });
  cookie = await signedIn(gw.gateway);
  host = proxiedHost(`localhost---http-${vendor.port}`, gw.port);
});

afterAll(async () => {
  vendor.release();
  await gw?.close();
  await vendor?.close();
});

it('rewrites a page that arrives in hundreds of pieces exactly as a whole one, to the last byte', async () => {
  const origin = `http://localhost:${vendor.port}`;
  // The URLs mapped, and the cookie shim first in <head> (gateway/proxy/cookie-shim.ts).
  const expected = linkPage(`http://${host}`, 2500).replace('<head>', `<head>${cookieShimTag()}`);
  const res = await get(gw.port, host, '/pieces', { cookie });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-length']).toBeUndefined();
  const text = await res.body.text();
  expect(text.length).toBe(expected.length);
  expect(text).toBe(expected);
  expect(text).not.toContain(origin);
});

it('passes over informational responses (103 Early Hints) and relays the final one', async () => {
  const res = await get(gw.port, host, '/hints', { cookie });
  expect(res.statusCode).toBe(200);
  expect(await res.body.text()).toBe(`<a href="http://${host}/next">next</a>`);
});

it('gives up the vendor request when the browser leaves before the vendor answers', async () => {
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 100 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  const before = vendor.abandoned();
  const controller = new AbortController();
  const browser = http.request({ host: '127.0.0.1', port: gw.port, path: '/slow', headers: { host, cookie }, signal: controller.signal });
  browser.on('error', () => undefined);
  browser.end();
  await until(() => vendor.waiting() > 0);
  expect(vendor.waiting()).toBe(1);
  controller.abort();
  await until(() => vendor.abandoned() > before);
  expect(vendor.abandoned()).toBe(before + 1);
  vendor.release();
});

it('answers 503 with Retry-After and a readable page when the session store is down, and asks the vendor nothing', async () => {
  const store = new RedisStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'passway-test:down:', connectTimeoutMs: 500 });
  const down = await startGateway(() => ({ institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }], resources: [resource(vendor.port)] }), { store });
  try {
    const signed = `passway_sid=s:${encodeURIComponent(sign('some-session-id', TEST_SECRET))}`;
    const before = vendor.abandoned();
    const res = await get(down.port, proxiedHost(`localhost---http-${vendor.port}`, down.port), '/slow', { cookie: signed, 'accept-language': 'en' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    const text = await res.body.text();
    expect(text).toContain('Temporarily unavailable');
    expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(down.lines.some((l) => l.msg === 'proxy: session store unavailable')).toBe(true);
    expect(vendor.waiting()).toBe(0);
    expect(vendor.abandoned()).toBe(before);
  } finally {
    await down.close();
    await store.close();
  }
});
