import type { IncomingMessage, Server } from 'node:http';

/**
 * The `ws` library (client and server) for WebSocket tests. `ws` is not a dependency of its own here:
 * playwright-core, already a dev dependency, ships it in its utils bundle, so this types the few parts used.
 */

export interface WsSocket {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  terminate(): void;
  on(event: 'open' | 'close', listener: () => void): this;
  on(event: 'message', listener: (data: Buffer) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'unexpected-response', listener: (req: unknown, res: IncomingMessage) => void): this;
  on(event: 'upgrade', listener: (res: IncomingMessage) => void): this;
}

export interface WsServer {
  on(event: 'connection', listener: (socket: WsSocket, req: IncomingMessage) => void): this;
  close(callback?: () => void): void;
}

interface WsBundle {
  ws: new (url: string, options?: { headers?: Record<string, string>; origin?: string }) => WsSocket;
  wsServer: new (options: { server: Server }) => WsServer;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle has no type declarations
const bundle = require('playwright-core/lib/utilsBundle') as WsBundle;

export const WebSocketClient = bundle.ws;
export const WebSocketServer = bundle.wsServer;

/** The outcome of a handshake: open (the socket), or the HTTP status and body the server refused with. */
export function connect(url: string, options: { headers?: Record<string, string>; origin?: string } = {}): Promise<{ socket: WsSocket } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocketClient(url, options);
    socket.on('open', () => resolve({ socket }));
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.on('error', (error) => reject(error));
  });
}

/** The next message on an open socket, as text. */
export function nextMessage(socket: WsSocket): Promise<string> {
  return new Promise((resolve) => socket.on('message', (data) => resolve(data.toString())));
}
