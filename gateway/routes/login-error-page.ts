import type { Request, Response } from 'express';
import type { LoginError } from '../../idp-adapters/types';
import { t, type MessageKey } from '../i18n';
import { renderMessage, type RouteContext } from './context';

const EXPLANATION: Partial<Record<LoginError['reason'], MessageKey>> = {
  'metadata-unavailable': 'loginReason_metadataUnavailable',
  expired: 'loginReason_expired',
  'not-yet-valid': 'loginReason_expired',
  'unknown-request': 'loginReason_unknownRequest',
  replayed: 'loginReason_unknownRequest',
  'login-not-started-here': 'loginReason_notStartedHere',
  'algorithm-refused': 'loginReason_weakAlgorithm',
  'account-blocked': 'loginReason_accountBlocked',
};

/**
 * A failed sign-in: the reason code in the log (with the IdP), a readable page in the user's
 * language with a way to try again; 503 when the IdP's metadata is unreachable, 403 when a
 * security check refused the answer, 400 otherwise.
 */
export function sendLoginError(ctx: RouteContext, req: Request, res: Response, error: LoginError, retry: string, login?: { id?: string; kind: string; institution?: string }): void {
  const id = String(req.id ?? '');
  ctx.logger.warn({ reason: error.reason, ...error.details, requestId: id, detail: error.message }, 'sign-in failed');
  ctx.recordUsage({ type: 'login-failure', reason: error.reason, login: login?.id, adapter: login?.kind, institution: login?.institution });
  const status = error.reason === 'metadata-unavailable' ? 503 : error.reason === 'malformed' || error.reason === 'status-not-success' ? 400 : 403;
  renderMessage(ctx, req, res, status, {
    title: 'loginFailedTitle',
    message: { key: 'loginFailedBody', vars: { reason: t(req.lang, EXPLANATION[error.reason] ?? 'loginReason_other'), id } },
    tone: 'alert',
    code: error.reason,
    actions: [{ href: retry, say: 'loginTryAgain', button: true }],
  });
}
