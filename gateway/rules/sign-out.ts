import { keys as loadKeys } from '../load/keys';
import type { Sessions } from '../session';
import type { Store } from '../store/types';
import type { Block, RuleState } from './state';

/**
 * Sign out everywhere: every live session of the person ends (sessions live in the Store, so on every
 * node at once: the next request anywhere finds none), and new sign-ins are refused until lifted.
 * The person's sessions are found through load control's per-person index (the session cap's).
 */
export class SignOutEverywhere {
  constructor(
    private readonly store: Store,
    private readonly sessions: Sessions,
    private readonly state: RuleState,
  ) {}

  /** End every live session of the person; the number ended. */
  async endSessions(user: string): Promise<number> {
    const ids = await this.store.holders(loadKeys.userSessions(user));
    for (const id of ids) await this.sessions.end(id);
    return ids.length;
  }

  /** Block new sign-ins, then end the live sessions (in that order, so none starts in between). */
  async signOut(block: Omit<Block, 'since'>): Promise<{ block: Block; sessions: number }> {
    const record = await this.state.block(block);
    return { block: record, sessions: await this.endSessions(block.user) };
  }

  lift(user: string): Promise<Block | undefined> {
    return this.state.unblock(user);
  }
}
