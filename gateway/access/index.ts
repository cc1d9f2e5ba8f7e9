import type { Config } from '../../config/schema';
import { decideCredentialLess, type CredentialLessRequest } from '../../resource-catalog/credential-less';
import { decide, type Decision } from '../../resource-catalog/policy';
import type { Licence, Resource } from '../../resource-catalog/schema';
import type { HistoryEntry } from '../load/history';
import type { Session } from '../session';
import type { Store } from '../store/types';
import { dayFormatter } from '../usage/day';
import type { RecordUsage } from '../usage/record';
import { DownloadLimits, type DownloadCounts, type Suspension } from './downloads';
import { Seats } from './seats';
import type { RuleState } from '../rules/state';

export type { Decision } from '../../resource-catalog/policy';
export type { CredentialLessGrant, CredentialLessRequest } from '../../resource-catalog/credential-less';
export type { DownloadCounts, Suspension } from './downloads';
export type { SeatClaim } from './seats';

/**
 * use: the session is about to use the resource (launch, proxied request): a seat is taken or
 * renewed. preview: what the session could use (the portal's list): seats are only read.
 */
export type AccessMode = 'use' | 'preview';

export interface AccessDeps {
  config: Config;
  /** The gateway's Store (timed by load control). */
  store: Store;
  /** The pseudonymous id suspensions are kept under (load control's). */
  userOf: (session: Session) => string | undefined;
  /** The gateway's recordUsage: suspension and suspension-lifted events. */
  record: RecordUsage;
  /** Keeps suspensions in the load history of /admin/load. */
  remember: (entry: HistoryEntry) => void;
  /** Suspensions by security rules (gateway/rules), and which resources they can apply to. */
  rules?: { state: RuleState; maySuspend: (resource: string) => boolean };
  now?: () => Date;
}

/**
 * The one access decision (Pomerium's authorize step is the model): may this session use this
 * resource now? The pure decide() judges licences, dates and affiliations; this adds what only
 * the Store knows: suspensions (download limits) and licence seats. Launch, the proxy and the
 * portal all ask here, so a proxied URL opened directly is judged like a launch.
 */
export class Access {
  readonly seats: Seats;
  readonly downloads: DownloadLimits;
  private readonly now: () => Date;
  private readonly dayOf: (date: Date) => string;

  constructor(private readonly deps: AccessDeps) {
    const { config } = deps;
    this.now = deps.now ?? (() => new Date());
    this.dayOf = dayFormatter(config.catalog.timeZone);
    this.seats = new Seats(deps.store, config.session.idleTimeoutMinutes * 60_000, () => this.now().getTime());
    this.downloads = new DownloadLimits(deps.store, config.load, () => this.now().getTime());
  }

  /**
   * The decision for a signed-in session. A resource without download limit and seats costs no
   * Store call; a download limit costs one read; a seat-limited licence one atomic take-or-renew
   * (use) or one read (preview). A session with a seat keeps it: taking again renews it.
   *
   * Without a signed-in session only a proxied request may be judged (`credentialLess`: a font, a
   * stylesheet, a preflight, an anonymous URL of the resource): no seat, no Store call, and never a
   * licensed item (resource-catalog/credential-less.ts).
   */
  async authorize(session: Session | undefined, resource: Resource, now: Date, mode: AccessMode = 'use', credentialLess?: CredentialLessRequest): Promise<Decision> {
    const user = session?.data.user;
    if (!session || !user) {
      if (credentialLess) return decideCredentialLess(resource, credentialLess);
      throw new Error('authorize needs a signed-in session');
    }
    const today = this.dayOf(now);
    const suspended = this.downloads.limitFor(resource.id) || this.deps.rules?.maySuspend(resource.id) ? !!(await this.suspensionOf(session, resource.id)) : false;
    // decide() picks a licence; when its seats are taken by others, it is marked full and decide() asked again.
    const full = new Set<Licence>();
    for (;;) {
      const decision = decide(user, resource, today, { suspended, seatsFull: (licence) => full.has(licence) });
      const claim = decision.allow && decision.licence ? this.seats.claim(resource, decision.licence) : undefined;
      const seated = !claim || (mode === 'use' ? await this.seats.take(claim, session.id) : !(await this.seats.full(claim, session.id)));
      if (seated) return decision.allow && decision.method.kind === 'proxy' && resource.roaming?.mode === 'pooled' ? this.pooledAccount(session, resource, decision, mode) : decision;
      full.add(decision.licence!);
    }
  }

  /**
   * A pooled roaming account (resources[].roaming): the first account with a seat free for this session,
   * through the same Store semaphore as licence seats (so every gateway node counts the same seats).
   */
  private async pooledAccount(session: Session, resource: Resource, decision: Decision & { allow: true }, mode: AccessMode): Promise<Decision> {
    const accounts = resource.roaming!.accounts;
    for (let account = 0; account < accounts.length; account++) {
      const claim = this.seats.roamingClaim(resource, account);
      const seated = !claim || (mode === 'use' ? await this.seats.take(claim, session.id) : !(await this.seats.full(claim, session.id)));
      if (seated) return { ...decision, account };
    }
    return { allow: false, reason: 'seats-full', licence: decision.licence };
  }

  /**
   * The proxy's download hook: call it when a proxied response matches one of the resource's item
   * patterns (items: 1, bytes: its size). Returns the suspension when the user's access to the
   * resource is (now) suspended; authorize() then refuses the next request.
   */
  async noteDownload(session: Session, resource: string, counts: DownloadCounts): Promise<Suspension | undefined> {
    const user = this.deps.userOf(session);
    if (!user || !session.data.user || !this.downloads.limitFor(resource)) return undefined;
    const suspension = await this.downloads.note(resource, user, session.data.user, counts);
    if (suspension) {
      const { institution, subject, affiliations } = session.data.user;
      this.deps.record({ type: 'suspension', resource, reason: suspension.reason, items: suspension.items, bytes: suspension.bytes, until: suspension.until, institution, subject, affiliations });
      this.deps.remember({ type: 'suspension', resource, user, institution, items: suspension.items, bytes: suspension.bytes, until: suspension.until });
    }
    return suspension ?? (await this.downloads.suspension(resource, user));
  }

  /** The session's suspension from a resource (a download limit's or a security rule's), for the page that explains it. */
  async suspensionOf(session: Session, resource: string): Promise<Pick<Suspension, 'resource' | 'reason' | 'until'> | undefined> {
    const user = this.deps.userOf(session);
    if (!user) return undefined;
    const [download, rule] = await Promise.all([
      this.downloads.limitFor(resource) ? this.downloads.suspension(resource, user) : undefined,
      this.deps.rules?.maySuspend(resource) ? this.deps.rules.state.suspension(user, resource) : undefined,
    ]);
    return download ?? (rule ? { resource, reason: `rule:${rule.rule}`, until: rule.until } : undefined);
  }

  /** An admin lifts a suspension (recorded and kept in the load history). */
  async lift(resource: string, user: string): Promise<Suspension | undefined> {
    const lifted = await this.downloads.lift(resource, user);
    if (lifted) {
      this.deps.record({ type: 'suspension-lifted', resource, by: 'admin', institution: lifted.institution, subject: lifted.subject });
      this.deps.remember({ type: 'suspension-lifted', resource, user, institution: lifted.institution });
    }
    return lifted;
  }
}

export function createAccess(deps: AccessDeps): Access {
  return new Access(deps);
}
