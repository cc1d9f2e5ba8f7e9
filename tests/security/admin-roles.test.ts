/**
 * Admin roles in a consortium: every member institution's IdP can assert any group or
 * entitlement, so those grant a role only for the institutions the rule names (by default, with
 * several institutions, none). Judged through the real gateway's /admin.
 */
import request from 'supertest';
import type { ConfigInput } from '../../config';
import { validateConfig } from '../../config';
import type { Identity } from '../../idp-adapters/identity';
import { signIn, testConfig, testGateway } from '../helpers/gateway';

const CONSORTIUM: ConfigInput['institutions'] = [
  { id: 'uni', name: { en: 'Example University' } },
  { id: 'college', name: { en: 'Riverside College' } },
];
const person = (institution: string, over: Partial<Identity> = {}): Identity => ({
  subject: 'someone', institution, affiliations: ['staff'], entitlements: [], groups: [], source: { adapter: 'saml', idp: `https://idp.${institution}.example/` }, attributes: {}, ...over,
});
const STAFF_GROUP = 'library-staff';
const ADMIN_ENTITLEMENT = 'urn:mace:example:passway:admin';

const CASES: { name: string; input: { institutions: ConfigInput['institutions']; rule: Record<string, unknown>; user: Identity }; expect: 200 | 403 }[] = [
  { name: 'group from another institution\'s IdP, rule names uni', input: { institutions: CONSORTIUM, rule: { groups: [STAFF_GROUP], institutions: ['uni'] }, user: person('college', { groups: [STAFF_GROUP] }) }, expect: 403 },
  { name: 'group from the named institution', input: { institutions: CONSORTIUM, rule: { groups: [STAFF_GROUP], institutions: ['uni'] }, user: person('uni', { groups: [STAFF_GROUP] }) }, expect: 200 },
  { name: 'group, several institutions, none named', input: { institutions: CONSORTIUM, rule: { groups: [STAFF_GROUP] }, user: person('college', { groups: [STAFF_GROUP] }) }, expect: 403 },
  { name: 'entitlement, several institutions, none named', input: { institutions: CONSORTIUM, rule: { entitlements: [ADMIN_ENTITLEMENT] }, user: person('uni', { entitlements: [ADMIN_ENTITLEMENT] }) }, expect: 403 },
  { name: 'entitlement from another institution, rule names uni', input: { institutions: CONSORTIUM, rule: { entitlements: [ADMIN_ENTITLEMENT], institutions: ['uni'] }, user: person('college', { entitlements: [ADMIN_ENTITLEMENT] }) }, expect: 403 },
  { name: 'a named subject, several institutions, none named', input: { institutions: CONSORTIUM, rule: { subjects: ['college:someone'] }, user: person('college') }, expect: 200 },
  { name: 'the same subject name at another institution', input: { institutions: CONSORTIUM, rule: { subjects: ['college:someone'] }, user: person('uni') }, expect: 403 },
  { name: 'group, one institution configured, none named', input: { institutions: [CONSORTIUM[0]!], rule: { groups: [STAFF_GROUP] }, user: person('uni', { groups: [STAFF_GROUP] }) }, expect: 200 },
];

test.each(CASES)('$name → $expect', async ({ input, expect: status }) => {
  const { gateway } = testGateway(testConfig({ institutions: input.institutions, admin: { roles: { admins: input.rule } } }));
  const { cookie } = await signIn(gateway.sessions, input.user);
  expect((await request(gateway.handle).get('/admin').set('Cookie', cookie)).status).toBe(status);
});

describe('config check', () => {
  test('warns about a group rule without institutions in a consortium, naming the key and the fix', () => {
    const result = validateConfig({ session: { secret: 'x'.repeat(32) }, institutions: CONSORTIUM, admin: { roles: { librarians: { groups: [STAFF_GROUP] } } } });
    expect(result.ok && result.warnings).toContainEqual({ path: 'admin.roles.librarians.institutions', message: expect.stringContaining('list the institutions') });
  });
  test('refuses an unknown institution in a role rule', () => {
    const result = validateConfig({ session: { secret: 'x'.repeat(32) }, institutions: CONSORTIUM, admin: { roles: { admins: { groups: [STAFF_GROUP], institutions: ['unknown-u'] } } } });
    expect(!result.ok && result.problems).toContainEqual({ path: 'admin.roles.admins.institutions[0]', message: expect.stringContaining('unknown institution "unknown-u"') });
  });
});
