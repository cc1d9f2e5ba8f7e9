import type { Affiliation, Identity } from '../idp-adapters/identity';
import type { CredentialLessGrant } from './credential-less';
import type { AccessMethod, Licence, Resource } from './schema';

/** Why someone may not use a resource; each is explained to the user and counted. */
export type DenyReason =
  | 'not-subscribed'
  | 'affiliation-not-licensed'
  | 'not-yet-available'
  | 'licence-ended'
  | 'seats-full'
  | 'suspended'
  /** Licensed, but no access method fits how the user signed in (e.g. a SAML-only vendor and a CAS login). */
  | 'no-access-method'
  /** A request without a session that no anonymous rule lets through (credential-less.ts). */
  | 'sign-in-required'
  /** Licensed, but the licence needs a stronger campus sign-in (requireAuthnContext, e.g. REFEDS MFA) than the session's. */
  | 'mfa-required';

export type Decision =
  | { allow: true; method: AccessMethod; licence?: Licence; credentialLess?: CredentialLessGrant; /** The pooled roaming account authorize() seated the session on (index into roaming.accounts). */ account?: number }
  | { allow: false; reason: DenyReason; licence?: Licence; availableFrom?: string; endedOn?: string };

/** State the pure policy cannot know by itself; the launch route asks the Store. */
export interface PolicyState {
  /** The user's access to this resource is suspended (download limits). */
  suspended?: boolean;
  /** True when the licence's concurrent seats are all taken by others. */
  seatsFull?: (licence: Licence) => boolean;
}

/** The REFEDS MFA profile: the authentication context (SAML AuthnContextClassRef, OIDC acr) of a two-step sign-in. */
export const REFEDS_MFA = 'https://refeds.org/profile/mfa';

/**
 * Whether the campus sign-in behind `identity` has the authentication context a licence requires:
 * the one rule decide() applies and the step-up return checks, so a step-up that succeeds is one
 * authorize() accepts (and one that fails cannot send the reader round again).
 */
export function meetsAuthnContext(identity: Identity, required: string | undefined): boolean {
  return required === undefined || identity.source.authnContext === required;
}

export const DEFAULT_LICENSED_AFFILIATIONS: readonly Affiliation[] = ['faculty', 'student', 'staff', 'member', 'employee'];

// Building an Intl.DateTimeFormat costs far more than formatting with one: keep one per zone.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day in the library's time zone, as licences count days (YYYY-MM-DD). */
export function dayIn(now: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(now);
}

function entitles(identity: Identity, licence: Licence): boolean {
  const affiliations = licence.affiliations ?? DEFAULT_LICENSED_AFFILIATIONS;
  return (
    identity.affiliations.some((a) => affiliations.includes(a)) ||
    identity.entitlements.some((e) => licence.entitlements?.includes(e)) ||
    identity.groups.some((g) => licence.groups?.includes(g))
  );
}

/**
 * WAYFless only for a user who signed in through their institution's SAML IdP and whose
 * institution is registered with the vendor; then the proxy; then a direct link.
 */
function chooseMethod(identity: Identity, resource: Resource): AccessMethod | undefined {
  const licensed = new Set(resource.licences.map((l) => l.institution));
  return resource.access.find((method) => {
    if (method.kind !== 'wayfless') return true;
    const registered = method.institutions ? method.institutions.includes(identity.institution) : licensed.has(identity.institution);
    return registered && identity.source.adapter === 'saml' && !!identity.source.idp;
  });
}

/** Who may use what, and how: pure, so it is table-tested and every denial has a typed reason. */
export function decide(identity: Identity, resource: Resource, today: string, state: PolicyState = {}): Decision {
  const direct = resource.access.find((m) => m.kind === 'direct');
  const licences = resource.licences.filter((l) => l.institution === identity.institution);
  if (licences.length === 0) return direct ? { allow: true, method: direct } : { allow: false, reason: 'not-subscribed' };

  const current = licences.filter((l) => (!l.from || l.from <= today) && (!l.until || today <= l.until));
  if (current.length === 0) {
    const upcoming = licences.filter((l) => l.from && l.from > today).sort((a, b) => a.from!.localeCompare(b.from!))[0];
    if (upcoming) return { allow: false, reason: 'not-yet-available', licence: upcoming, availableFrom: upcoming.from };
    const last = [...licences].sort((a, b) => (b.until ?? '').localeCompare(a.until ?? ''))[0]!;
    return { allow: false, reason: 'licence-ended', licence: last, endedOn: last.until };
  }

  const entitled = current.filter((l) => entitles(identity, l));
  if (entitled.length === 0) {
    const upcoming = licences.filter((l) => l.from && l.from > today && entitles(identity, l))[0];
    return upcoming
      ? { allow: false, reason: 'not-yet-available', licence: upcoming, availableFrom: upcoming.from }
      : { allow: false, reason: 'affiliation-not-licensed', licence: current[0] };
  }
  if (state.suspended) return { allow: false, reason: 'suspended' };
  // A stronger sign-in (step-up) would help only once nothing else stands in the way.
  const strong = entitled.filter((l) => meetsAuthnContext(identity, l.requireAuthnContext));
  if (strong.length === 0) return { allow: false, reason: 'mfa-required', licence: entitled[0] };

  // A licence without a seat limit, or one with a free seat, lets the user in.
  const licence = strong.find((l) => !l.seats || !state.seatsFull?.(l));
  if (!licence) return { allow: false, reason: 'seats-full', licence: strong[0] };

  const method = chooseMethod(identity, resource);
  return method ? { allow: true, method, licence } : { allow: false, reason: 'no-access-method', licence };
}
