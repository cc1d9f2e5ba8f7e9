/** ID token verification with jose: signature against the OP's JWKS, iss, aud/azp, exp/iat, nonce. */
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LoginError, type LoginErrorReason } from '../types';

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  nonce: string;
  algorithms: string[];
  clockSkewSeconds: number;
  /** Oldest acceptable `iat`. */
  maxAgeSeconds: number;
}

function reasonFor(error: unknown): LoginErrorReason {
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) return 'signature-invalid';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'issuer-mismatch';
    if (error.claim === 'aud') return 'audience-mismatch';
    if ((error.claim === 'iat' || error.claim === 'nbf') && error.reason === 'check_failed') return 'not-yet-valid';
    return 'token-invalid';
  }
  // The JWKS could not be fetched or read: the OP is unavailable, not the token bad.
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return 'metadata-unavailable';
  if (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC') return 'metadata-unavailable';
  if (!(error instanceof errors.JOSEError)) return 'metadata-unavailable';
  return 'token-invalid'; // malformed JWS/JWT, algorithm not allowed or not supported
}

export async function verifyIdToken(token: string, keys: JWTVerifyGetKey, expect: IdTokenExpectations, adapterId: string): Promise<JWTPayload> {
  const payload = await verifiedJwt('ID token', token, keys, expect, { maxTokenAge: expect.maxAgeSeconds, requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce'] }, adapterId);
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== expect.clientId) {
    throw new LoginError('audience-mismatch', 'ID token has several audiences and azp is not this client', { adapter: adapterId, claim: 'azp' });
  }
  if (payload.nonce !== expect.nonce) {
    throw new LoginError('token-invalid', 'ID token nonce does not match this login', { adapter: adapterId, claim: 'nonce' });
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new LoginError('no-subject', 'ID token without sub', { adapter: adapterId });
  return payload;
}

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutTokenExpectations {
  issuer: string;
  clientId: string;
  algorithms: string[];
  clockSkewSeconds: number;
}

/** A verified logout token's session (sid) or person (sub), and its jti (used once). */
export interface LogoutClaims {
  jti: string;
  sid?: string;
  sub?: string;
}

/** Back-Channel Logout 1.0 §2.6: the checks on a logout token, with jose. */
export async function verifyLogoutToken(token: string, keys: JWTVerifyGetKey, expect: LogoutTokenExpectations, adapterId: string): Promise<LogoutClaims> {
  const payload = await verifiedJwt('logout token', token, keys, expect, { maxTokenAge: '10 minutes', requiredClaims: ['iss', 'aud', 'iat', 'jti', 'events'] }, adapterId);
  const events = payload.events as Record<string, unknown> | undefined;
  if (typeof events !== 'object' || events === null || typeof events[BACKCHANNEL_LOGOUT_EVENT] !== 'object') {
    throw new LoginError('token-invalid', 'logout token without the back-channel logout event', { adapter: adapterId, claim: 'events' });
  }
  // A nonce would make it confusable with an ID token (§2.4).
  if ('nonce' in payload) throw new LoginError('token-invalid', 'logout token carries a nonce', { adapter: adapterId, claim: 'nonce' });
  const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined;
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
  if (!sid && !sub) throw new LoginError('no-subject', 'logout token names neither sid nor sub', { adapter: adapterId });
  return { jti: String(payload.jti), ...(sid ? { sid } : {}), ...(sub ? { sub } : {}) };
}

/** jose's verification with the provider's issuer, our client id, the allowed algorithms and the clock skew; a LoginError naming what failed. */
async function verifiedJwt(
  what: string,
  token: string,
  keys: JWTVerifyGetKey,
  expect: { issuer: string; clientId: string; algorithms: string[]; clockSkewSeconds: number },
  checks: { maxTokenAge: number | string; requiredClaims: string[] },
  adapterId: string,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keys, { issuer: expect.issuer, audience: expect.clientId, algorithms: expect.algorithms, clockTolerance: expect.clockSkewSeconds, ...checks });
    return payload;
  } catch (error) {
    const claim = error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired ? error.claim : undefined;
    throw new LoginError(reasonFor(error), `${what} rejected: ${(error as Error).message}`, {
      adapter: adapterId,
      ...(error instanceof errors.JOSEError ? { code: error.code } : {}),
      ...(claim ? { claim } : {}),
    });
  }
}
