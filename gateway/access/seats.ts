import type { Licence, Resource } from '../../resource-catalog/schema';
import { BoundedCache } from '../bounded-cache';
import type { Store } from '../store/types';
import { keys, UNLIMITED } from './keys';

/** How often one node re-lists a held seat under its session (the session's saves renew the listing in between). */
const LIST_EVERY_MS = 30_000;

export interface SeatClaim {
  name: string;
  seats: number;
}

/**
 * Licence seats: one Store semaphore per seat-limited licence (holder = session id, ttl = the
 * idle timeout). A session's seats are listed under its id so they are renewed while it is
 * active and released when it ends; an idle session's seats expire with it.
 */
export class Seats {
  /** "<session id>|<entry>" → when this node last listed the seat under the session. */
  private readonly listed = new BoundedCache<string, number>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  claim(resource: Resource, licence: Licence): SeatClaim | undefined {
    if (!licence.seats) return undefined;
    return { name: keys.seat(resource.id, licence.institution, resource.licences.indexOf(licence)), seats: licence.seats };
  }

  /** The seats of a pooled roaming account (resources[].roaming.accounts[].seats), if it has a limit. */
  roamingClaim(resource: Resource, account: number): SeatClaim | undefined {
    const seats = resource.roaming?.accounts[account]?.seats;
    return seats ? { name: keys.roamingSeat(resource.id, account), seats } : undefined;
  }

  /** Is every seat of the claim taken by other sessions (a read, for previews)? */
  async full(claim: SeatClaim, sessionId: string): Promise<boolean> {
    const holders = await this.store.holders(claim.name);
    return !holders.includes(sessionId) && holders.length >= claim.seats;
  }

  /**
   * Take or renew a seat in one atomic Store step; false when all are taken by others. The seat
   * is also listed under the session (renewed with it, released when it ends): that second write
   * is needed once per seat, so it is made at most every LIST_EVERY_MS per node, keeping a
   * seat-limited proxied request at one Store call.
   */
  async take(claim: SeatClaim, sessionId: string): Promise<boolean> {
    if (!(await this.store.acquire(claim.name, sessionId, claim.seats, this.ttlMs))) return false;
    const entry = `${claim.name}|${claim.seats}`;
    const now = this.now();
    const listedAt = this.listed.get(`${sessionId}|${entry}`);
    if (listedAt === undefined || now - listedAt >= LIST_EVERY_MS) {
      await this.store.acquire(keys.sessionSeats(sessionId), entry, UNLIMITED, this.ttlMs);
      this.listed.remember(`${sessionId}|${entry}`, now);
    }
    return true;
  }

  /** On session activity: keep its seats (those lost to expiry meanwhile are dropped from its list). */
  async renew(sessionId: string, ttlMs = this.ttlMs): Promise<void> {
    const held = await this.store.holders(keys.sessionSeats(sessionId));
    await Promise.all(
      held.map(async (entry) => {
        const { name, seats } = parse(entry);
        if (await this.store.acquire(name, sessionId, seats, ttlMs)) await this.store.acquire(keys.sessionSeats(sessionId), entry, UNLIMITED, ttlMs);
        else {
          this.listed.delete(`${sessionId}|${entry}`);
          await this.store.release(keys.sessionSeats(sessionId), entry);
        }
      }),
    );
  }

  /** When the session ends: give every seat back. */
  async releaseAll(sessionId: string): Promise<void> {
    const held = await this.store.holders(keys.sessionSeats(sessionId));
    for (const entry of held) this.listed.delete(`${sessionId}|${entry}`);
    await Promise.all(held.map((entry) => this.store.release(parse(entry).name, sessionId)));
    await this.store.del(keys.sessionSeats(sessionId));
  }

  async inUse(name: string): Promise<number> {
    return this.store.countHolders(name);
  }
}

function parse(entry: string): SeatClaim {
  const bar = entry.lastIndexOf('|');
  return { name: entry.slice(0, bar), seats: Number(entry.slice(bar + 1)) };
}
