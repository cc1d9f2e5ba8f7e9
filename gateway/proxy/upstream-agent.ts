import { Agent } from 'undici';
import { guardedConnector, type Resolve } from './address-guard';

export interface UpstreamTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

/**
 * The one undici Agent for every vendor: a keep-alive pool per origin, timeouts far below undici's
 * 300 s defaults, and the SSRF-guarded connector. No redirects are followed (the browser follows
 * them through the rewritten Location), nothing is cached, no HTTP/2 to vendors (pooling on HTTP/1.1
 * is what was measured).
 */
export function upstreamAgent(options: { timeouts: UpstreamTimeouts; allowPrivate: (origin: string) => boolean; maxResponseBytes?: number; resolve?: Resolve }): Agent {
  return new Agent({
    connect: guardedConnector({ connectTimeoutMs: options.timeouts.connectMs, allowPrivate: options.allowPrivate, resolve: options.resolve }),
    headersTimeout: options.timeouts.headersMs,
    bodyTimeout: options.timeouts.bodyMs,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connections: 64,
    allowH2: false,
    maxResponseSize: options.maxResponseBytes ?? -1,
  });
}
