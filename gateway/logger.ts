import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; never log secrets or raw user identifiers beyond what audit needs. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'passway' },
    // Roaming accounts' credentials are never handed to a log call; the last paths are a second line of defence.
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', 'credential', '*.credential', 'password', '*.password'], censor: '[redacted]' },
  });
}
