import type { NextFunction, Request, Response } from 'express';
import type { MessageKey } from '../i18n';
import { renderMessage, type RouteContext } from '../routes/context';
import { adminRole, type AdminRole } from './roles';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by requireLibrarian / requireAdmin: the signed-in user's admin role. */
    adminRole?: AdminRole;
  }
}

/** Where a signed-out visitor goes: the bootstrap form when that is the only way in, else campus sign-in. */
export function signInPath(ctx: RouteContext, returnTo: string): string {
  const useBootstrap = ctx.config.admin.bootstrap && ctx.config.logins.length === 0;
  return `${useBootstrap ? '/admin/login' : '/ds'}?returnTo=${encodeURIComponent(returnTo)}`;
}

export function forbidden(ctx: RouteContext, req: Request, res: Response, message: MessageKey = 'adminForbiddenBody'): void {
  renderMessage(ctx, req, res, 403, { title: 'adminForbiddenTitle', message, tone: 'alert' });
}

/**
 * Only users with at least `needed` get through: signed out → sign-in with returnTo (GET) or
 * 401 (anything else, and API clients); signed in without the role → a bilingual 403.
 */
export function requireRole(ctx: RouteContext, needed: AdminRole) {
  return (req: Request, res: Response, next: NextFunction) => {
    const user = req.session?.data.user;
    if (!user) {
      if (req.method === 'GET' || req.method === 'HEAD') res.redirect(303, signInPath(ctx, req.originalUrl));
      else forbidden(ctx, req, res, 'adminSignedOutBody');
      return;
    }
    const role = adminRole(ctx.config, user);
    if (!role || (needed === 'admin' && role !== 'admin')) {
      forbidden(ctx, req, res, role ? 'adminActForbiddenBody' : 'adminForbiddenBody');
      return;
    }
    req.adminRole = role;
    next();
  };
}

/** Librarians and admins: reading reports. */
export const requireLibrarian = (ctx: RouteContext) => requireRole(ctx, 'librarian');
/** Admins only: anything that changes state (use with requireCsrf on POST). */
export const requireAdmin = (ctx: RouteContext) => requireRole(ctx, 'admin');
