/**
 * The campus IdPs the hub trusts, from `logins[kind=saml]`, with their metadata loaded on first
 * use and refreshed now and then. A failed or unusable refresh keeps the last good copy; with no
 * good copy at all the login fails with `metadata-unavailable`, never with an empty trust.
 * Logins with `federation:` take their IdP from that federation (its MDQ service or verified aggregate) instead.
 */
import { X509Certificate } from 'node:crypto';
import type { SamlLoginConfig } from '../../config/schema';
import { LoginError } from '../types';
import type { FederationMetadata } from './federation';
import { parseIdpMetadata, type IdpMetadata } from './metadata';
import { certificateByFingerprint, verifyMetadataSignature } from './metadata-signature';

/** Where a login's metadata document comes from (a file or a URL); wired by the composition root. */
export type MetadataSource = (login: SamlLoginConfig) => Promise<string>;

export interface RegistryOptions {
  refreshMs?: number;
  now?: () => number;
  onRefreshFailed?: (login: SamlLoginConfig, error: Error) => void;
  /** Federation aggregates by id, for logins with `federation:`. */
  federations?: ReadonlyMap<string, FederationMetadata>;
}

interface Cached {
  metadata: IdpMetadata;
  loadedAt: number;
}

const SIX_HOURS = 6 * 60 * 60 * 1000;

export class IdpRegistry {
  private readonly cache = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<IdpMetadata>>();
  private readonly refreshMs: number;
  private readonly now: () => number;
  readonly federations: ReadonlyMap<string, FederationMetadata>;

  constructor(
    readonly logins: SamlLoginConfig[],
    private readonly source: MetadataSource,
    private readonly options: RegistryOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? SIX_HOURS;
    this.now = options.now ?? Date.now;
    this.federations = options.federations ?? new Map();
  }

  byId(id: string): SamlLoginConfig | undefined {
    return this.logins.find((login) => login.id === id);
  }

  byEntityID(entityID: string): SamlLoginConfig | undefined {
    return this.logins.find((login) => login.entityID === entityID);
  }

  /** The IdP's metadata: the cached copy while fresh, else a reload (falling back to the last good copy). */
  async metadata(login: SamlLoginConfig): Promise<IdpMetadata> {
    if (login.federation !== undefined) return this.fromFederation(login, login.federation);
    const cached = this.cache.get(login.id);
    if (cached && this.now() - cached.loadedAt < this.refreshMs) return cached.metadata;
    let pending = this.loading.get(login.id);
    if (!pending) {
      pending = this.load(login).finally(() => this.loading.delete(login.id));
      this.loading.set(login.id, pending);
    }
    return pending;
  }

  /** Stop the federations' refresh schedules. */
  close(): void {
    for (const federation of this.federations.values()) federation.close();
  }

  /** A federation login's IdP, from the federation's MDQ service or its current verified aggregate. */
  private fromFederation(login: SamlLoginConfig, id: string): Promise<IdpMetadata> {
    const federation = this.federations.get(id);
    if (!federation) throw new LoginError('metadata-unavailable', `federation ${id} of ${login.entityID} is not configured`, { idp: login.entityID, federation: id });
    return federation.idp(login.entityID);
  }

  private async load(login: SamlLoginConfig): Promise<IdpMetadata> {
    try {
      const metadata = await parseIdpMetadata(await this.source(login), login.entityID);
      this.cache.set(login.id, { metadata, loadedAt: this.now() });
      return metadata;
    } catch (error) {
      this.options.onRefreshFailed?.(login, error as Error);
      const lastGood = this.cache.get(login.id);
      if (lastGood) {
        // Try again after a short pause rather than on every request.
        lastGood.loadedAt = this.now() - this.refreshMs + 60_000;
        return lastGood.metadata;
      }
      throw new LoginError('metadata-unavailable', `metadata of ${login.entityID} could not be loaded: ${(error as Error).message}`, {
        idp: login.entityID,
      });
    }
  }
}

export interface MetadataSourceOptions {
  /** Reads metadataFile and metadataSigningCertFile. */
  readFile: (file: string) => Promise<string>;
  /** Default the global fetch; tests pass one whose dispatcher trusts their CA. */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const MAX_REDIRECTS = 5;

/**
 * The default source: `metadataFile` read from disk as it is (the operator put it there), else
 * `metadataUrl` fetched over https only (redirects followed only to https) and accepted only
 * when signed with the pinned certificate; what is returned is the signed element, canonical.
 */
export function defaultMetadataSource(options: MetadataSourceOptions): MetadataSource {
  const fetchImpl = options.fetch ?? fetch;
  return async (login) => {
    if (login.metadataFile) return options.readFile(login.metadataFile);
    if (!login.metadataUrl) throw new Error('no metadataUrl or metadataFile');
    const xml = await fetchHttps(login.metadataUrl, fetchImpl, options.timeoutMs ?? 10_000);
    const pem = login.metadataSigningCertFile
      ? await options.readFile(login.metadataSigningCertFile)
      : login.metadataSigningCertSha256
        ? await certificateByFingerprint(xml, login.metadataSigningCertSha256)
        : undefined;
    if (!pem) throw new Error('metadataUrl without metadataSigningCertFile or metadataSigningCertSha256 is not trusted');
    try {
      new X509Certificate(pem);
    } catch {
      throw new Error(`metadataSigningCertFile ${login.metadataSigningCertFile} is not a PEM certificate`);
    }
    return verifyMetadataSignature(xml, pem, ['EntityDescriptor', 'EntitiesDescriptor']);
  };
}

async function fetchHttps(url: string, fetchImpl: typeof fetch, timeoutMs: number): Promise<string> {
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (current.protocol !== 'https:') throw new Error(`metadata must come over https, not from ${current.href}`);
    const res = await fetchImpl(current, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' }).catch((error: Error) => {
      throw new Error(`${current.href} could not be fetched: ${(error.cause as Error | undefined)?.message ?? error.message}`);
    });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      current = new URL(location, current);
      continue;
    }
    if (!res.ok) throw new Error(`${current.href} answered ${res.status}`);
    return res.text();
  }
  throw new Error(`${url}: more than ${MAX_REDIRECTS} redirects`);
}
