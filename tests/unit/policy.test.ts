import type { Identity } from '../../idp-adapters/identity';
import { dayIn, decide, REFEDS_MFA, type Decision, type PolicyState } from '../../resource-catalog/policy';
import { Resource, type Licence } from '../../resource-catalog/schema';

const person = (over: Partial<Identity> = {}): Identity => ({
  subject: 's1',
  institution: 'uni',
  affiliations: ['faculty'],
  entitlements: [],
  groups: [],
  source: { adapter: 'saml', idp: 'https://idp.uni.example/idp' },
  attributes: {},
  ...over,
});
const cas = (over: Partial<Identity> = {}) => person({ source: { adapter: 'cas', idp: 'https://cas.uni.example/cas' }, ...over });

const WAYFLESS = { kind: 'wayfless' as const, template: 'https://sp.vendor.example/Login?entityID={entityIDEncoded}' };
const PROXY = { kind: 'proxy' as const, start: 'https://www.vendor.example/' };
const DIRECT = { kind: 'direct' as const, url: 'https://open.example/' };

const resource = (access: unknown[], licences: Partial<Licence>[]) =>
  Resource.parse({ id: 'r', title: { en: 'R' }, vendor: 'V', hosts: [{ host: 'www.vendor.example' }], access, licences: licences.map((l) => ({ institution: 'uni', ...l })) });

const TODAY = '2026-11-23';

type Row = [string, Identity, ReturnType<typeof resource>, Partial<Decision> & { method?: unknown }, PolicyState?];

const rows: Row[] = [
  // Every reason.
  ['another institution has no licence', person({ institution: 'other' }), resource([PROXY], [{}]), { allow: false, reason: 'not-subscribed' }],
  ['an alum is not in a faculty/student licence', person({ affiliations: ['alum'] }), resource([PROXY], [{ affiliations: ['faculty', 'student'] }]), { allow: false, reason: 'affiliation-not-licensed' }],
  ['default affiliations exclude alumni', person({ affiliations: ['alum'] }), resource([PROXY], [{}]), { allow: false, reason: 'affiliation-not-licensed' }],
  ['a trial that has not begun', person(), resource([PROXY], [{ from: '2026-12-01', until: '2026-12-31' }]), { allow: false, reason: 'not-yet-available', availableFrom: '2026-12-01' }],
  ['a licence that ended', person(), resource([PROXY], [{ until: '2026-06-30' }]), { allow: false, reason: 'licence-ended', endedOn: '2026-06-30' }],
  ['seats all taken', person(), resource([PROXY], [{ seats: 2 }]), { allow: false, reason: 'seats-full' }, { seatsFull: () => true }],
  ['suspended for downloads', person(), resource([PROXY], [{}]), { allow: false, reason: 'suspended' }, { suspended: true }],
  ['SAML-only vendor, CAS sign-in', cas(), resource([WAYFLESS], [{}]), { allow: false, reason: 'no-access-method' }],
  ['a licence needing MFA, a password sign-in', person({ source: { adapter: 'saml', idp: 'https://idp.uni.example/idp', authnContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport' } }), resource([PROXY], [{ requireAuthnContext: REFEDS_MFA }]), { allow: false, reason: 'mfa-required' }],
  ['a licence needing MFA, a sign-in that asserted none', person(), resource([PROXY], [{ requireAuthnContext: REFEDS_MFA }]), { allow: false, reason: 'mfa-required' }],
  ['suspended before MFA: a stronger sign-in would not help', person(), resource([PROXY], [{ requireAuthnContext: REFEDS_MFA }]), { allow: false, reason: 'suspended' }, { suspended: true }],
  ['an alum under a licence needing MFA is refused for the role, not sent to sign in again', person({ affiliations: ['alum'] }), resource([PROXY], [{ requireAuthnContext: REFEDS_MFA }]), { allow: false, reason: 'affiliation-not-licensed' }],
  ['a student whose trial starts later, while the base licence is faculty only', person({ affiliations: ['student'] }), resource([PROXY], [{ affiliations: ['faculty'] }, { affiliations: ['student'], from: '2026-12-01' }]), { allow: false, reason: 'not-yet-available', availableFrom: '2026-12-01' }],

  // Every method choice.
  ['WAYFless for a SAML sign-in of a registered institution', person(), resource([WAYFLESS, PROXY], [{}]), { allow: true, method: WAYFLESS }],
  ['proxy fallback for a CAS sign-in', cas(), resource([WAYFLESS, PROXY], [{}]), { allow: true, method: PROXY }],
  ['proxy when the institution is not registered with the vendor', person(), resource([{ ...WAYFLESS, institutions: ['elsewhere'] }, PROXY], [{}]), { allow: true, method: PROXY }],
  ['WAYFless when the institution is registered explicitly', person(), resource([{ ...WAYFLESS, institutions: ['uni'] }, PROXY], [{}]), { allow: true, method: { ...WAYFLESS, institutions: ['uni'] } }],
  ['proxy first when the catalog prefers it', person(), resource([PROXY, WAYFLESS], [{}]), { allow: true, method: PROXY }],
  ['open access for anyone, without a licence', person({ institution: 'other' }), resource([DIRECT], []), { allow: true, method: DIRECT }],

  // What else allows.
  ['an entitlement allows an alum', person({ affiliations: ['alum'], entitlements: ['urn:mace:dir:entitlement:common-lib-terms'] }), resource([PROXY], [{ affiliations: ['faculty'], entitlements: ['urn:mace:dir:entitlement:common-lib-terms'] }]), { allow: true, method: PROXY }],
  ['a group allows', person({ affiliations: [], groups: ['law-school'] }), resource([PROXY], [{ affiliations: ['faculty'], groups: ['law-school'] }]), { allow: true, method: PROXY }],
  ['a current trial (from/until inclusive)', person(), resource([PROXY], [{ from: TODAY, until: TODAY }]), { allow: true, method: PROXY }],
  ['a free seat in a seat-limited licence', person(), resource([PROXY], [{ seats: 5 }]), { allow: true, method: PROXY }, { seatsFull: () => false }],
  ['a licence needing MFA, an MFA sign-in', person({ source: { adapter: 'saml', idp: 'https://idp.uni.example/idp', authnContext: REFEDS_MFA } }), resource([PROXY], [{ requireAuthnContext: REFEDS_MFA }]), { allow: true, method: PROXY }],
  ['a licence without MFA beside one needing it', person(), resource([PROXY], [{ requireAuthnContext: REFEDS_MFA }, {}]), { allow: true, method: PROXY }],
  ['an unlimited licence beside a full one', person(), resource([PROXY], [{ seats: 1 }, { entitlements: [], affiliations: ['faculty'] }]), { allow: true, method: PROXY }, { seatsFull: () => true }],
];

describe('decide', () => {
  // Rest parameters: jest would take a fifth named parameter for a `done` callback.
  it.each(rows)('%s', (...[, identity, res, expected, state]: Row) => {
    expect(decide(identity, res, TODAY, state)).toMatchObject(expected);
  });
});

describe('dayIn', () => {
  it('counts licence days in the library\'s time zone', () => {
    const lateUtc = new Date('2026-11-23T17:30:00Z');
    expect(dayIn(lateUtc, 'Asia/Shanghai')).toBe('2026-11-24');
    expect(dayIn(lateUtc, 'UTC')).toBe('2026-11-23');
  });
});
