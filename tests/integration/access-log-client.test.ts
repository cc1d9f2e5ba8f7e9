import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryStore } from '../../gateway/store';
import { createUsageLog, type UsageLog } from '../../gateway/usage';
import { startDemoPlainVendor } from '../../demo/plain-vendor';
import type { DemoServerHandle } from '../../demo/server';
import { demoLibrary, get, proxiedHost, signedIn, startGateway, type RunningGateway } from './proxy-harness';

/** The NCSA access log names the client as Express's req.ip does: X-Forwarded-For only from a proxy in server.trustProxy. */

const KEY = 'access-log-client-test-pseudonym-key-0123';
const FORWARDED = '203.0.113.7';

let vendor: DemoServerHandle;
const running: { gw: RunningGateway; usage: UsageLog; dir: string }[] = [];

beforeAll(async () => {
  vendor = await startDemoPlainVendor({ port: 0 });
});

afterAll(async () => {
  for (const { gw, usage, dir } of running) {
    await gw.close();
    await usage.close();
    rmSync(dir, { recursive: true, force: true });
  }
  await vendor?.close();
});

/** One proxied request through a gateway with `trustProxy`, sent from 127.0.0.1 with X-Forwarded-For; the access-log line back. */
async function loggedLine(trustProxy: string[]): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'passway-access-client-'));
  const store = new MemoryStore();
  const usage = createUsageLog({ dir, store, pseudonymKey: KEY, timeZone: 'UTC', accessLog: true });
  const gw = await startGateway(
    () => ({
      server: { trustProxy },
      institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
      resources: [demoLibrary(vendor.port)],
      usage: { accessLog: true, dir },
    }),
    { store, usage, resolve: async (name) => (name === 'localhost' ? ['127.0.0.1'] : []) },
  );
  running.push({ gw, usage, dir });
  const cookie = await signedIn(gw.gateway);
  const res = await get(gw.port, proxiedHost(`localhost---http-${vendor.port}`, gw.port), '/', { cookie, 'x-forwarded-for': FORWARDED });
  await res.body.dump();
  expect(res.statusCode).toBe(200);
  await usage.settle();
  const files = readdirSync(dir).filter((f) => f.startsWith('access-'));
  expect(files).toHaveLength(1);
  const lines = readFileSync(path.join(dir, files[0]!), 'utf8').trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('NCSA access log: client address', () => {
  it('is the X-Forwarded-For address when the peer is a trusted proxy', async () => {
    expect(await loggedLine(['127.0.0.1'])).toMatch(new RegExp(`^${FORWARDED.replaceAll('.', '\\.')} - `));
  });

  it('is the peer when the peer is not a trusted proxy, whatever X-Forwarded-For says', async () => {
    const untrusted = await loggedLine(['192.0.2.1']);
    expect(untrusted).toMatch(/^127\.0\.0\.1 - /);
    const none = await loggedLine([]);
    expect(none).toMatch(/^127\.0\.0\.1 - /);
  });
});
