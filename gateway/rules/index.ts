import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../../config/schema';
import type { Identity } from '../../idp-adapters/identity';
import type { Catalog } from '../../resource-catalog/catalog';
import type { Resource } from '../../resource-catalog/schema';
import { BoundedCache } from '../bounded-cache';
import { pseudonym } from '../load/keys';
import type { Logger } from '../logger';
import type { Session, Sessions } from '../session';
import type { Store } from '../store/types';
import type { RecordUsage, UsageEvent } from '../usage/record';
import { Alerts } from './alerts';
import { RulesEngine, type Trip } from './engine';
import { defaultAsnDatabase, defaultCountryDatabase, mmdbIpInfo, type IpInfo } from './ip-info';
import { clientAddress, trustProxy } from '../client-address';
import { ruleSet, type RuleSet } from './rule-set';
import { SignOutEverywhere } from './sign-out';
import { RuleState, type Block } from './state';

export type { Trip } from './engine';
export type { RuleSuspension, Block, Exemption } from './state';
export { RuleState } from './state';

/** The rules in force for a catalog snapshot, compiled once per snapshot (authorize() and the engine share them). */
export function ruleSets(config: Config, catalog: () => Catalog): () => RuleSet {
  const compiled = new WeakMap<Catalog, RuleSet>();
  return () => {
    const current = catalog();
    let set = compiled.get(current);
    if (!set) compiled.set(current, (set = ruleSet(config, current)));
    return set;
  };
}

/** What the proxy tells the rules about one proxied request: call done() when its response has finished. */
export interface ProxiedRequest {
  done(bytes: number, item: boolean, contentType: string | undefined): void;
}

export interface SecurityDeps {
  config: Config;
  store: Store;
  state: RuleState;
  rules: () => RuleSet;
  sessions: Sessions;
  logger: Logger;
  record: RecordUsage;
  /** The key of pseudonymous ids (load control's: the same ids as suspensions and the session index). */
  secret: string;
  /** The gateway's public URL: alerts link to the evidence there. */
  publicUrl: URL;
  ipInfo?: IpInfo;
  onTrip?: (trip: Trip) => void;
  now?: () => number;
}

/**
 * Compromised-account defence, built by the composition root after sessions: the rules engine (fed by
 * usage events, sign-ins and the proxy), sign-out everywhere, and the state authorize() enforces.
 */
export class Security {
  readonly engine: RulesEngine;
  readonly signOut: SignOutEverywhere;
  readonly state: RuleState;
  readonly clientAddress: (req: IncomingMessage) => string;
  readonly alerts: Alerts;
  /** Session id → the pseudonyms of its person and of itself (HMACs computed once per session per node, not per request). */
  private readonly refs = new BoundedCache<string, { user: string; session: string }>();

  constructor(private readonly deps: SecurityDeps) {
    this.state = deps.state;
    this.signOut = new SignOutEverywhere(deps.store, deps.sessions, deps.state);
    const trusted = trustProxy(deps.config.server.trustProxy);
    this.clientAddress = (req) => clientAddress(req, trusted); // req.ip's rule, for the proxy's plain-Node requests
    this.alerts = new Alerts(deps.config.security.alerts, deps.publicUrl, deps.logger);
    this.engine = new RulesEngine({
      config: deps.config,
      store: deps.store,
      state: deps.state,
      rules: deps.rules,
      logger: deps.logger,
      record: deps.record,
      ipInfo: deps.ipInfo ?? ipInfoFrom(deps.config),
      userOf: (identity) => this.userOf(identity),
      endSessions: (user) => this.signOut.endSessions(user),
      onTrip: (trip) => {
        this.alerts.tripped(trip);
        deps.onTrip?.(trip);
      },
      now: deps.now,
    });
    this.alerts.startDigest(deps.store, () => this.engine.trips(), deps.config.catalog.timeZone);
  }

  close(): void {
    this.alerts.close();
  }

