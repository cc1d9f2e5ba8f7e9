import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import pino from 'pino';
import { startServer } from '../../gateway/server';
import { loadOrCreateKeyPair } from '../../demo/keys';

const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('graceful shutdown', () => {
  it('lets in-flight requests finish, then refuses new connections', async () => {
    const running = await startServer((_req, res) => setTimeout(() => res.end('finished'), 300), { host: '127.0.0.1', port: 0, shutdownGraceMs: 5_000, logger });
    const inFlight = get(running.port);
    await sleep(50);
    const stopped = running.shutdown();
    await expect(inFlight).resolves.toEqual({ status: 200, body: 'finished' });
    await stopped;
    await expect(get(running.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('cuts requests still running when the grace period ends', async () => {
    const running = await startServer(() => undefined, { host: '127.0.0.1', port: 0, shutdownGraceMs: 200, logger });
    const hanging = get(running.port);
    await sleep(50);
    await running.shutdown();
    await expect(hanging).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('passes the upgrades it is told to take to the upgrade handler, and cuts them when the grace period ends', async () => {
    const running = await startServer((_req, res) => res.end('plain request'), {
      host: '127.0.0.1',
      port: 0,
      shutdownGraceMs: 200,
      logger,
      upgrade: { should: (req) => req.headers.upgrade === 'websocket', handle: (_req, socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n') },
    });
    const upgradeTo = (protocol: string) =>
      new Promise<{ upgraded: boolean; socket?: Duplex; body?: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: running.port, path: '/', agent: false, headers: { Connection: 'Upgrade', Upgrade: protocol } });
        req.on('upgrade', (_res, socket) => resolve({ upgraded: true, socket }));
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ upgraded: false, body }));
        });
        req.on('error', reject);
        req.end();
      });
    // An upgrade the server does not take (h2c) is an ordinary request.
    await expect(upgradeTo('h2c')).resolves.toEqual({ upgraded: false, body: 'plain request' });
    const open = await upgradeTo('websocket');
    expect(open.upgraded).toBe(true);
    const closed = new Promise((resolve) => open.socket!.on('close', resolve));
    await running.shutdown(); // resolves although the upgraded socket never ends by itself
    await closed;
  });

  it('names the port when it is taken', async () => {
    const first = await startServer((_req, res) => res.end(), { host: '127.0.0.1', port: 0, shutdownGraceMs: 100, logger });
    await expect(startServer((_req, res) => res.end(), { host: '127.0.0.1', port: first.port, shutdownGraceMs: 100, logger })).rejects.toThrow(
      `port ${first.port} on 127.0.0.1 is already in use`,
    );
    await first.shutdown();
  });
});

describe('HTTPS', () => {
  function peerFingerprint(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false }, (res) => {
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate();
        res.resume();
        res.on('end', () => resolve(cert?.fingerprint256 ?? ''));
      });
      req.on('error', reject);
    });
  }

  it('serves the configured certificate and picks up a renewed one without a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'passway-tls-'));
    const first = await loadOrCreateKeyPair(path.join(dir, 'one'), 'gw.example.edu');
    const second = await loadOrCreateKeyPair(path.join(dir, 'two'), 'gw.example.edu');
    const tls = { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') };
    copyFileSync(path.join(dir, 'one', 'cert.pem'), tls.certFile);
    copyFileSync(path.join(dir, 'one', 'key.pem'), tls.keyFile);

    const running = await startServer((_req, res) => res.end('secure'), { host: '127.0.0.1', port: 0, tls, shutdownGraceMs: 100, logger, tlsPollMs: 50 });
    expect(await peerFingerprint(running.port)).toBe(new X509Certificate(first.certificatePem).fingerprint256);

    await sleep(20); // a later mtime than the first copy
    copyFileSync(path.join(dir, 'two', 'key.pem'), tls.keyFile);
    copyFileSync(path.join(dir, 'two', 'cert.pem'), tls.certFile);
    const renewed = new X509Certificate(second.certificatePem).fingerprint256;
    let seen = '';
    for (let attempt = 0; attempt < 100 && seen !== renewed; attempt++) {
      await sleep(50);
      seen = await peerFingerprint(running.port);
    }
    expect(seen).toBe(renewed);
    await running.shutdown();
  });
});
