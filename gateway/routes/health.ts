import { Router } from 'express';
import type { RouteContext } from './context';

/** Liveness (the process answers) and readiness (the Store answers too). */
export function healthRoutes(ctx: RouteContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await ctx.store.ping();
      res.json({ status: 'ready', store: ctx.store.kind });
    } catch (error) {
      ctx.logger.warn({ err: error }, 'readiness check failed: store not answering');
      res.status(503).json({ status: 'unavailable', store: ctx.store.kind, reason: (error as Error).message });
    }
  });
  return router;
}