  userOf(identity: Pick<Identity, 'institution' | 'subject'>): string {
    return pseudonym(this.deps.secret, identity);
  }

  /** The person's pseudonym from "institution:subject" (what IT knows of a stolen account), or a pseudonym given as is. */
  userFromAccount(account: string): { user: string; institution: string } | undefined {
    const text = account.trim();
    const colon = text.indexOf(':');
    if (colon > 0) return { user: this.userOf({ institution: text.slice(0, colon), subject: text.slice(colon + 1) }), institution: text.slice(0, colon) };
    return /^[A-Za-z0-9_-]{22}$/.test(text) ? { user: text, institution: '' } : undefined;
  }

  /** For the routes: every usage event also goes to the rules (logins, login failures). */
  recordWith(record: RecordUsage): RecordUsage {
    return (event: UsageEvent) => {
      record(event);
      this.engine.observe(event);
    };
  }

  /** At sign-in, before the session is made: the block (signed out everywhere) if any; the address is counted. */
  async signingIn(identity: Identity, address: string | undefined): Promise<Block | undefined> {
    const user = this.userOf(identity);
    const block = await this.state.blocked(user);
    if (!block) this.engine.signIn({ user, identity, address, at: (this.deps.now ?? Date.now)() });
    return block;
  }

  /** The proxy's hook, after authorize() allowed the request: requests and addresses counted now, bytes and downloads at done(). */
  proxied(req: IncomingMessage, session: Session, resource: string): ProxiedRequest | undefined {
    const identity = session.data.user;
    if (!identity || this.deps.rules().rules.length === 0) return undefined;
    const refs = this.refsOf(session.id, identity);
    const seen = { user: refs.user, identity, session: refs.session, resource, address: this.clientAddress(req), at: Date.now() };
    this.engine.request(seen);
    return {
      done: (bytes, item, contentType) => {
        const pdf = item && /^application\/pdf\b/i.test(contentType ?? '');
        this.engine.response({ ...seen, at: Date.now() }, { bytes, item, pdf });
      },
    };
  }

  /**
   * The per-resource pseudonymous identifier (resources[].security.pseudonymHeader), set on the upstream
   * request in place of anything the browser sent under that name: a keyed HMAC of the resource and the
   * person, so each vendor sees a stable id of its own that no other vendor shares and none can reverse.
   */
  addVendorPseudonym(headers: Record<string, string | string[]>, resource: Resource, session: Session): void {
    const name = resource.security?.pseudonymHeader?.toLowerCase();
    const identity = session.data.user;
    if (!name || !identity) return;
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name) delete headers[key];
    const cacheKey = `${resource.id}\0${session.id}`;
    headers[name] =
      this.vendorIds.get(cacheKey) ??
      this.vendorIds.remember(cacheKey, createHmac('sha256', this.deps.secret).update(`passway-vendor-id\0${resource.id}\0${identity.institution}\0${identity.subject}`).digest('base64url').slice(0, 22));
  }

  private readonly vendorIds = new BoundedCache<string, string>();

  private refsOf(id: string, identity: Identity): { user: string; session: string } {
    return (
      this.refs.get(id) ??
      this.refs.remember(id, { user: this.userOf(identity), session: createHmac('sha256', this.deps.secret).update(`passway-rules-session\0${id}`).digest('base64url').slice(0, 22) })
    );
  }
}

export function createSecurity(deps: SecurityDeps): Security {
  return new Security(deps);
}

/** The offline IP databases of security.ipDatabase: the shipped packages unless told otherwise; read only when a rule needs them. */
export function ipInfoFrom(config: Config): IpInfo {
  const { country, asn } = config.security.ipDatabase;
  return mmdbIpInfo({
    country: country === 'none' ? undefined : (country ?? defaultCountryDatabase()),
    asn: asn === 'none' ? undefined : (asn ?? defaultAsnDatabase()),
  });
}
