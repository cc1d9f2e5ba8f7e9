/**
 * Names under which a session is indexed so the campus can end it later (IdP-initiated SAML
 * logout, CAS single sign-out, OIDC back-channel logout). Hashed: the Store never holds a
 * service ticket, NameID or sid in the clear, and any value makes a short key.
 */
import { createHash } from 'node:crypto';

export function logoutKey(kind: 'saml' | 'cas' | 'oidc', ...parts: string[]): string {
  return `logout:${kind}:${createHash('sha256').update(parts.join('\n')).digest('base64url')}`;
}
