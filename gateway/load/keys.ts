import { createHmac } from 'node:crypto';
import type { Identity } from '../../idp-adapters/identity';

/** A semaphore limit that never refuses: Store semaphores used as expiring sets. */
export const UNLIMITED = 1_000_000_000;

/** The pseudonymous id of a person in load keys and events (keyed HMAC of institution + subject). */
export function pseudonym(secret: string, user: Pick<Identity, 'institution' | 'subject'>): string {
  return createHmac('sha256', secret).update(`passway-load\0${user.institution}\0${user.subject}`).digest('base64url').slice(0, 22);
}

/** Every Store name load control uses, in one place (seats and suspensions: gateway/access/keys.ts). */
export const keys = {
  activeSessions: 'load:active:sessions',
  activeResource: (resource: string) => `load:active:resource:${resource}`,
  userSessions: (user: string) => `load:user-sessions:${user}`,
  history: (day: string) => `load:history:${day}`,
  nodes: (day: string) => `load:nodes:${day}`,
  peak: (day: string, node: string, what: string) => `load:peak:${day}:${node}:${what}`,
};
