import { createHmac } from 'node:crypto';
import type { Identity } from '../../idp-adapters/identity';

/** A semaphore limit that never refuses: Store semaphores used as expiring sets. */
export const UNLIMITED = 1_000_000_000;

/** The pseudonymous id of a person in load keys and events (keyed HMAC of institution + subject). */
export function pseudonym(secret: string, user: Pick<Identity, 'institution' | 'subject'>): string {
  return createHmac('sha256', secret).update(`passway-load\0${user.institution}\0${user.subject}`).digest('base64url').slice(0, 22);
}

/** Every Store name load control uses, in one place. */
export const keys = {
  activeSessions: 'load:active:sessions',
  activeResource: (resource: string) => `load:active:resource:${resource}`,
  /** Seat names as issue 6 gives them: seats:<resource>:<institution>:<licence index>. */
  seat: (resource: string, institution: string, licence: number) => `seats:${resource}:${institution}:${licence}`,
  /** The seats one session holds ("<seat name>|<seats>"), so they can be renewed and released with it. */
  sessionSeats: (sessionId: string) => `load:session-seats:${sessionId}`,
  userSessions: (user: string) => `load:user-sessions:${user}`,
  downloads: (resource: string, user: string, what: 'items' | 'bytes', window: number) => `load:downloads:${resource}:${user}:${what}:${window}`,
  suspended: (resource: string, user: string) => `load:suspended:${resource}:${user}`,
  suspensions: 'load:suspensions',
  history: (day: string) => `load:history:${day}`,
  nodes: (day: string) => `load:nodes:${day}`,
  peak: (day: string, node: string, what: string) => `load:peak:${day}:${node}:${what}`,
};
