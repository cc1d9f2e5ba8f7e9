import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { adminRole } from '../admin/roles';
import { aggregateSource, parseFilter } from '../usage/reports';
import { reportToday, usageFor, type ReportDeps } from './admin-usage';
import type { RouteContext } from './context';

/** Does the secret hash to this configured SHA-256 (hex)? Compared in constant time. */
export function secretMatches(secret: string, sha256Hex: string): boolean {
  return timingSafeEqual(createHash('sha256').update(secret).digest(), Buffer.from(sha256Hex, 'hex'));
}

/** Which configured API token (admin.apiTokens) the bearer token is. */
export function apiTokenName(ctx: RouteContext, header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  return ctx.config.admin.apiTokens.find((token) => secretMatches(match[1]!, token.sha256))?.name;
}

/** Librarian role by session, or a configured bearer token; JSON errors (401/403) otherwise. */
function requireReader(ctx: RouteContext) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.headers.authorization !== undefined) {
      if (apiTokenName(ctx, req.headers.authorization)) next();
      else res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'invalid-token' });
      return;
    }
    const user = req.session?.data.user;
    if (!user) res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'sign-in-required' });
    else if (!adminRole(ctx.config, user)) res.status(403).json({ error: 'librarian-role-required' });
    else next();
  };
}

/** JSON for reports: GET /api/v1/usage with the same filters as /admin/usage. */
export function apiRoutes(ctx: RouteContext, source: ReportDeps = aggregateSource): Router {
  const router = Router();
  router.get('/api/v1/usage', requireReader(ctx), async (req, res) => {
    const filter = parseFilter(req.query, reportToday(ctx));
    const { rows, summary } = await usageFor(ctx, source, filter);
    res.set('Cache-Control', 'no-store').json({
      filter,
      totals: summary.totals,
      resources: summary.resources,
      denialsByReason: summary.denialsByReason,
      rows,
    });
  });
  return router;
}
