import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoadMetrics } from './metrics';

export interface RouteLabel {
  kind: string;
  /** Resource id for launch and proxy requests; '' otherwise. */
  resource: string;
}

/** Routes may name the resource a request was for (e.g. /login?url=), before the response ends. */
const labels = new WeakMap<ServerResponse, string>();

export function labelResource(res: ServerResponse, resource: string): void {
  labels.set(res, resource);
}

/** The route kind of a gateway path (not a proxied host). */
export function routeKind(path: string): RouteLabel {
  if (path.startsWith('/go/')) return { kind: 'launch', resource: decodeSegment(path.slice(4).split('/')[0] ?? '') };
  if (path === '/login') return { kind: 'launch', resource: '' };
  if (path.startsWith('/auth/') || path === '/logout') return { kind: 'auth', resource: '' };
  if (path === '/ds' || path.startsWith('/ds/')) return { kind: 'discovery', resource: '' };
  if (path === '/admin' || path.startsWith('/admin/')) return { kind: 'admin', resource: '' };
  if (path.startsWith('/api/')) return { kind: 'api', resource: '' };
  if (path === '/metrics' || path === '/healthz' || path === '/readyz') return { kind: 'ops', resource: '' };
  return { kind: 'page', resource: '' };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

export interface InstrumentOptions {
  metrics: LoadMetrics;
  /** The route label of a request; `known` keeps unknown resource ids out of metric labels. */
  classify: (req: IncomingMessage) => RouteLabel;
  known: (resource: string) => boolean;
  onStart: () => void;
  onEnd: () => void;
}

/** Wrap the gateway's one request handler: in-flight count, request counter and latency histogram. */
export function instrument(handle: (req: IncomingMessage, res: ServerResponse) => void, options: InstrumentOptions) {
  const { metrics } = options;
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const label = options.classify(req);
    options.onStart();
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      options.onEnd();
      const named = labels.get(res) ?? label.resource;
      const resource = named && options.known(named) ? named : '';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.requests.inc({ kind: label.kind, resource, status: `${Math.floor(res.statusCode / 100)}xx` });
      metrics.duration.observe({ kind: label.kind, resource }, seconds);
    };
    res.once('close', end);
    res.once('finish', end);
    handle(req, res);
  };
}
