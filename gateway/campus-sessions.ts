/**
 * Sessions by the names their campus sign-in can be ended under (logout-keys.ts): the SAML
 * NameID + SessionIndex, the CAS service ticket, the OIDC sid and sub. Kept in the Store with the
 * session's lifetime, so a logout message that reaches any gateway node ends the session on all.
 */
import { UNLIMITED } from './load/keys';
import type { Sessions } from './session';
import type { Store } from './store/types';

export class CampusSessions {
  constructor(
    private readonly store: Store,
    private readonly sessions: Sessions,
    /** The session's absolute lifetime: no index entry outlives what it points to. */
    private readonly ttlMs: number,
  ) {}

  async remember(keys: readonly string[], sessionId: string): Promise<void> {
    for (const key of keys) await this.store.acquire(key, sessionId, UNLIMITED, this.ttlMs);
  }

  /** End every session indexed under these keys; returns how many there were. */
  async end(keys: readonly string[]): Promise<number> {
    const ids = new Set<string>();
    for (const key of keys) for (const id of await this.store.holders(key)) ids.add(id);
    for (const id of ids) await this.sessions.end(id);
    for (const key of keys) for (const id of ids) await this.store.release(key, id);
    return ids.size;
  }
}
