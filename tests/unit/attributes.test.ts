import { canonicalName, checkedAttributes, identityFromAttributes, inScope, type AttributeInput } from '../../idp-adapters/attributes';

const OID = {
  eppn: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.6',
  scopedAffiliation: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.9',
  affiliation: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.1',
  entitlement: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.7',
  targetedId: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.10',
  displayName: 'urn:oid:2.16.840.1.113730.3.1.241',
  mail: 'urn:oid:0.9.2342.19200300.100.1.3',
  pairwise: 'urn:oasis:names:tc:SAML:attribute:pairwise-id',
  subjectId: 'urn:oasis:names:tc:SAML:attribute:subject-id',
};
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

const base = (attributes: AttributeInput['attributes'], extra: Partial<AttributeInput> = {}): AttributeInput => ({
  attributes,
  scopes: [{ value: 'demo.edu.cn', regexp: false }],
  institution: 'demo-university',
  idp: 'https://idp.demo.edu.cn/idp/shibboleth',
  ...extra,
});

describe('attribute names', () => {
  it('knows attributes by OID and by name; FriendlyName does not rename', () => {
    expect(canonicalName({ name: OID.eppn })).toBe('eduPersonPrincipalName');
    expect(canonicalName({ name: 'eduPersonPrincipalName' })).toBe('eduPersonPrincipalName');
    expect(canonicalName({ name: OID.pairwise })).toBe('pairwise-id');
    expect(canonicalName({ name: 'urn:example:custom' })).toBe('urn:example:custom');
  });
});

describe('scopes', () => {
  it('matches literal scopes case-insensitively and regexp scopes anchored', () => {
    expect(inScope('Demo.EDU.cn', [{ value: 'demo.edu.cn', regexp: false }])).toBe(true);
    expect(inScope('evil-demo.edu.cn', [{ value: 'demo.edu.cn', regexp: false }])).toBe(false);
    const regexp = [{ value: '^.*\\.demo\\.edu\\.cn$', regexp: true }];
    expect(inScope('math.demo.edu.cn', regexp)).toBe(true);
    expect(inScope('demo.edu.cn.evil.example', regexp)).toBe(false);
  });

  it('drops scoped values of another domain or with no scope, and keeps the rest', () => {
    const { attributes, dropped } = checkedAttributes(
      base([
        { name: OID.scopedAffiliation, values: ['faculty@demo.edu.cn', 'staff@evil.example', 'member'] },
        { name: OID.eppn, values: ['zw@evil.example'] },
        { name: OID.mail, values: ['zw@anywhere.example'] },
      ]),
    );
    expect(attributes).toEqual({ eduPersonScopedAffiliation: ['faculty@demo.edu.cn'], mail: ['zw@anywhere.example'] });
    expect(dropped).toEqual([
      { attribute: 'eduPersonScopedAffiliation', value: 'staff@evil.example', reason: 'out-of-scope' },
      { attribute: 'eduPersonScopedAffiliation', value: 'member', reason: 'unscoped' },
      { attribute: 'eduPersonPrincipalName', value: 'zw@evil.example', reason: 'out-of-scope' },
    ]);
  });
});

describe('identity from attributes', () => {
  const everything = [
    { name: OID.eppn, values: ['zhangwei@demo.edu.cn'] },
    { name: OID.subjectId, values: ['12345@demo.edu.cn'] },
    { name: OID.targetedId, values: ['tid-abc'] },
    { name: OID.pairwise, values: ['PAIR123@demo.edu.cn'] },
    { name: OID.scopedAffiliation, values: ['Faculty@demo.edu.cn', 'member@demo.edu.cn'] },
    { name: OID.affiliation, values: ['faculty', 'Staff', 'wizard'] },
    { name: OID.entitlement, values: ['urn:mace:dir:entitlement:common-lib-terms'] },
    { name: OID.displayName, values: ['张伟 Zhang Wei'] },
    { name: OID.mail, values: ['zhang.wei@demo.edu.cn'] },
  ];

  it('builds the whole Identity, with normalised affiliations', () => {
    const { identity } = identityFromAttributes(base(everything, { nameID: { value: 'persist-1', format: PERSISTENT }, authnInstant: '2026-01-01T00:00:00Z' }));
    expect(identity).toEqual({
      subject: 'PAIR123@demo.edu.cn',
      institution: 'demo-university',
      affiliations: ['faculty', 'member', 'staff'],
      entitlements: ['urn:mace:dir:entitlement:common-lib-terms'],
      groups: [],
      displayName: '张伟 Zhang Wei',
      source: { adapter: 'saml', idp: 'https://idp.demo.edu.cn/idp/shibboleth', authnInstant: '2026-01-01T00:00:00Z' },
      attributes: expect.objectContaining({ mail: ['zhang.wei@demo.edu.cn'], eduPersonPrincipalName: ['zhangwei@demo.edu.cn'] }),
    });
  });

  it('chooses the most stable subject: pairwise-id, targeted id, persistent NameID, subject-id, then ePPN', () => {
    const without = (...names: string[]) => everything.filter((a) => !names.includes(a.name));
    const persistent = { nameID: { value: 'persist-1', format: PERSISTENT } };
    expect(identityFromAttributes(base(without(OID.pairwise), persistent)).identity?.subject).toBe('tid-abc');
    expect(identityFromAttributes(base(without(OID.pairwise, OID.targetedId), persistent)).identity?.subject).toBe('persist-1');
    const transient = { nameID: { value: '_t1', format: TRANSIENT } };
    expect(identityFromAttributes(base(without(OID.pairwise, OID.targetedId), transient)).identity?.subject).toBe('12345@demo.edu.cn');
    expect(identityFromAttributes(base(without(OID.pairwise, OID.targetedId, OID.subjectId), transient)).identity?.subject).toBe('zhangwei@demo.edu.cn');
  });

  it('never takes an out-of-scope identifier as the subject', () => {
    const { identity, dropped } = identityFromAttributes(base([{ name: OID.pairwise, values: ['X@evil.example'] }, { name: OID.eppn, values: ['zw@demo.edu.cn'] }]));
    expect(identity?.subject).toBe('zw@demo.edu.cn');
    expect(dropped).toHaveLength(1);
  });

  it('gives no identity when nothing identifies the person (a transient NameID is not enough)', () => {
    const { identity } = identityFromAttributes(base([{ name: OID.displayName, values: ['Anon'] }], { nameID: { value: '_t1', format: TRANSIENT } }));
    expect(identity).toBeUndefined();
  });
});
