import type { Logger } from '../logger';
import type { Session, SessionObserver } from '../session';
import type { Store } from '../store/types';
import { keys, UNLIMITED } from './keys';
import type { Seats } from './seats';

export interface SessionTrackingOptions {
  store: Store;
  seats: Seats;
  logger: Logger;
  pseudonym: (session: Session) => string | undefined;
  /** load.maxSessionsPerUser */
  maxSessionsPerUser?: number;
  /** Ends a session by id (Sessions.end), bound once Sessions exists. */
  end: (id: string) => Promise<void>;
}

/**
 * Keeps Store-side state in step with sessions: the active-session presence set (for the gauge
 * and peaks), each person's set of live session ids (the session cap), and the session's seats
 * (renewed while it is used, released when it ends). Failures are logged, never thrown: a Store
 * hiccup here must not break sign-in or sign-out.
 */
export function sessionTracking(options: SessionTrackingOptions): SessionObserver {
  const { store, seats, logger } = options;
  const safely = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      logger.warn({ err: error, what }, 'load control: session tracking failed');
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
    signedIn: (session) =>
      safely('signedIn', async () => {
        const user = options.pseudonym(session);
        const cap = options.maxSessionsPerUser;
        if (!user || !cap) return;
        // Least recently active first (earliest expiry): those are ended until the cap holds.
        const live = (await store.holders(keys.userSessions(user))).filter((id) => id !== session.id);
        for (const id of live.slice(0, Math.max(0, live.length - (cap - 1)))) {
          await options.end(id);
          await store.release(keys.userSessions(user), id); // also when it had expired meanwhile
        }
      }),
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
