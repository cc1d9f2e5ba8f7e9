/** The authorization code → token exchange at the OP's token endpoint (RFC 6749 §4.1.3, PKCE RFC 7636). */
import { LoginError } from '../types';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface CodeExchange {
  tokenEndpoint: string;
  clientId: string;
  clientSecret?: string;
  authMethod: ClientAuthMethod;
  code: string;
  redirectUri: string;
  codeVerifier: string;
  fetch: typeof fetch;
  timeoutMs: number;
  adapterId: string;
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding. */
const formEncode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');

/** Returns the raw ID token. */
export async function exchangeCode(x: CodeExchange): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: x.code, redirect_uri: x.redirectUri, code_verifier: x.codeVerifier });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (x.authMethod === 'client_secret_basic') {
    headers.authorization = `Basic ${Buffer.from(`${formEncode(x.clientId)}:${formEncode(x.clientSecret ?? '')}`).toString('base64')}`;
  } else {
    body.set('client_id', x.clientId);
    if (x.authMethod === 'client_secret_post') body.set('client_secret', x.clientSecret ?? '');
  }
  let res: Response;
  let json: Record<string, unknown>;
  try {
    res = await x.fetch(x.tokenEndpoint, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(x.timeoutMs) });
    json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  } catch (error) {
    throw new LoginError('metadata-unavailable', `token endpoint unreachable: ${(error as Error).message}`, { adapter: x.adapterId });
  }
  if (!res.ok) {
    if (res.status >= 500) throw new LoginError('metadata-unavailable', `token endpoint answered HTTP ${res.status}`, { adapter: x.adapterId });
    throw new LoginError('token-invalid', `token endpoint refused the code: ${String(json.error ?? res.status)}`, {
      adapter: x.adapterId,
      error: json.error,
      ...(json.error_description ? { description: json.error_description } : {}),
    });
  }
  if (typeof json.id_token !== 'string') throw new LoginError('token-invalid', 'token response without id_token', { adapter: x.adapterId });
  return json.id_token;
}
