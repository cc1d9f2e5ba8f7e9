import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Session, Sessions } from '../session';

/** The session data key holding the per-session CSRF token. */
const KEY = 'adminCsrf';
/** The hidden form field carrying it. */
export const CSRF_FIELD = '_csrf';

/** This session's CSRF token, created (and saved) on first use. */
export async function csrfToken(sessions: Sessions, session: Session): Promise<string> {
  const existing = session.data[KEY];
  if (typeof existing === 'string') return existing;
  const token = randomBytes(32).toString('base64url');
  session.data[KEY] = token;
  await sessions.save(session);
  return token;
}

/** Constant-time check of the submitted token against the session's; false when either is missing. */
export function csrfValid(session: Session | undefined, submitted: unknown): boolean {
  const expected = session?.data[KEY];
  if (typeof expected !== 'string' || typeof submitted !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Guard for state-changing admin requests: the form's hidden `_csrf` must equal the session's
 * token. SameSite=Lax cookies alone do not stop same-site attackers (other apps on a sibling
 * subdomain, such as proxied vendor hosts under p.<gateway>), so every POST carries the token.
 */
export function requireCsrf(refuse: (req: Request, res: Response) => void) {
  return (req: Request, res: Response, next: NextFunction) => {
    const body = req.body as Record<string, unknown> | undefined;
    if (csrfValid(req.session, body?.[CSRF_FIELD])) next();
    else refuse(req, res);
  };
}
