/**
 * The IdPs of a verified federation aggregate (the signed canonical XML, never the received
 * document), with its validity: `validUntil` (expired → refused) and `cacheDuration` (a hint
 * for the next refresh). Entities are read with the same parser as per-IdP metadata.
 */
import { idpFromEntityDescriptor, type IdpMetadata } from './metadata';
import { spFromEntityDescriptor, type SpMetadata } from './sp-metadata';
import { attr, children, NS, parseXml } from './xml';

export interface Aggregate {
  /** Usable IdPs by entityID. */
  idps: Map<string, IdpMetadata>;
  /** Usable SPs by entityID (vendors Passway may answer as IdP, gateway/saml-idp). */
  sps: Map<string, SpMetadata>;
  /** IdP entities left out: expired, without signing key or Redirect SSO endpoint. */
  skipped: { entityID: string; reason: string }[];
  validUntil?: Date;
  cacheDurationMs?: number;
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/** An xs:duration such as PT6H or P1D in milliseconds (years and months approximated), else undefined. */
export function durationMs(value: string | undefined): number | undefined {
  const match = value === undefined || value === 'P' ? null : DURATION.exec(value.trim());
  if (!match) return undefined;
  return UNIT_MS.reduce((sum, unit, i) => sum + Number(match[i + 1] ?? 0) * unit, 0);
}

function validUntilOf(element: Element): Date | undefined {
  const value = attr(element, 'validUntil');
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`validUntil "${value}" is not a date`);
  return date;
}

/** Parse the signed aggregate (or one signed md:EntityDescriptor); throws when it has expired or holds no usable IdP. */
export async function readAggregate(signedXml: string, nowMs: number): Promise<Aggregate> {
  const root = (await parseXml(signedXml)).documentElement;
  if (!root) throw new Error('the signed aggregate is empty');
  const validUntil = validUntilOf(root);
  if (validUntil && validUntil.getTime() <= nowMs) throw new Error(`the ${root.localName === 'EntityDescriptor' ? 'entity' : 'aggregate'} expired at ${validUntil.toISOString()} (validUntil)`);

  const aggregate: Aggregate = { idps: new Map(), sps: new Map(), skipped: [], validUntil, cacheDurationMs: durationMs(attr(root, 'cacheDuration')) };
  const visit = (group: Element) => {
    // An MDQ answer for one entity is that md:EntityDescriptor itself, read like one inside an aggregate.
    const entities = group === root && root.localName === 'EntityDescriptor' ? [root] : children(group, NS.md, 'EntityDescriptor');
    for (const entity of entities) {
      const isIdp = children(entity, NS.md, 'IDPSSODescriptor').length > 0;
      const isSp = children(entity, NS.md, 'SPSSODescriptor').length > 0;
      if (!isIdp && !isSp) continue; // another role
      const entityID = attr(entity, 'entityID') ?? '';
      const until = validUntilOf(entity);
      if (until && until.getTime() <= nowMs) {
        aggregate.skipped.push({ entityID, reason: `expired at ${until.toISOString()}` });
        continue;
      }
      if (isSp) {
        try {
          const sp = spFromEntityDescriptor(entity);
          if (!aggregate.sps.has(sp.entityID)) aggregate.sps.set(sp.entityID, sp);
        } catch {
          // an SP Passway cannot answer (no POST ACS): not an IdP problem either
        }
      }
      if (!isIdp) continue;
      try {
        const idp = idpFromEntityDescriptor(entity);
        if (!aggregate.idps.has(idp.entityID)) aggregate.idps.set(idp.entityID, idp);
      } catch (error) {
        aggregate.skipped.push({ entityID, reason: (error as Error).message });
      }
    }
    for (const nested of children(group, NS.md, 'EntitiesDescriptor')) {
      const until = validUntilOf(nested);
      if (!until || until.getTime() > nowMs) visit(nested);
    }
  };
  visit(root);
  if (aggregate.idps.size === 0) {
    const [only] = aggregate.skipped;
    throw new Error(root.localName === 'EntityDescriptor' && only ? `${only.entityID} is not usable: ${only.reason}` : 'the aggregate lists no usable IdP');
  }
  return aggregate;
}
