/**
 * One federation's signed metadata aggregate (CARSI, eduGAIN): fetched or read, its signature
 * verified against the pinned certificate, `validUntil` honoured, the IdPs parsed from the signed
 * content only; the last good verified copy kept in memory and on disk (used at start when the
 * source fails); refreshed on a schedule. A failed or forged refresh never replaces or empties
 * the list: it is logged and recorded in `status` for the IT status page (/admin/federations).
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FederationConfig } from '../../config/schema';
import { LoginError } from '../types';
import { readAggregate, type Aggregate } from './federation-aggregate';
import type { IdpMetadata } from './metadata';
import type { SpMetadata } from './sp-metadata';
import { MetadataSignatureError, verifyMetadataSignature } from './metadata-signature';
import type { SourceStatus } from './federation-status';

export interface FederationDeps {
  logger: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };
  readFile?: (file: string) => Promise<string>;
  fetch?: typeof fetch;
  now?: () => number;
}

const FETCH_TIMEOUT_MS = 60_000;
/** While no copy is loaded at all, try again this soon rather than after the whole refresh period. */
const RETRY_WITHOUT_COPY_MS = 5 * 60_000;
const MIN_REFRESH_MS = 60_000;

export class AggregateSource {
  private readonly state: SourceStatus;
  private current?: Aggregate;
  private started?: Promise<void>;
  private inflight?: Promise<boolean>;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private readonly now: () => number;
  private readonly read: (file: string) => Promise<string>;

  constructor(
    readonly config: FederationConfig,
    private readonly deps: FederationDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.read = deps.readFile ?? ((file) => readFile(file, 'utf8'));
    this.state = { federation: config.id, kind: 'aggregate', source: config.metadataUrl ?? config.metadataFile ?? '', entities: 0, failures: 0 };
  }

  /** A snapshot for the IT status page. */
  get status(): SourceStatus {
    return { ...this.state, ...(this.state.lastError ? { lastError: { ...this.state.lastError } } : {}) };
  }

  get id(): string {
    return this.config.id;
  }

  /** The on-disk copy of the last verified aggregate. */
  get cacheFile(): string {
    return path.join(this.config.cacheDir, `${this.config.id}.xml`);
  }

  /** First load (the source, else the on-disk copy), then the refresh schedule. Idempotent. */
  start(): Promise<void> {
    this.started ??= (async () => {
      const fromSource = await this.refresh();
      if (!fromSource && !this.current) await this.loadCache();
      this.schedule();
    })();
    return this.started;
  }

