import pino from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { DEMO_USERS } from '../../demo';
import { startServer } from '../../gateway/server';

/** Debian's Chromium, headless, with the flags this closed network needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The demo panel's accounts, as `passway demo` shows them on the portal. */
export const DEMO_INFO = {
  idpUrl: 'http://localhost:8081',
  users: DEMO_USERS.map((u) => ({ username: u.username, password: u.password, displayName: u.displayName, affiliation: u.affiliation })),
};

/** A gateway's handler served on a free loopback port, reached as http://localhost:<port> (so *.p.localhost works in Chromium). */
export async function serveOnLocalhost(handle: Parameters<typeof startServer>[0]): Promise<{ base: string; close: () => Promise<void> }> {
  const server = await startServer(handle, { host: '127.0.0.1', port: 0, shutdownGraceMs: 100, logger: pino({ level: 'silent' }) });
  return { base: `http://localhost:${server.port}`, close: () => server.shutdown() };
}
