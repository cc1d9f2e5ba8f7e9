import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Resource } from '../../../resource-catalog/schema';
import { Catalog } from '../../../resource-catalog/catalog';
import type { RoamingLogin } from '../../../resource-catalog/roaming';
import type { Logger } from '../../logger';
import type { Session } from '../../session';
import type { Store } from '../../store/types';
import type { RecordUsage } from '../../usage/record';
import type { CookieJars } from '../cookie-jar';
import { redirect, sendProxyPage } from '../pages';
import { CredentialUnavailable, readCredential, type Credential, type SecretSource } from './credentials';
import { RoamingGuard } from './guard';
import { signInAtVendor, type SignInFailure, type SignInResult } from './sign-in';
import { noteVendorLogin } from './status';

export { CredentialEcho, VendorSessionEnded, isCheckedType } from './guard';
export { readVendorLoginStatus, type VendorLoginStatus } from './status';
export { credentialProblems, type SecretSource } from './credentials';

/** How long one node holds the sign-in of a jar; others wait for it. */
const LOCK_MS = 30_000;
const WAIT_STEP_MS = 100;
/** How long the credential read from its env or file is kept in this process (a rotated file is seen within it). */
const CREDENTIAL_CACHE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface RoamingDeps {
  store: Store;
  jars: CookieJars;
  agent: Dispatcher;
  secrets: SecretSource;
  record: RecordUsage;
  logger: Logger;
  /** The pseudonymous user id per-reader caps are counted under. */
  userOf: (session: Session) => string | undefined;
  /** How long a vendor session's state outlives its last sign-in (the gateway session's lifetime). */
  lifetimeMs: number;
  userAgent: string;
  now?: () => number;
}

/** One proxied exchange on a roaming account: which jar, which sign-in it relies on, what must not be shown. */
export interface VendorSession {
  resource: Resource;
  recipe: RoamingLogin;
  account: number;
  jar: string;
  generation: number;
  /** Whether this sign-in has served a page yet (one that did not is not renewed: it never worked). */
  used: boolean;
  credential: Credential;
  guard: RoamingGuard;
  session: Session;
}

/** A failure of the roaming path, answered with a page to the reader. */
export class RoamingRefused extends Error {
  constructor(
    readonly kind: 'failed' | 'cap',
    readonly resource: Resource,
  ) {
    super(`roaming sign-in ${kind}`);
  }
}

interface SignInState {
  generation: number;
  at: number;
  /** The sign-in has served a vendor response that was not a sign of an ended session. */
  used?: boolean;
}

/**
 * Roaming accounts (漫游账号): the gateway signs in at the vendor with a library account, server-side,
 * into the reader's own vendor cookie jar (per-reader) or a jar shared by the readers of one pooled
 * account, on the first proxied request; signs in again once when the vendor session ends; and keeps
 * the account out of every response (RoamingGuard). The credential lives only in this process's
 * memory while used: never in the Store, a log line, an event or anything sent to a browser.
 */
export class Roaming {
  private readonly guards = new WeakMap<RoamingLogin, RoamingGuard>();
  private readonly credentials = new Map<string, { credential: Credential; until: number }>();
  private readonly now: () => number;