  /** Fetch, verify and adopt the aggregate now; false (and the old list kept) when refused. */
  refresh(): Promise<boolean> {
    this.inflight ??= this.fetchAndAdopt().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** The IdP with this entityID from the current verified list; LoginError otherwise. */
  async idp(entityID: string): Promise<IdpMetadata> {
    await this.start();
    const current = this.current;
    if (!current) {
      throw new LoginError('metadata-unavailable', `the ${this.id} federation metadata could not be loaded: ${this.state.lastError?.reason ?? 'not loaded yet'}`, {
        federation: this.id,
        idp: entityID,
      });
    }
    if (current.validUntil && current.validUntil.getTime() <= this.now()) {
      throw new LoginError('metadata-unavailable', `the ${this.id} federation metadata expired at ${current.validUntil.toISOString()} and no newer verified copy could be loaded`, {
        federation: this.id,
        idp: entityID,
      });
    }
    const idp = current.idps.get(entityID);
    if (!idp) {
      throw new LoginError('idp-unknown', `${entityID} is not an IdP in the verified ${this.id} federation metadata (${current.idps.size} IdPs listed)`, {
        federation: this.id,
        idp: entityID,
      });
    }
    return idp;
  }

  /** The SP with this entityID from the current verified list (Passway as IdP); undefined when it is not listed or no valid copy is loaded. */
  async sp(entityID: string): Promise<SpMetadata | undefined> {
    await this.start();
    const current = this.current;
    if (!current || (current.validUntil && current.validUntil.getTime() <= this.now())) return undefined;
    return current.sps.get(entityID);
  }

  /** Stop the refresh schedule (gateway shutdown). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async fetchAndAdopt(): Promise<boolean> {
    this.state.lastFetch = new Date(this.now()).toISOString();
    try {
      const xml = await this.fetchSource();
      const aggregate = await this.verify(xml);
      this.adopt(aggregate, 'source');
      await this.writeCache(xml).catch((error: Error) =>
        this.deps.logger.warn({ federation: this.id, reason: `cache not written: ${error.message}` }, 'federation metadata cache could not be written'),
      );
      return true;
    } catch (error) {
      this.refused((error as Error).message);
      return false;
    }
  }

  private async loadCache(): Promise<void> {
    let xml: string;
    try {
      xml = await readFile(this.cacheFile, 'utf8');
    } catch {
      return; // no copy yet: the source's failure is already recorded
    }
    try {
      // The copy on disk is verified again, exactly as if it had just been fetched.
      this.adopt(await this.verify(xml), 'cache');
    } catch (error) {
      this.refused(`on-disk copy ${this.cacheFile} refused: ${(error as Error).message}`);
    }
  }

  private async fetchSource(): Promise<string> {
    const { metadataUrl, metadataFile } = this.config;
    if (metadataFile) return this.read(metadataFile);
    if (!metadataUrl) throw new Error('no metadataUrl or metadataFile');
    const res = await (this.deps.fetch ?? fetch)(metadataUrl, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' }).catch((error: Error) => {
      throw new Error(`${metadataUrl} could not be fetched: ${(error.cause as Error | undefined)?.message ?? error.message}`);
    });
    if (!res.ok) throw new Error(`${metadataUrl} answered ${res.status}`);
    return res.text();
  }

  private async verify(xml: string): Promise<Aggregate> {
    const pem = await this.read(this.config.signingCertFile);
    try {
      new X509Certificate(pem);
    } catch {
      throw new Error(`signingCertFile ${this.config.signingCertFile} is not a PEM certificate`);
    }
    let signed: string;
    try {
      signed = await verifyMetadataSignature(xml, pem);
    } catch (error) {
      if (error instanceof MetadataSignatureError) this.state.signature = 'refused';
      throw error;
    }
    this.state.signature = 'verified';
    return readAggregate(signed, this.now());
  }

  private adopt(aggregate: Aggregate, from: 'source' | 'cache'): void {
    this.current = aggregate;
    Object.assign(this.state, {
      lastSuccess: new Date(this.now()).toISOString(),
      loadedFrom: from,
      entities: aggregate.idps.size,
      validUntil: aggregate.validUntil?.toISOString(),
    });
    if (from === 'source') delete this.state.lastError;
    this.deps.logger.info({ federation: this.id, from, entities: aggregate.idps.size, skipped: aggregate.skipped.length }, 'federation metadata loaded');
  }

  private refused(reason: string): void {
    this.state.lastError = { at: new Date(this.now()).toISOString(), reason };
    this.state.failures += 1;
    const current = this.current;
    const next = current
      ? `the last good copy (verified ${this.state.lastSuccess ?? '?'}, ${current.validUntil ? `valid until ${current.validUntil.toISOString()}` : 'without validUntil'}) stays in use`
      : this.config.mdq
        ? 'no verified copy is loaded: sign-ins through this federation depend on its MDQ service alone'
        : 'no verified copy is loaded: sign-ins through this federation fail until one is';
    this.deps.logger.warn({ federation: this.id, source: 'aggregate', reason }, `federation metadata refused; ${next}`);
  }

  /** Atomic: a temporary file in the same folder, then rename, so a reader never sees half a file. */
  private async writeCache(xml: string): Promise<void> {
    await mkdir(this.config.cacheDir, { recursive: true });
    const temp = `${this.cacheFile}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, xml, { mode: 0o644 });
      await rename(temp, this.cacheFile);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  private schedule(): void {
    if (this.closed) return;
    const period = this.config.refreshMinutes * 60_000;
    const hint = this.current?.cacheDurationMs;
    let delay = hint !== undefined ? Math.min(period, Math.max(MIN_REFRESH_MS, hint)) : period;
    if (!this.current) delay = Math.min(delay, RETRY_WITHOUT_COPY_MS);
    this.state.nextRefresh = new Date(this.now() + delay).toISOString();
    this.timer = setTimeout(() => {
      void this.refresh().finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }
}
