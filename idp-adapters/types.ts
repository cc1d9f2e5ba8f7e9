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
  | 'account-blocked'
  /** Asked for a stronger sign-in (step-up), the IdP answered that it cannot give one (SAML NoAuthnContext, OIDC unmet_authentication_requirements). */
  | 'authn-context-unavailable';

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

export type LoginKind = 'saml' | 'cas' | 'oidc';

/**
 * What a sign-out needs of a completed sign-in, kept in the session (SAML NameID and
 * SessionIndex, the CAS service ticket, the OIDC ID token and sid). `login` names the adapter.
 */
export interface CampusSignIn {
  login: string;
  [field: string]: string | undefined;
}

/**
 * How the campus sign-in is ended after Passway's own session: the browser goes to the campus
 * (which ends its sign-in and sends the browser to the signed-out page), or it cannot be.
 */
export type LogoutStep =
  | { kind: 'redirect'; url: string }
  /** A page the browser must submit (SAML POST binding). */
  | { kind: 'form'; action: string; fields: Record<string, string> }
  /** The campus offers no sign-out Passway can ask for: the signed-out page links to `campusUrl`. */
  | { kind: 'not-ended'; campusUrl?: string; why: string };

/** Where a sign-out continues: the signed-out page, told whether the campus sign-in ended (signed, so it cannot be faked by a link). */
export type SignedOutUrl = (outcome: 'ended' | 'not-ended', loginId: string) => string;

/**
 * One campus sign-in method (a SAML IdP, a CAS server, an OIDC provider), as SATOSA's backends
 * and oauth2-proxy's providers are: the gateway routes know nothing of the protocol.
 */
export interface IdpAdapter {
  /** The login id from config (`logins[].id`). */
  readonly id: string;
  readonly kind: LoginKind;
  /** Institution id from config. */
  readonly institution: string;
  /** Where the IdP sends the browser back: `/auth/<id>/callback`, or the ACS all SAML logins share. */
  readonly returnPath: string;
  /**
   * Send the browser to the campus IdP. Whatever must survive the round trip (request id, nonce,
   * returnTo) is kept in the Store, so any gateway node can complete the login, and the login is
   * bound to this browser by a signed state cookie (login-state.ts).
   */
  begin(req: Request, res: Response, ctx: BeginContext): Promise<void>;
  /** Whether this IdP can be asked for a stronger sign-in (logins[].supportsMfa): otherwise a step-up is refused at once. */
  readonly supportsMfa: boolean;
  /**
   * The IdP's answer (`/auth/<id>/callback`; SAML at the shared ACS, where the response names its
   * login). Throws LoginError; the pending login is consumed only after the answer is verified.
   */
  complete(req: Request, res: Response): Promise<LoginResult>;
  /** End the campus sign-in of a session just ended here (`campus` is what `complete` returned). */
  logout(campus: CampusSignIn, signedOut: SignedOutUrl): Promise<LogoutStep>;
  /** Where a reader can end the campus sign-in by hand, when `logout` could not. */
  campusUrl(): Promise<string | undefined>;
  /**
   * The campus ended a sign-in server to server (CAS single sign-out POST, OIDC back-channel
   * logout token): the logout keys (LoginResult.logoutKeys) of the sessions to end. Throws LoginError.
   */
  campusLogout?(body: unknown): Promise<string[]>;
}

export interface BeginContext {
  /** Local path to continue to afterwards. */
  returnTo: string;
  /**
   * Step-up: ask for this authentication context (e.g. https://refeds.org/profile/mfa) and for a
   * fresh authentication (SAML RequestedAuthnContext + ForceAuthn, OIDC acr_values + prompt=login,
   * CAS renew). It is kept with the pending login and handed back in LoginResult.
   */
  authnContext?: string;
  /**
   * A fresh authentication at the campus even when it has a session of its own (a vendor's
   * ForceAuthn, passed on by Passway as IdP): SAML ForceAuthn, OIDC prompt=login, CAS renew.
   */
  forceAuthn?: boolean;
}

/** What a completed sign-in yields, before the gateway rotates the session. */
export interface LoginResult {
  identity: Identity;
  /** Local path to continue to (validated by the gateway: never an absolute URL). */
  returnTo: string;
  /** The login that completed (for SAML, the one the response answers). */
  login: { id: string; kind: LoginKind; institution: string };
  /** Kept in the session for the sign-out. */
  campus: CampusSignIn;
  /**
   * Names by which the campus may later end this session (IdP-initiated SAML logout, CAS single
   * sign-out, OIDC back-channel logout): the gateway indexes the session under them in the Store.
   */
  logoutKeys: string[];
  /** The authentication context this login was begun to obtain (BeginContext.authnContext): the gateway checks the identity has it. */
  requestedAuthnContext?: string;
}

export type { Router };
