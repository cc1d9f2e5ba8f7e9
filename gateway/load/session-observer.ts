import type { Logger } from '../logger';
import type { Session, SessionObserver } from '../session';
import type { Store } from '../store/types';
import { keys, UNLIMITED } from './keys';

/** The session's licence seats (gateway/access): renewed while it is used, given back when it ends. */
export interface SessionSeats {
  renew(sessionId: string): Promise<void>;
  releaseAll(sessionId: string): Promise<void>;
}

export interface SessionTrackingOptions {
  store: Store;
  seats: SessionSeats;
  logger: Logger;
  pseudonym: (session: Session) => string | undefined;
  /** load.maxSessionsPerUser */
  maxSessionsPerUser?: number;
}

/**
 * Keeps Store-side state in step with sessions: the active-session presence set (for the gauge
 * and peaks), each person's set of live session ids (the session cap), and the session's seats
 * (renewed while it is used, released when it ends). Failures are logged, never thrown: a Store
 * hiccup here must not break sign-in or sign-out. The cap names the sessions a sign-in ends; Sessions ends them.
 */
export function sessionTracking(options: SessionTrackingOptions): SessionObserver {
  const { store, seats, logger } = options;
  const safely = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      logger.warn({ err: error, what }, 'load control: session tracking failed');
      return undefined;
    }
  };
  return {
    saved: (session, ttlMs) =>
      safely('saved', async () => {
        const user = options.pseudonym(session);
        if (!user) return;
        await Promise.all([
          store.acquire(keys.activeSessions, session.id, UNLIMITED, ttlMs),
          store.acquire(keys.userSessions(user), session.id, UNLIMITED, ttlMs),
          seats.renew(session.id),
        ]);
      }),
    signedIn: async (session) =>
      (await safely('signedIn', async () => {
        const user = options.pseudonym(session);
        const cap = options.maxSessionsPerUser;
        if (!user || !cap) return [];
        // Least recently active first (earliest expiry): those are ended until the cap holds.
        const live = (await store.holders(keys.userSessions(user))).filter((id) => id !== session.id);
        const over = live.slice(0, Math.max(0, live.length - (cap - 1)));
        await Promise.all(over.map((id) => store.release(keys.userSessions(user), id))); // also when it had expired meanwhile
        return over;
      })) ?? [],
    ended: (session) =>
      safely('ended', async () => {
        const user = options.pseudonym(session);
        await Promise.all([
          store.release(keys.activeSessions, session.id),
          user ? store.release(keys.userSessions(user), session.id) : undefined,
          seats.releaseAll(session.id),
        ]);
      }),
  };
}