  constructor(private readonly deps: RoamingDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The jar a reader's requests to this resource use: their own, or the pooled account's. */
  jarOf(session: Session, resource: Resource, account: number): string {
    return resource.roaming?.mode === 'pooled' ? `roaming:${resource.id}:${account}` : session.id;
  }

  guardOf(recipe: RoamingLogin): RoamingGuard {
    let guard = this.guards.get(recipe);
    if (!guard) this.guards.set(recipe, (guard = new RoamingGuard(recipe)));
    return guard;
  }

  private stateKey(resource: Resource, jar: string): string {
    return `roaming:state:${resource.id}:${jar}`;
  }

  private async state(resource: Resource, jar: string): Promise<SignInState | undefined> {
    const raw = await this.deps.store.get(this.stateKey(resource, jar));
    return raw ? (JSON.parse(raw) as SignInState) : undefined;
  }

  /** The account's credential (kept in this process for a minute); one that cannot be read is a failed sign-in. */
  private async credentialFor(session: Session, resource: Resource, account: number, renewal: boolean): Promise<Credential> {
    const key = `${resource.id}:${account}`;
    const cached = this.credentials.get(key);
    if (cached && cached.until > this.now()) return cached.credential;
    let credential: Credential;
    try {
      credential = readCredential(this.deps.secrets, resource.roaming!, account);
    } catch (error) {
      if (!(error instanceof CredentialUnavailable)) throw error;
      await this.failed(session, resource, account, { ok: false, reason: 'credential-unavailable', detail: error.message }, renewal);
      throw new RoamingRefused('failed', resource);
    }
    this.credentials.set(key, { credential, until: this.now() + CREDENTIAL_CACHE_MS });
    return credential;
  }

  /**
   * The vendor session for this request: signed in already (one Store read), or signed in now.
   * Throws RoamingRefused when the sign-in fails or the reader's cap is reached.
   */
  async ready(session: Session, resource: Resource, account: number): Promise<VendorSession> {
    const jar = this.jarOf(session, resource, account);
    const state = await this.state(resource, jar);
    if (state) return this.vendorSession(session, resource, account, jar, state);
    return this.signIn(session, resource, account, jar, 0, false);
  }

  /** A vendor response under this sign-in was not a sign of an ended session: noted once per sign-in, in the Store. */
  async used(vendor: VendorSession): Promise<void> {
    if (vendor.used) return;
    vendor.used = true;
    const key = this.stateKey(vendor.resource, vendor.jar);
    const state = await this.state(vendor.resource, vendor.jar);
    if (state && state.generation === vendor.generation && !state.used) await this.deps.store.set(key, JSON.stringify({ ...state, used: true }), this.deps.lifetimeMs);
  }

  /**
   * The vendor session ended under a request: sign in again, once. When another request (on any
   * node) already did, its sign-in is used; when the sign-in relied on never served a page (it ended
   * at once), the vendor is not asked again and the reader gets the failure page.
   */
  async renew(vendor: VendorSession): Promise<VendorSession> {
    const { session, resource, account, jar } = vendor;
    const state = await this.state(resource, jar);
    if (state && state.generation > vendor.generation) return this.vendorSession(session, resource, account, jar, state);
    if (state && !state.used) {
      await this.deps.store.del(this.stateKey(resource, jar)); // the reader's next request signs in afresh (a 502 is not repeated by itself)
      await this.failed(session, resource, account, { ok: false, reason: 'unrecognised', detail: 'the vendor session ended right after a sign-in (check success and expired in the recipe)' }, true);
      throw new RoamingRefused('failed', resource);
    }
    return this.signIn(session, resource, account, jar, state?.generation ?? vendor.generation, true);
  }

  private async vendorSession(session: Session, resource: Resource, account: number, jar: string, state: SignInState): Promise<VendorSession> {
    const recipe = resource.roaming!;
    const credential = await this.credentialFor(session, resource, account, false);
    return { resource, recipe, account, jar, generation: state.generation, used: !!state.used, credential, guard: this.guardOf(recipe), session };
  }

  private async signIn(session: Session, resource: Resource, account: number, jar: string, seen: number, renewal: boolean): Promise<VendorSession> {
    const recipe = resource.roaming!;
    const lock = `roaming:lock:${resource.id}:${jar}`;
    if (!(await this.deps.store.setIfAbsent(lock, String(this.now()), LOCK_MS))) return this.waitForSignIn(session, resource, account, jar, seen);
    try {
      const user = this.deps.userOf(session) ?? session.id;
      const day = Math.floor(this.now() / DAY_MS);
      const count = await this.deps.store.incr(`roaming:reader-logins:${resource.id}:${user}:${day}`, 1, 2 * DAY_MS);
      if (count > recipe.readerLoginsPerDay) {
        await this.failed(session, resource, account, { ok: false, reason: 'reader-cap', detail: `a reader reached ${recipe.readerLoginsPerDay} sign-ins today` }, renewal);
        throw new RoamingRefused('cap', resource);
      }
      const credential = await this.credentialFor(session, resource, account, renewal);
      if (recipe.mode === 'pooled') await this.deps.jars.clear(jar); // a pooled jar holds nothing but the vendor session
      const result = await signInAtVendor({ agent: this.deps.agent, jars: this.deps.jars, owns: (url) => Catalog.owns(resource, url), userAgent: this.deps.userAgent }, jar, recipe, credential);
      if (!result.ok) {
        this.credentials.delete(`${resource.id}:${account}`); // read it afresh next time (the secret may be being rotated)
        await this.failed(session, resource, account, result, renewal);
        throw new RoamingRefused('failed', resource);
      }
      const generation = seen + 1;
      await this.deps.store.set(this.stateKey(resource, jar), JSON.stringify({ generation, at: this.now() } satisfies SignInState), this.deps.lifetimeMs);
      await this.noted(session, resource, account, result, renewal);
      return { resource, recipe, account, jar, generation, used: false, credential, guard: this.guardOf(recipe), session };
    } finally {
      await this.deps.store.del(lock);
    }
  }

  /** Another request holds the sign-in of this jar: wait for its result (it is in the Store when done). */
  private async waitForSignIn(session: Session, resource: Resource, account: number, jar: string, seen: number): Promise<VendorSession> {
    const until = this.now() + LOCK_MS;
    while (this.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      const state = await this.state(resource, jar);
      if (state && state.generation > seen) return this.vendorSession(session, resource, account, jar, state);
      if (!(await this.deps.store.get(`roaming:lock:${resource.id}:${jar}`))) break; // it failed: the reader gets the failure page
    }
    throw new RoamingRefused('failed', resource);
  }

  private async failed(session: Session, resource: Resource, account: number, result: Extract<SignInResult, { ok: false }>, renewal: boolean): Promise<void> {
    // The detail names variables, files, texts of the recipe and HTTP statuses; never a value of the credential.
    this.deps.logger.warn({ resource: resource.id, account: account + 1, reason: result.reason, detail: result.detail }, 'roaming: vendor sign-in failed');
    await this.noted(session, resource, account, result, renewal);
  }

  private async noted(session: Session, resource: Resource, account: number, result: SignInResult, renewal: boolean): Promise<void> {
    const user = session.data.user;
    const reason: SignInFailure | undefined = result.ok ? undefined : result.reason;
    this.deps.record({
      type: 'vendor-login',
      resource: resource.id,
      ok: result.ok,
      mode: resource.roaming!.mode,
      account: account + 1,
      ...(reason ? { reason } : {}),
      ...(renewal ? { renewal } : {}),
      institution: user?.institution,
      subject: user?.subject,
    });
    await noteVendorLogin(this.deps.store, resource.id, result, this.now()).catch((error: unknown) => this.deps.logger.warn({ err: error, resource: resource.id }, 'roaming: sign-in status not stored'));
  }

  /** The reader's page for a refused roaming request (the proxy answers outside Express): a response that showed the account, the cap, a failed sign-in. */
  answer(req: IncomingMessage, res: ServerResponse, kind: 'echo' | RoamingRefused['kind'], resource: Resource): void {
    const vars = { vendor: resource.vendor };
    if (kind === 'echo') sendProxyPage(req, res, 403, 'roamingEchoTitle', 'roamingEchoBody', vars);
    else if (kind === 'cap') sendProxyPage(req, res, 429, 'roamingCapTitle', 'roamingCapBody', vars);
    else sendProxyPage(req, res, 502, 'roamingFailedTitle', 'roamingFailedBody', vars);
  }

  /** An account or password page of a roaming resource: refused before anything is asked of the vendor. */
  refuseBlocked(req: IncomingMessage, res: ServerResponse, resource: Resource): void {
    sendProxyPage(req, res, 403, 'roamingBlockedTitle', 'roamingBlockedBody', { vendor: resource.vendor });
  }

  /** After a renewal: the browser repeats its request (307 keeps the method and body), now on the new vendor session. */
  repeat(res: ServerResponse, proxiedUrl: string): void {
    redirect(res, 307, proxiedUrl);
  }
}

