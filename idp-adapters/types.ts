import type { Request, Response, Router } from 'express';
import type { Identity } from './identity';

/** Why a sign-in failed; logged as a reason code, counted, and explained to the user. */
export type LoginErrorReason =
  | 'idp-unknown'
  | 'metadata-unavailable'
  | 'malformed'
  | 'signature-invalid'
  | 'algorithm-refused'
  | 'assertion-unsigned'
  | 'unsigned'
  | 'issuer-mismatch'
  | 'audience-mismatch'
  | 'destination-mismatch'
  | 'recipient-mismatch'
  | 'confirmation-invalid'
  | 'unknown-request'
  | 'unsolicited'
  | 'replayed'
  | 'expired'
  | 'not-yet-valid'
  | 'no-subject'
  | 'status-not-success'
  | 'decryption-failed'
  | 'ticket-invalid'
  | 'token-invalid'
  | 'state-mismatch'
  | 'login-not-started-here'
  /** Signed out everywhere by IT (gateway/rules): sign-ins refused until lifted. */
  | 'account-blocked';

/** A sign-in failure: never a stack trace to the user, always a reason code in the log. */
export class LoginError extends Error {
  override readonly name = 'LoginError';
  /** The sign-in it failed, once known (usage counts the failure for its login and institution). */
  login?: { id: string; kind: string; institution: string };
  constructor(
    readonly reason: LoginErrorReason,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** One campus sign-in method (a SAML IdP, a CAS server, an OIDC provider). */
export interface IdpAdapter {
  /** The login id from config (`logins[].id`). */
  readonly id: string;
  readonly kind: 'saml' | 'cas' | 'oidc';
  /** Institution id from config. */
  readonly institution: string;
  /**
   * Send the browser to the campus IdP. Whatever must survive the round trip (request id, nonce,
   * returnTo) is kept in the Store, so any gateway node can complete the login, and the login is
   * bound to this browser by a signed state cookie (login-state.ts).
   */
  begin(req: Request, res: Response, ctx: { returnTo: string }): Promise<void>;
}

/** What a completed sign-in yields, before the gateway rotates the session. */
export interface LoginResult {
  identity: Identity;
  /** Local path to continue to (validated by the gateway: never an absolute URL). */
  returnTo: string;
}

export type { Router };
