import { CookieJar } from 'tough-cookie';
import { BoundedCache } from '../bounded-cache';
import type { Store } from '../store/types';

/**
 * The vendor cookie jar: one per session, kept server-side in the Store under `jar:<sessionId>`
 * (tough-cookie's serialized form), so any gateway node serves the next request. Vendor
 * Set-Cookie headers go here and are never sent to the browser; upstream requests carry the
 * jar's cookies for their URL (domain, path, expiry, Secure and SameSite-free server semantics
 * as tough-cookie implements RFC 6265).
 *
 * Concurrency: a write re-reads the jar, applies the new Set-Cookie headers and writes it back
 * (merge on write). Two responses of one session setting cookies at the same instant on two
 * nodes can still race between that read and write; the later write wins and the other's new
 * cookies are lost (the vendor sets them again on its next response). Documented, accepted.
 */
export class CookieJars {
  /**
   * Parsed jars by session, with the Store text they were parsed from: a request whose jar text is
   * unchanged reuses the parsed jar (deserializing costs more than the rest of a proxied request).
   */
  private readonly parsed = new BoundedCache<string, { raw: string; jar: CookieJar }>();

  constructor(
    private readonly store: Store,
    /** How long a jar outlives its last write (the session's absolute lifetime). */
    private readonly ttlMs: number,
  ) {}

  private key(sessionId: string): string {
    return `jar:${sessionId}`;
  }

  private async load(sessionId: string): Promise<CookieJar | undefined> {
    const raw = await this.store.get(this.key(sessionId));
    return raw ? CookieJar.deserialize(raw) : undefined;
  }

  /** The Cookie header value the jar holds for this upstream URL ('' when none). */
  async cookieHeader(sessionId: string, url: string): Promise<string> {
    const raw = await this.store.get(this.key(sessionId));
    if (!raw) return '';
    let cached = this.parsed.get(sessionId);
    if (cached?.raw !== raw) cached = this.parsed.remember(sessionId, { raw, jar: await CookieJar.deserialize(raw) });
    return cached.jar.getCookieString(url);
  }

  /** Store a response's Set-Cookie headers (merge on write); unparsable or foreign cookies are ignored. */
  async storeFromResponse(sessionId: string, url: string, setCookies: readonly string[]): Promise<void> {
    if (setCookies.length === 0) return;
    const jar = (await this.load(sessionId)) ?? new CookieJar();
    for (const header of setCookies) {
      await jar.setCookie(header, url, { ignoreError: true });
    }
    const raw = JSON.stringify(await jar.serialize());
    await this.store.set(this.key(sessionId), raw, this.ttlMs);
    this.parsed.remember(sessionId, { raw, jar });
  }

  async clear(sessionId: string): Promise<void> {
    this.parsed.delete(sessionId);
    await this.store.del(this.key(sessionId));
  }
}
