import { Router } from 'express';
import type { UsageStatus } from '../usage';
import type { RouteContext } from './context';

/**
 * Liveness (the process answers) and readiness (the Store answers, and the usage log can be
 * written: a node that cannot log what it counts is "degraded", 503 with the reason, so a load
 * balancer sends users to a node whose usage is kept).
 */
export function healthRoutes(ctx: RouteContext, usage?: { status(): UsageStatus }): Router {
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
    const log = usage?.status();
    if (log?.writing === 'failing') {
      res.status(503).json({ status: 'degraded', store: ctx.store.kind, reason: `usage log cannot be written: ${log.writeError}` });
      return;
    }
    res.json({ status: 'ready', store: ctx.store.kind });
  });
  return router;
}
