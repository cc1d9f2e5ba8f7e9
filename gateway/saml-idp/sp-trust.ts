/**
 * Which vendor SPs Passway answers as IdP, and what it knows of them: only catalog resources with
 * an `idp` access method name an SP, and its metadata comes only from that method's metadata file
 * or from a configured federation's signed (verified) aggregate, never from the request.
 */
import type { FederationMetadata } from '../../idp-adapters/saml/federation';
import { parseSpMetadata, type SpMetadata } from '../../idp-adapters/saml/sp-metadata';
import type { Catalog } from '../../resource-catalog/catalog';
import type { IdpMethod, Resource } from '../../resource-catalog/schema';

export interface TrustedSp {
  resource: Resource;
  method: IdpMethod;
  metadata: SpMetadata;
}

export interface SpTrustDeps {
  catalog: () => Catalog;
  federations: ReadonlyMap<string, FederationMetadata>;
  readFile: (file: string) => Promise<string>;
  now?: () => number;
}

/** A metadata file is read again after this long, so an edited file takes effect without a restart. */
const FILE_CACHE_MS = 60_000;

export class SpMetadataUnavailable extends Error {
  override readonly name = 'SpMetadataUnavailable';
}

/** The resource whose idp method names this SP entityID, if any. */
export function resourceOfSp(catalog: Catalog, entityID: string): { resource: Resource; method: IdpMethod } | undefined {
  for (const resource of catalog.resources) {
    const method = resource.access.find((m): m is IdpMethod => m.kind === 'idp' && m.entityID === entityID);
    if (method) return { resource, method };
  }
  return undefined;
}

export class SpTrust {
  private readonly files = new Map<string, { metadata: SpMetadata; at: number }>();
  private readonly now: () => number;

  constructor(private readonly deps: SpTrustDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The SP and its resource, or undefined when no resource names it; SpMetadataUnavailable when its metadata cannot be read. */
  async find(entityID: string): Promise<TrustedSp | undefined> {
    const found = resourceOfSp(this.deps.catalog(), entityID);
    if (!found) return undefined;
    return { ...found, metadata: await this.metadataOf(found.method) };
  }

  /** The SP of a resource (IdP-initiated launch). */
  async forMethod(resource: Resource, method: IdpMethod): Promise<TrustedSp> {
    return { resource, method, metadata: await this.metadataOf(method) };
  }

  private async metadataOf(method: IdpMethod): Promise<SpMetadata> {
    if (method.federation !== undefined) {
      const federation = this.deps.federations.get(method.federation);
      const metadata = await federation?.sp(method.entityID);
      if (!metadata) throw new SpMetadataUnavailable(`${method.entityID} is not an SP in the verified ${method.federation} federation metadata`);
      return metadata;
    }
    const file = method.metadataFile!; // the catalog check requires one of the two
    const cached = this.files.get(`${file}\0${method.entityID}`);
    if (cached && this.now() - cached.at < FILE_CACHE_MS) return cached.metadata;
    try {
      const metadata = await parseSpMetadata(await this.deps.readFile(file), method.entityID);
      this.files.set(`${file}\0${method.entityID}`, { metadata, at: this.now() });
      return metadata;
    } catch (error) {
      if (cached) return cached.metadata; // the last good copy
      throw new SpMetadataUnavailable(`SP metadata ${file} of ${method.entityID}: ${(error as Error).message}`);
    }
  }
}
