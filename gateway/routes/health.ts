import { Router } from 'express';
import { alertLine, federationAlerts, type FederationMetadata } from '../../idp-adapters/saml';
import type { UsageStatus } from '../usage';
import type { RouteContext } from './context';

/**
 * Liveness (the process answers) and readiness (the Store answers, and the usage log can be
 * written: a node that cannot log what it counts is "degraded", 503 with the reason, so a load
 * balancer sends users to a node whose usage is kept).
 * Federation metadata within a day of expiry, expired or never loaded is "degraded" too, with the
 * reason, but answered 200: every node shares the same metadata, so taking nodes out of rotation
 * would end every sign-in and proxied session while the metadata still works, or only one
 * federation's logins fail.
 */
export function healthRoutes(ctx: RouteContext, usage?: { status(): UsageStatus }, federations: ReadonlyMap<string, FederationMetadata> = new Map()): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await ctx.store.ping();
    } catch (error) {
      ctx.logger.warn({ err: error }, 'readiness check failed: store not answering');
      res.status(503).json({ status: 'unavailable', store: ctx.store.kind, reason: (error as Error).message });
      return;
    }
    const now = Date.now();
    const metadata = [...federations.values()].flatMap((f) => federationAlerts(f.status, now)).map(alertLine);
    const log = usage?.status();
    const reasons = [...(log?.writing === 'failing' ? [`usage log cannot be written: ${log.writeError}`] : []), ...metadata];
    if (reasons.length > 0) {
      res.status(log?.writing === 'failing' ? 503 : 200).json({ status: 'degraded', store: ctx.store.kind, reason: reasons.join('; '), reasons });
      return;
    }
    res.json({ status: 'ready', store: ctx.store.kind });
  });
  return router;
}
