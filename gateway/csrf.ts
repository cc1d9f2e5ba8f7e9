import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Session } from './session';

/** The hidden form field carrying the token. */
export const CSRF_FIELD = '_csrf';

/**
 * Per-session CSRF tokens for every state-changing POST (sign-out, admin actions), after the
 * OWASP CSRF Prevention Cheat Sheet's HMAC-based token pattern: the token is an HMAC of the
 * session id under a key derived from the session secret. Nothing is stored, and since every
 * sign-in issues a new session id, a token seen before sign-in is worthless after it.
 * SameSite=Lax cookies alone do not stop same-site attackers (proxied vendor pages on
 * *.p.<gateway host> are same-site), hence the token.
 */
export class CsrfTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('passway csrf token key').digest();
  }

  token(session: Session): string {
    return createHmac('sha256', this.key).update(session.id).digest('base64url');
  }

  /** Constant-time check of a submitted token against the session's; false when either is missing. */
  valid(session: Session | undefined, submitted: unknown): boolean {
    if (!session || typeof submitted !== 'string') return false;
    const expected = Buffer.from(this.token(session));
    const given = Buffer.from(submitted);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** The token a form posted (the `_csrf` field), checked against the request's session. */
  validFor(req: Request): boolean {
    return this.valid(req.session, (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD]);
  }

  /** Express guard: the request passes only with its session's token, else `refuse` answers. */
  require(refuse: (req: Request, res: Response) => void) {
    return (req: Request, res: Response, next: NextFunction) => {
      if (this.validFor(req)) next();
      else refuse(req, res);
    };
  }
}
