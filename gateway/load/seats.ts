import type { Licence, Resource } from '../../resource-catalog/schema';
import type { Store } from '../store/types';
import { keys, UNLIMITED } from './keys';

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
  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
  ) {}

  claim(resource: Resource, licence: Licence): SeatClaim | undefined {
    if (!licence.seats) return undefined;
    return { name: keys.seat(resource.id, licence.institution, resource.licences.indexOf(licence)), seats: licence.seats };
  }

  /** For decide(): which of the resource's seat-limited licences are full for this session right now. */
  async fullLicences(resource: Resource, sessionId: string): Promise<Set<Licence>> {
    const full = new Set<Licence>();
    await Promise.all(
      resource.licences.map(async (licence) => {
        const claim = this.claim(resource, licence);
        if (!claim) return;
        const holders = await this.store.holders(claim.name);
        if (!holders.includes(sessionId) && holders.length >= claim.seats) full.add(licence);
      }),
    );
    return full;
  }

  /** Take (or renew) a seat; false when all are taken by others. The Store decides atomically. */
  async acquire(claim: SeatClaim, sessionId: string): Promise<boolean> {
    if (!(await this.store.acquire(claim.name, sessionId, claim.seats, this.ttlMs))) return false;
    await this.store.acquire(keys.sessionSeats(sessionId), `${claim.name}|${claim.seats}`, UNLIMITED, this.ttlMs);
    return true;
  }

  /** On session activity: keep its seats (those lost to expiry meanwhile are dropped from its list). */
  async renew(sessionId: string, ttlMs = this.ttlMs): Promise<void> {
    const held = await this.store.holders(keys.sessionSeats(sessionId));
    await Promise.all(
      held.map(async (entry) => {
        const { name, seats } = parse(entry);
        if (await this.store.acquire(name, sessionId, seats, ttlMs)) await this.store.acquire(keys.sessionSeats(sessionId), entry, UNLIMITED, ttlMs);
        else await this.store.release(keys.sessionSeats(sessionId), entry);
      }),
    );
  }

  /** When the session ends: give every seat back. */
  async releaseAll(sessionId: string): Promise<void> {
    const held = await this.store.holders(keys.sessionSeats(sessionId));
    await Promise.all(held.map((entry) => this.store.release(parse(entry).name, sessionId)));
    await this.store.del(keys.sessionSeats(sessionId));
  }

  async inUse(name: string): Promise<number> {
    return (await this.store.holders(name)).length;
  }
}

function parse(entry: string): SeatClaim {
  const bar = entry.lastIndexOf('|');
  return { name: entry.slice(0, bar), seats: Number(entry.slice(bar + 1)) };
}
