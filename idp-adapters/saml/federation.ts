/**
 * One configured federation: its signed aggregate, its MDQ service, or both. A login's IdP is
 * asked of MDQ first (one signed entity, fetched when needed); when MDQ does not know it, refuses
 * its answer or cannot be reached, the verified aggregate answers instead. `status` is what IT
 * sees on /admin/federations, in /readyz and in /metrics.
 */
import type { FederationConfig } from '../../config/schema';
import { LoginError } from '../types';
import { AggregateSource, type FederationDeps } from './aggregate-source';
import type { FederationStatus } from './federation-status';
import { MdqError, MdqSource } from './mdq';
import type { IdpMetadata } from './metadata';
import type { SpMetadata } from './sp-metadata';

export type { FederationDeps } from './aggregate-source';

export class FederationMetadata {
  readonly aggregate?: AggregateSource;
  readonly mdq?: MdqSource;

  constructor(
    readonly config: FederationConfig,
    private readonly deps: FederationDeps,
  ) {
    if (config.metadataUrl || config.metadataFile) this.aggregate = new AggregateSource(config, deps);
    if (config.mdq) this.mdq = new MdqSource(config.id, config.mdq, config.mdq.signingCertFile ?? config.signingCertFile, deps);
  }

  get id(): string {
    return this.config.id;
  }

  /** A snapshot of every source, for the IT status page. */
  get status(): FederationStatus {
    return { federation: this.id, sources: [this.mdq?.status, this.aggregate?.status].filter((s) => s !== undefined) };
  }

  /** The aggregate's first load and refresh schedule (MDQ needs no start: it is asked when a login needs it). */
  start(): Promise<void> {
    return this.aggregate?.start() ?? Promise.resolve();
  }

  /** The IdP with this entityID: from MDQ when configured, else (or when MDQ fails) from the verified aggregate. */
  async idp(entityID: string): Promise<IdpMetadata> {
    if (this.mdq) {
      try {
        return await this.mdq.idp(entityID);
      } catch (error) {
        if (!(error instanceof MdqError)) throw error;
        const then = this.aggregate ? 'the signed aggregate is asked instead' : 'no aggregate is configured to fall back to';
        this.deps.logger.warn({ federation: this.id, source: 'mdq', idp: entityID, reason: error.message }, `MDQ gave no usable metadata; ${then}`);
        if (!this.aggregate) {
          throw new LoginError(error.kind === 'not-found' ? 'idp-unknown' : 'metadata-unavailable', `the ${this.id} MDQ service gave no usable metadata for ${entityID}: ${error.message}`, {
            federation: this.id,
            idp: entityID,
          });
        }
      }
    }
    if (!this.aggregate) throw new Error(`federation ${this.id} has neither an aggregate nor an MDQ service`); // the config check prevents this
    return this.aggregate.idp(entityID);
  }

  /** A vendor SP from the verified aggregate (Passway as IdP); MDQ is not asked for SPs. */
  sp(entityID: string): Promise<SpMetadata | undefined> {
    return this.aggregate?.sp(entityID) ?? Promise.resolve(undefined);
  }

  /** Stop the refresh schedules (gateway shutdown). */
  close(): void {
    this.aggregate?.close();
    this.mdq?.close();
  }
}

/** One loader per configured federation, started at once (loads run in the background). */
export function startFederations(configs: FederationConfig[], deps: FederationDeps): Map<string, FederationMetadata> {
  const federations = new Map(configs.map((config) => [config.id, new FederationMetadata(config, deps)] as const));
  for (const federation of federations.values()) void federation.start();
  return federations;
}
