import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from './logger';

export interface ServerOptions {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  shutdownGraceMs: number;
  logger: Logger;
  /** How often TLS files are checked for renewal. */
  tlsPollMs?: number;
  /** Protocol upgrades (WebSockets): which requests are upgrades, and their handler; others reach `handler`. */
  upgrade?: { should: (req: http.IncomingMessage) => boolean; handle: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void };
}

export interface RunningServer {
  server: http.Server;
  port: number;
  /** Stop accepting, let in-flight requests finish (up to the grace period), then cut the rest. */
  shutdown(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

function readTls(tls: { certFile: string; keyFile: string }) {
  return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
}

/**
 * Bytes a response may hold in memory before write() asks the proxy to pause the vendor (Node's default is 16 KB).
 * undici hands over vendor bodies in chunks of up to 64 KB, so at 16 KB every chunk paused and resumed the
 * vendor side, and a 50 KB body took a drain round trip; at 256 KB a 5 MB PDF cost ~20% less CPU per request
 * (measured A/B on this machine). Per connection, so 1,000 slow browsers hold at most ~320 MB more.
 */
export const RESPONSE_HIGH_WATER_MARK = 256 * 1024;

export async function startServer(handler: Handler, options: ServerOptions): Promise<RunningServer> {
  const { logger, tls } = options;
  const serverOptions = { highWaterMark: RESPONSE_HIGH_WATER_MARK, ...(options.upgrade ? { shouldUpgradeCallback: options.upgrade.should } : {}) };
  const server: http.Server = tls ? https.createServer({ ...serverOptions, ...readTls(tls) }, handler) : http.createServer(serverOptions, handler);
  server.keepAliveTimeout = 65_000;
  // Upgraded sockets (WebSockets) leave the server's connection tracking: kept here so shutdown can cut them.
  const upgraded = new Set<Duplex>();
  const upgrade = options.upgrade;
  if (upgrade) {
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      upgraded.add(socket);
      socket.once('close', () => upgraded.delete(socket));
      upgrade.handle(req, socket, head);
    });
  }

  const reloadTls = () => {
    if (!tls) return;
    try {
      (server as https.Server).setSecureContext(readTls(tls));
      logger.info({ certFile: tls.certFile }, 'TLS certificate reloaded');
    } catch (error) {
      logger.error({ err: error, certFile: tls.certFile }, 'TLS certificate reload failed; keeping the previous one');
    }
  };
  if (tls) {
    for (const file of [tls.certFile, tls.keyFile]) {
      watchFile(file, { interval: options.tlsPollMs ?? 5_000, persistent: false }, (now, before) => {
        if (now.mtimeMs !== before.mtimeMs) reloadTls();
      });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${options.port} on ${options.host} is already in use; choose another with PASSWAY_PORT or server.port`) : error),
    );
    server.listen(options.port, options.host, resolve);
  });

  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= new Promise<void>((resolve) => {
      if (tls) for (const file of [tls.certFile, tls.keyFile]) unwatchFile(file);
      const force = setTimeout(() => {
        logger.warn('grace period over: closing remaining connections');
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      }, options.shutdownGraceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    }));

  return { server, port: (server.address() as AddressInfo).port, shutdown };
}
