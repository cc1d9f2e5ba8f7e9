import type { Config } from '../../config/schema';
import type { Identity } from '../../idp-adapters/identity';
import type { Store } from '../store/types';
import { keys, UNLIMITED } from './keys';

export type DownloadLimit = NonNullable<Config['load']['downloadLimits']>;

export interface Suspension {
  resource: string;
  /** Pseudonymous user id. */
  user: string;
  institution: string;
  /** Raw subject, kept only in the Store (like the session) so the lift event can be pseudonymised by the usage log. */
  subject: string;
  /** download-items or download-bytes: which limit was passed. */
  reason: string;
  items: number;
  bytes: number;
  since: string;
  until: string;
}

export interface DownloadCounts {
  items?: number;
  bytes?: number;
}

/**
 * Download limits per user and resource, like EZproxy UsageLimit: a sliding window estimated
 * from two fixed windows (this one, plus the previous one weighted by how much of it still
 * overlaps), counted with Store incr. Passing a limit suspends the user's access to that resource
 * for suspendMinutes (a Store key with that TTL), listed in an expiring index for the admin page.
 */
export class DownloadLimits {
  constructor(
    private readonly store: Store,
    private readonly config: Config['load'],
    private readonly now: () => number = Date.now,
  ) {}

  limitFor(resource: string): DownloadLimit | undefined {
    return this.config.resourceDownloadLimits[resource] ?? this.config.downloadLimits;
  }

  /** Count a download; the new suspension when this one passes the limit (only the first caller gets it). */
  async note(resource: string, user: string, identity: Pick<Identity, 'institution' | 'subject'>, counts: DownloadCounts): Promise<Suspension | undefined> {
    const limit = this.limitFor(resource);
    if (!limit || (!limit.items && !limit.bytes)) return undefined;
    const windowMs = limit.windowMinutes * 60_000;
    const now = this.now();
    const index = Math.floor(now / windowMs);
    const overlap = 1 - (now - index * windowMs) / windowMs;
    const estimate = async (what: 'items' | 'bytes', by: number) => {
      const current = by > 0 ? await this.store.incr(keys.downloads(resource, user, what, index), by, 2 * windowMs) : Number((await this.store.get(keys.downloads(resource, user, what, index))) ?? 0);
      const previous = Number((await this.store.get(keys.downloads(resource, user, what, index - 1))) ?? 0);
      return current + previous * overlap;
    };
    const items = await estimate('items', Math.max(0, Math.floor(counts.items ?? 0)));
    const bytes = await estimate('bytes', Math.max(0, Math.floor(counts.bytes ?? 0)));
    const reason = limit.items !== undefined && items > limit.items ? 'download-items' : limit.bytes !== undefined && bytes > limit.bytes ? 'download-bytes' : undefined;
    if (!reason) return undefined;

    const suspendMs = limit.suspendMinutes * 60_000;
    const suspension: Suspension = {
      resource,
      user,
      institution: identity.institution,
      subject: identity.subject,
      reason,
      items: Math.round(items),
      bytes: Math.round(bytes),
      since: new Date(now).toISOString(),
      until: new Date(now + suspendMs).toISOString(),
    };
    if (!(await this.store.setIfAbsent(keys.suspended(resource, user), JSON.stringify(suspension), suspendMs))) return undefined;
    await this.store.acquire(keys.suspensions, `${resource}|${user}`, UNLIMITED, suspendMs);
    return suspension;
  }

  async suspension(resource: string, user: string): Promise<Suspension | undefined> {
    const raw = await this.store.get(keys.suspended(resource, user));
    return raw ? (JSON.parse(raw) as Suspension) : undefined;
  }

  /** Current suspensions, soonest to end first. */
  async list(): Promise<Suspension[]> {
    const entries = await this.store.holders(keys.suspensions);
    const found = await Promise.all(
      entries.map((entry) => {
        const bar = entry.indexOf('|');
        return this.suspension(entry.slice(0, bar), entry.slice(bar + 1));
      }),
    );
    return found.filter((s): s is Suspension => s !== undefined);
  }

  /** Lift a suspension and clear the user's download windows for the resource; the lifted one, if it existed. */
  async lift(resource: string, user: string): Promise<Suspension | undefined> {
    const existing = await this.suspension(resource, user);
    await this.store.del(keys.suspended(resource, user));
    await this.store.release(keys.suspensions, `${resource}|${user}`);
    const limit = this.limitFor(resource);
    if (limit) {
      const index = Math.floor(this.now() / (limit.windowMinutes * 60_000));
      for (const what of ['items', 'bytes'] as const) {
        await this.store.del(keys.downloads(resource, user, what, index));
        await this.store.del(keys.downloads(resource, user, what, index - 1));
      }
    }
    return existing;
  }
}
