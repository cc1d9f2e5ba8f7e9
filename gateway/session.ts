import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookie, stringifySetCookie } from 'cookie';
import { sign, unsign } from 'cookie-signature';
import type { Identity } from '../idp-adapters/identity';
import { BoundedCache } from './bounded-cache';
import type { Store } from './store/types';

export interface SessionOptions {
  secret: string;
  cookieName: string;
  /** Cookie Domain; undefined for a host-only cookie (e.g. when the gateway is reached by IP address). */
  domain?: string;
  secure: boolean;
  idleTimeoutMs: number;
  absoluteLifetimeMs: number;
  now?: () => number;
  /** Load control (gateway/load): told when sessions are saved, signed in and end. */
  observer?: SessionObserver;
}

/** --- load control: keeps seats, active-session counts and the per-user session cap in step with sessions --- */
export interface SessionObserver {
  /** After every save; ttlMs is the time the session has left. */
  saved(session: Session, ttlMs: number): Promise<void>;
  /** After a sign-in created this session; the ids of the sessions it ends (the per-user session cap). */
  signedIn(session: Session): Promise<string[]>;
  /** After a session was destroyed, found expired, replaced at sign-in, or ended by id. */
  ended(session: Session): Promise<void>;
}

export interface SessionData {
  createdAt: number;
  lastSeenAt: number;
  user?: Identity;
  /** Anything else a feature keeps per session (pending return target, vendor cookie jar ids, …). */
  [key: string]: unknown;
}

export interface Session {
  id: string;
  data: SessionData;
}

const KEY = (id: string) => `session:${id}`;
/** Session data kept when a sign-in rotates the session (an allow-list; today nothing needs to be). */
export const CARRIED_ACROSS_LOGIN: readonly string[] = [];
/** Refresh the idle timer in the Store at most this often, not on every request. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Server-side sessions: a signed, HttpOnly, SameSite=Lax cookie carries only a random id; the
 * data lives in the Store, so any node serves any session. A plain Node API (not Express
 * middleware) so the proxy's hot path can use it too.
 */
export class Sessions {
  private readonly now: () => number;
  /**
   * Signed cookie values already verified → session id: the HMAC is checked once per value, not per request.
   * Only genuine cookies get in, so it is sized for a campus's live sessions (at the default 10,000 a
   * node with 100,000 sessions started over so often that nearly every request paid the HMAC).
   */
  private readonly verified = new BoundedCache<string, string>(250_000);

  constructor(
    private readonly store: Store,
    private readonly options: SessionOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The request's live session, or undefined when it has none, it is forged, idle too long or too old. */
  async load(req: IncomingMessage): Promise<Session | undefined> {
    const id = this.idFromCookie(req);
    if (!id) return undefined;
    const raw = await this.store.get(KEY(id));
    if (!raw) return undefined;
    const data = JSON.parse(raw) as SessionData;
    const now = this.now();
    if (now - data.createdAt > this.options.absoluteLifetimeMs || now - data.lastSeenAt > this.options.idleTimeoutMs) {
      await this.store.del(KEY(id));
      await this.options.observer?.ended({ id, data });
      return undefined;
    }
    const session = { id, data };
    if (now - data.lastSeenAt >= TOUCH_EVERY_MS) {
      data.lastSeenAt = now;
      await this.save(session);
    }
    return session;
  }

  /** A new session with a fresh id, its cookie set on the response. */
  async create(res: ServerResponse, data: Partial<SessionData> = {}): Promise<Session> {
    const now = this.now();
    const session: Session = { id: randomBytes(32).toString('base64url'), data: { ...data, createdAt: now, lastSeenAt: now } };
    await this.save(session);
    this.setCookie(res, session.id);
    return session;
  }

  async save(session: Session): Promise<void> {
    const remaining = Math.min(
      this.options.idleTimeoutMs - (this.now() - session.data.lastSeenAt),
      this.options.absoluteLifetimeMs - (this.now() - session.data.createdAt),
    );
    await this.store.set(KEY(session.id), JSON.stringify(session.data), Math.max(1, Math.ceil(remaining)));
    await this.options.observer?.saved(session, Math.max(1, Math.ceil(remaining)));
  }

  /**
   * Sign a user in: the old id (if any) is destroyed and a new one issued, so an id planted
   * before login (session fixation) is worthless after it. The absolute lifetime starts now.
   * Only the keys in CARRIED_ACROSS_LOGIN survive: nothing a page stored before sign-in (a
   * token, a role, state of another user) can reach the signed-in session; `extra` is what the
   * sign-in itself brings (the campus sign-in's logout data).
   */
  async login(res: ServerResponse, previous: Session | undefined, user: Identity, extra: Partial<SessionData> = {}): Promise<Session> {
    const carried: Partial<SessionData> = {};
    for (const key of CARRIED_ACROSS_LOGIN) if (previous && key in previous.data) carried[key] = previous.data[key];
    if (previous) {
      await this.store.del(KEY(previous.id));
      await this.options.observer?.ended(previous);
    }
    const session = await this.create(res, { ...carried, ...extra, user });
    for (const id of (await this.options.observer?.signedIn(session)) ?? []) await this.end(id);
    return session;
  }

  /** End a session by id (the per-user session cap): its data is deleted and the observer told. */
  async end(id: string): Promise<void> {
    const raw = await this.store.get(KEY(id));
    await this.store.del(KEY(id));
    if (raw) await this.options.observer?.ended({ id, data: JSON.parse(raw) as SessionData });
  }

  async destroy(res: ServerResponse, session: Session | undefined): Promise<void> {
    if (session) {
      await this.store.del(KEY(session.id));
      await this.options.observer?.ended(session);
    }
    res.appendHeader('Set-Cookie', this.cookie('', 0));
  }

  private idFromCookie(req: IncomingMessage): string | undefined {
    const header = req.headers.cookie;
    if (!header) return undefined;
    const value = parseCookie(header)[this.options.cookieName];
    if (!value?.startsWith('s:')) return undefined;
    const known = this.verified.get(value);
    if (known !== undefined) return known;
    const id = unsign(value.slice(2), this.options.secret);
    return id === false ? undefined : this.verified.remember(value, id);
  }

  private setCookie(res: ServerResponse, id: string): void {
    res.appendHeader('Set-Cookie', this.cookie(`s:${sign(id, this.options.secret)}`, Math.floor(this.options.absoluteLifetimeMs / 1000)));
  }

  private cookie(value: string, maxAgeSeconds: number): string {
    return stringifySetCookie({
      name: this.options.cookieName,
      value,
      domain: this.options.domain,
      path: '/',
      httpOnly: true,
      secure: this.options.secure,
      sameSite: 'lax',
      maxAge: maxAgeSeconds,
    });
  }
}
