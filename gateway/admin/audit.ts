import type { Request } from 'express';
import type { Identity } from '../../idp-adapters/identity';
import type { RouteContext } from '../routes/context';
import { adminRole } from './roles';

/**
 * Audit one admin action: a usage event (the usage log keeps the admin only as a pseudonym) and
 * an audit log line naming who did it, from where, with the request id and any detail.
 */
export function audit(ctx: RouteContext, req: Request, action: string, ok: boolean, detail: { target?: string } & Record<string, string> = {}, actor: Identity | undefined = req.session?.data.user): void {
  ctx.recordUsage({ type: 'admin-action', action, target: detail.target, ok, institution: actor?.institution, subject: actor?.subject });
  ctx.logger.info(
    { audit: true, action, ok, role: adminRole(ctx.config, actor), actor: actor ? `${actor.institution}:${actor.subject}` : undefined, adapter: actor?.source.adapter, clientIp: req.ip, requestId: String(req.id ?? ''), ...detail },
    `admin ${action} ${ok ? 'done' : 'refused'}`,
  );
}
