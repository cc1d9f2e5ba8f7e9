import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; never log secrets or raw user identifiers beyond what audit needs. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'passway' },
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'], censor: '[redacted]' },
  });
}
