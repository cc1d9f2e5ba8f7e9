import { UNLIMITED } from '../load/keys';
import type { Store } from '../store/types';
import { keys } from './keys';

/** A person's access taken away by a rule (or an admin): from one resource or from all ("*"). */
export interface RuleSuspension {
  user: string;
  institution: string;
  /** A resource id, or "*" for every resource. */
  resource: string;
  /** The rule that tripped, or "admin". */
  rule: string;
  trip?: string;
  since: string;
  until: string;
}

/** Signed out everywhere: new sign-ins are refused until an admin lifts it. */
export interface Block {
  user: string;
  institution: string;
  by: string;
  reason: string;
  since: string;
}

/** A person no rule (or only some rules) trips for, e.g. an approved text-mining project. */
export interface Exemption {
  user: string;
  institution: string;
  rules?: string[];
  reason: string;
  by: string;
  since: string;
  until: string;
}

/** Kept "until lifted": a long TTL, since the Store's expiring sets need one. */
const FOREVER_MS = 10 * 365 * 86_400_000;

/**
 * What the rules leave in the Store for every node to enforce: suspensions (read by authorize()),
 * sign-out-everywhere blocks (read at sign-in) and exemptions (read when a rule is about to trip).
 * Each is one key with its own expiry, listed in an expiring index for /admin/security.
 */
export class RuleState {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** The suspension that keeps the person from the resource now (one for all resources first). Two reads, in parallel. */
  async suspension(user: string, resource: string): Promise<RuleSuspension | undefined> {
    const [all, one] = await Promise.all([this.store.get(keys.suspended(user, '*')), this.store.get(keys.suspended(user, resource))]);
    const raw = all ?? one;
    return raw ? (JSON.parse(raw) as RuleSuspension) : undefined;
  }

  /** Suspend for forMs; an existing suspension of the same scope is kept when it lasts longer. True when this call suspended. */
  async suspend(suspension: Omit<RuleSuspension, 'since' | 'until'>, forMs: number): Promise<RuleSuspension | undefined> {
    const now = this.now();
    const record: RuleSuspension = { ...suspension, since: new Date(now).toISOString(), until: new Date(now + forMs).toISOString() };
    const key = keys.suspended(suspension.user, suspension.resource);
    const existing = await this.store.get(key);
    if (existing && (JSON.parse(existing) as RuleSuspension).until >= record.until) return undefined;
    await this.store.set(key, JSON.stringify(record), forMs);
    await this.store.acquire(keys.suspensions, `${suspension.user}|${suspension.resource}`, UNLIMITED, forMs);
    return record;
  }

  async lift(user: string, resource: string): Promise<RuleSuspension | undefined> {
    const raw = await this.store.take(keys.suspended(user, resource));
    await this.store.release(keys.suspensions, `${user}|${resource}`);
    return raw ? (JSON.parse(raw) as RuleSuspension) : undefined;
  }

  async suspensions(): Promise<RuleSuspension[]> {
    return this.listed(keys.suspensions, (entry) => {
      const bar = entry.indexOf('|');
      return keys.suspended(entry.slice(0, bar), entry.slice(bar + 1));
    });
  }

  async block(block: Omit<Block, 'since'>): Promise<Block> {
    const record: Block = { ...block, since: new Date(this.now()).toISOString() };
    await this.store.set(keys.blocked(block.user), JSON.stringify(record), FOREVER_MS);
    await this.store.acquire(keys.blocks, block.user, UNLIMITED, FOREVER_MS);
    return record;
  }

  async blocked(user: string): Promise<Block | undefined> {
    const raw = await this.store.get(keys.blocked(user));
    return raw ? (JSON.parse(raw) as Block) : undefined;
  }

  async unblock(user: string): Promise<Block | undefined> {
    const raw = await this.store.take(keys.blocked(user));
    await this.store.release(keys.blocks, user);
    return raw ? (JSON.parse(raw) as Block) : undefined;
  }

  async blocks(): Promise<Block[]> {
    return this.listed(keys.blocks, keys.blocked);
  }

  async exempt(exemption: Omit<Exemption, 'since' | 'until'>, forMs: number): Promise<Exemption> {
    const now = this.now();
    const record: Exemption = { ...exemption, since: new Date(now).toISOString(), until: new Date(now + forMs).toISOString() };
    await this.store.set(keys.exempt(exemption.user), JSON.stringify(record), forMs);
    await this.store.acquire(keys.exemptions, exemption.user, UNLIMITED, forMs);
    return record;
  }

  async exemption(user: string): Promise<Exemption | undefined> {
    const raw = await this.store.get(keys.exempt(user));
    return raw ? (JSON.parse(raw) as Exemption) : undefined;
  }

  async unexempt(user: string): Promise<Exemption | undefined> {
    const raw = await this.store.take(keys.exempt(user));
    await this.store.release(keys.exemptions, user);
    return raw ? (JSON.parse(raw) as Exemption) : undefined;
  }

  async exemptions(): Promise<Exemption[]> {
    return this.listed(keys.exemptions, keys.exempt);
  }

  private async listed<T>(index: string, keyOf: (entry: string) => string): Promise<T[]> {
    const entries = await this.store.holders(index);
    const found = await Promise.all(entries.map((entry) => this.store.get(keyOf(entry))));
    return found.filter((raw): raw is string => raw !== null).map((raw) => JSON.parse(raw) as T);
  }
}
