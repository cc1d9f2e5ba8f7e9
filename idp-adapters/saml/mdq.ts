/**
 * A federation's Metadata Query (MDQ) service (draft-young-md-query, its SAML profile
 * draft-young-md-query-saml; InCommon and DFN run one): one IdP's signed metadata fetched when a
 * login needs it, from `<baseUrl>/entities/<id>` where the id is `{sha1}` and the hex SHA-1 of
 * the entityID, or the entityID itself, URL-encoded. Every answer goes through the same signature
 * check and `validUntil` reading as the aggregate, against the pinned certificate, and must
 * describe the entity asked for. A good answer is kept until its validUntil (at most
 * maxCacheHours) and fetched again before then, at its cacheDuration (else three quarters of its
 * life); a failed refresh keeps the cached answer until it expires.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent, request, type Dispatcher } from 'undici';
import type { MdqConfig } from '../../config/schema';
import type { FederationDeps } from './aggregate-source';
import { readAggregate } from './federation-aggregate';
import type { SourceStatus } from './federation-status';
import type { IdpMetadata } from './metadata';
import { MetadataSignatureError, verifyMetadataSignature } from './metadata-signature';

/** Why MDQ gave no IdP: it does not know the entity, or its answer was refused, or it could not be reached. */
export class MdqError extends Error {
  override readonly name = 'MdqError';
  constructor(
    readonly kind: 'not-found' | 'refused' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

interface Cached {
  idp: IdpMetadata;
  validUntil?: number;
  refreshAt: number;
  expiresAt: number;
}

/** The content type MDQ answers carry (RFC 7282's media type for SAML metadata). */
const METADATA_TYPE = 'application/samlmetadata+xml';
/** After a failed lookup the entity is not asked for again this soon (logins use the fallback meanwhile). */
export const RETRY_AFTER_FAILURE_MS = 60_000;
/** A failed refresh of a cached answer is tried again this soon (or halfway to its expiry, if sooner). */
const RETRY_REFRESH_MS = 5 * 60_000;
const MIN_REFRESH_MS = 30_000;
/** One entity's metadata is a few kilobytes; anything much larger is not an answer to a query for one. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** The MDQ identifier of an entity: `{sha1}` and the lower-case hex SHA-1 of its entityID, or the entityID. */
export function mdqIdentifier(entityID: string, form: MdqConfig['identifier']): string {
  return form === 'sha1' ? `{sha1}${createHash('sha1').update(entityID, 'utf8').digest('hex')}` : entityID;
}

export class MdqSource {
  private readonly state: SourceStatus;
  private readonly cache = new Map<string, Cached>();
  private readonly failures = new Map<string, { until: number; error: MdqError }>();
  private readonly inflight = new Map<string, Promise<IdpMetadata>>();
  private readonly agent: Dispatcher;
  private readonly now: () => number;
  private readonly read: (file: string) => Promise<string>;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly federation: string,
    private readonly config: MdqConfig,
    private readonly certFile: string,
    private readonly deps: FederationDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.read = deps.readFile ?? ((file) => readFile(file, 'utf8'));
    const timeout = config.timeoutSeconds * 1000;
    this.agent = new Agent({ connect: { timeout }, headersTimeout: timeout, bodyTimeout: timeout, maxResponseSize: MAX_ANSWER_BYTES });
    this.state = { federation, kind: 'mdq', source: config.baseUrl, entities: 0, failures: 0 };
  }

  /** A snapshot for the IT status page: the cached answers' soonest validUntil and refresh. */
  get status(): SourceStatus {
    const now = this.now();
    const live = [...this.cache].filter(([, c]) => c.expiresAt > now).sort(([, a], [, b]) => a.refreshAt - b.refreshAt);
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const soonest = (values: number[]) => iso(values.length ? Math.min(...values) : undefined);
    return {
      ...this.state,
      ...(this.state.lastError ? { lastError: { ...this.state.lastError } } : {}),
      entities: live.length,
      validUntil: soonest(live.flatMap(([, c]) => (c.validUntil === undefined ? [] : [c.validUntil]))),
      nextRefresh: iso(live[0]?.[1].refreshAt),
      answers: live.map(([entityID, c]) => ({ entityID, validUntil: iso(c.validUntil), nextRefresh: new Date(c.refreshAt).toISOString() })),
    };
  }

  /** The query URL for an entity. */
  url(entityID: string): URL {
    const base = this.config.baseUrl.endsWith('/') ? this.config.baseUrl : `${this.config.baseUrl}/`;
    return new URL(`entities/${encodeURIComponent(mdqIdentifier(entityID, this.config.identifier))}`, base);
  }

  /**
   * The IdP from its cached answer while that is valid (a refresh started when one is due), else
   * fetched now. Throws MdqError; a failure is remembered for a minute rather than asked again.
   */
  async idp(entityID: string): Promise<IdpMetadata> {
    const now = this.now();
    const cached = this.cache.get(entityID);
    if (cached && cached.expiresAt > now) {
      if (cached.refreshAt <= now) void this.lookup(entityID).catch(() => undefined); // logged and recorded in lookup
      return cached.idp;
    }
    if (cached) this.cache.delete(entityID);
    const failed = this.failures.get(entityID);
    if (failed && failed.until > now) throw failed.error;
    return this.lookup(entityID);
  }

  /** Refresh every cached answer that is due (the timer calls this; so may a test). */
  async refreshDue(): Promise<void> {
    const now = this.now();
    const due = [...this.cache].filter(([, c]) => c.refreshAt <= now).map(([entityID]) => entityID);
    await Promise.all(due.map((entityID) => this.lookup(entityID).catch(() => undefined)));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    void this.agent.close();
  }

  /** One fetch per entity at a time. */
  private lookup(entityID: string): Promise<IdpMetadata> {
    let pending = this.inflight.get(entityID);
    if (!pending) {
      pending = this.fetchAndAdopt(entityID).finally(() => {
        this.inflight.delete(entityID);
        this.schedule();
      });
      this.inflight.set(entityID, pending);
    }
    return pending;
  }

  private async fetchAndAdopt(entityID: string): Promise<IdpMetadata> {
    const started = this.now();
    this.state.lastFetch = new Date(started).toISOString();
    try {
      const { idp, validUntil, cacheDurationMs } = await this.verify(entityID, await this.fetch(entityID));
      const expiresAt = Math.min(validUntil ?? Infinity, started + this.config.maxCacheHours * 3_600_000);
      const life = expiresAt - started;
      const refreshIn = Math.max(MIN_REFRESH_MS, Math.min(cacheDurationMs ?? Infinity, life * 0.75));
      this.cache.set(entityID, { idp, validUntil, expiresAt, refreshAt: Math.min(started + refreshIn, expiresAt) });
      this.failures.delete(entityID);
      this.state.lastSuccess = new Date(this.now()).toISOString();
      delete this.state.lastError;
      return idp;
    } catch (error) {
      const failure = error instanceof MdqError ? error : new MdqError('failed', (error as Error).message);
      const now = this.now();
      this.state.lastError = { at: new Date(now).toISOString(), reason: `${entityID}: ${failure.message}` };
      this.state.failures += 1;
      this.failures.set(entityID, { until: now + RETRY_AFTER_FAILURE_MS, error: failure });
      const cached = this.cache.get(entityID);
      if (cached && cached.expiresAt <= now) this.cache.delete(entityID);
      else if (cached) {
        cached.refreshAt = now + Math.max(MIN_REFRESH_MS, Math.min(RETRY_REFRESH_MS, (cached.expiresAt - now) / 2));
        this.deps.logger.warn(
          { federation: this.federation, source: 'mdq', idp: entityID, reason: failure.message },
          `MDQ refresh failed; the cached answer stays in use until ${new Date(cached.expiresAt).toISOString()}`,
        );
      }
      throw failure;
    }
  }

  private async fetch(entityID: string): Promise<string> {
    const url = this.url(entityID);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { dispatcher: this.agent, method: 'GET', headers: { accept: METADATA_TYPE } });
    } catch (error) {
      throw new MdqError('failed', `${url.href} could not be fetched: ${(error as Error).message}`);
    }
    if (res.statusCode === 404) {
      await res.body.dump();
      throw new MdqError('not-found', `the MDQ service does not know ${entityID} (404 from ${url.href})`);
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new MdqError('failed', `${url.href} answered ${res.statusCode}`);
    }
    try {
      return await res.body.text();
    } catch (error) {
      throw new MdqError('failed', `${url.href}: the answer could not be read: ${(error as Error).message}`);
    }
  }

  /** The same checks as the aggregate's (one source per rule), then: is it the entity asked for? */
  private async verify(entityID: string, xml: string): Promise<{ idp: IdpMetadata; validUntil?: number; cacheDurationMs?: number }> {
    const pem = await this.read(this.certFile);
    try {
      new X509Certificate(pem);
    } catch {
      throw new MdqError('failed', `signing certificate ${this.certFile} is not a PEM certificate`);
    }
    let signed: string;
    try {
      signed = await verifyMetadataSignature(xml, pem, ['EntityDescriptor', 'EntitiesDescriptor']);
    } catch (error) {
      if (error instanceof MetadataSignatureError) this.state.signature = 'refused';
      throw new MdqError('refused', (error as Error).message);
    }
    this.state.signature = 'verified';
    let answer: Awaited<ReturnType<typeof readAggregate>>;
    try {
      answer = await readAggregate(signed, this.now());
    } catch (error) {
      throw new MdqError('refused', (error as Error).message);
    }
    const idp = answer.idps.get(entityID);
    if (!idp) throw new MdqError('refused', `the answer describes ${[...answer.idps.keys()].join(', ')}, not ${entityID}`);
    return { idp, validUntil: answer.validUntil?.getTime(), cacheDurationMs: answer.cacheDurationMs };
  }

  /** One timer, for the soonest refresh due among the cached answers. */
  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    const next = Math.min(...[...this.cache.values()].map((c) => c.refreshAt));
    if (!Number.isFinite(next)) return;
    this.timer = setTimeout(() => void this.refreshDue().finally(() => this.schedule()), Math.max(1000, next - this.now()));
    this.timer.unref();
  }
}
