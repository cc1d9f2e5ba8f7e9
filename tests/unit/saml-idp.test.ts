/**
 * Passway as IdP: what each vendor is released (presets, pairwise per vendor), and the config
 * problems `config check` reports for the IdP frontend and `access: idp` resources.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatProblems, validateConfig } from '../../config';
import { preflight } from '../../gateway/preflight';
import { pairwiseValue, releaseFor } from '../../gateway/saml-idp';
import type { Identity } from '../../idp-adapters/identity';
import { IdpMethod } from '../../resource-catalog/schema';

const KEY = 'k'.repeat(40);
const reader: Identity = {
  subject: 'zhang3', institution: 'example-u', affiliations: ['faculty', 'member'], entitlements: [], groups: [], displayName: '张三',
  source: { adapter: 'cas' }, attributes: { mail: ['zhang3@example.edu.cn'] },
};
const method = (input: Record<string, unknown> = {}) => IdpMethod.parse({ kind: 'idp', entityID: 'https://sp.vendor.com/shibboleth', metadataFile: 'sp.xml', ...input });
const release = (m = method(), identity = reader, spEntityID = m.entityID) => releaseFor({ identity, method: m, spEntityID, scope: 'example.edu.cn', pairwiseKey: KEY });
const names = (r: ReturnType<typeof release>) => r.attributes.map((a) => a.friendlyName).sort();

describe('attribute release', () => {
  test('minimal by default: entitlement, scoped affiliation, pairwise-id; a persistent NameID; no name, no mail', () => {
    const r = release();
    expect(names(r)).toEqual(['eduPersonEntitlement', 'eduPersonScopedAffiliation', 'pairwise-id']);
    expect(r.attributes.find((a) => a.friendlyName === 'eduPersonScopedAffiliation')!.values).toEqual(['faculty@example.edu.cn', 'member@example.edu.cn']);
    expect(r.attributes.find((a) => a.friendlyName === 'eduPersonEntitlement')!.values).toEqual(['urn:mace:dir:entitlement:common-lib-terms']);
    expect(r.nameID.format).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    expect(JSON.stringify(r)).not.toMatch(/zhang3|张三/);
  });

  test('REFEDS Anonymous Access: no identifier at all, a fresh transient NameID each time', () => {
    const m = method({ release: 'anonymous' });
    const [one, two] = [release(m), release(m)];
    expect(names(one)).toEqual(['eduPersonEntitlement', 'eduPersonScopedAffiliation', 'schacHomeOrganization']);
    expect(one.nameID.format).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:transient');
    expect(one.nameID.value).not.toBe(two.nameID.value);
  });

  test('REFEDS Pseudonymous Access: the anonymous bundle plus pairwise-id', () => {
    expect(names(release(method({ release: 'pseudonymous' })))).toEqual(['eduPersonEntitlement', 'eduPersonScopedAffiliation', 'pairwise-id', 'schacHomeOrganization']);
  });

  test('displayName only when the catalog says so; the licence\'s own entitlement value', () => {
    const r = releaseFor({ identity: reader, method: method({ alsoRelease: ['displayName'], entitlement: 'urn:vendor:all' }), spEntityID: 'x', scope: 'example.edu.cn', pairwiseKey: KEY, licenceEntitlement: 'urn:example:licence' });
    expect(r.attributes.find((a) => a.friendlyName === 'displayName')!.values).toEqual(['张三']);
    expect(r.attributes.find((a) => a.friendlyName === 'eduPersonEntitlement')!.values).toEqual(['urn:example:licence']);
  });

  test('pairwise-id: stable per vendor, different across vendors, readers and keys; the profile\'s syntax', () => {
    const a = pairwiseValue(KEY, reader, 'https://a.example/sp');
    expect(pairwiseValue(KEY, reader, 'https://a.example/sp')).toBe(a);
    expect(pairwiseValue(KEY, reader, 'https://b.example/sp')).not.toBe(a);
    expect(pairwiseValue(KEY, { ...reader, subject: 'li4' }, 'https://a.example/sp')).not.toBe(a);
    expect(pairwiseValue('q'.repeat(40), reader, 'https://a.example/sp')).not.toBe(a);
    expect(release().attributes.find((a) => a.friendlyName === 'pairwise-id')!.values[0]).toMatch(/^[A-Za-z0-9][A-Za-z0-9=-]{0,126}@example\.edu\.cn$/);
  });
});

describe('config', () => {
  const base = {
    session: { secret: 's'.repeat(40) },
    institutions: [{ id: 'example-u', name: { en: 'Example U' } }],
    federations: [{ id: 'carsi', metadataFile: 'fed.xml', signingCertFile: 'fed.pem' }],
  };
  const resource = (access: Record<string, unknown>) => ({ id: 'vendor', title: { en: 'Vendor' }, vendor: 'V', hosts: [{ host: 'vendor.com' }], access: [{ kind: 'idp', entityID: 'https://vendor.com/sp', ...access }] });
  const problems = (input: Record<string, unknown>) => {
    const result = validateConfig({ ...base, ...input });
    return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
  };

  test('an idp resource needs idp.enabled and exactly one trusted metadata source; federations and institutions must exist', () => {
    expect(problems({ resources: [resource({ metadataFile: 'sp.xml' })] })).toEqual([expect.stringMatching(/^resources\[0\]\.access\[0\]: access kind idp needs idp\.enabled/)]);
    expect(problems({ idp: { enabled: true }, resources: [resource({})] }).join('\n')).toMatch(/give exactly one of metadataFile or federation/);
    expect(problems({ idp: { enabled: true }, resources: [resource({ metadataFile: 'sp.xml', federation: 'carsi' })] }).join('\n')).toMatch(/give exactly one of metadataFile or federation/);
    expect(problems({ idp: { enabled: true }, resources: [resource({ federation: 'edugain' })] })).toEqual([expect.stringMatching(/federation: unknown federation "edugain"/)]);
    expect(problems({ idp: { enabled: true, institutions: [{ id: 'ghost' }] } })).toEqual([expect.stringMatching(/^idp\.institutions\[0\]\.id: unknown institution "ghost"/)]);
    expect(problems({ idp: { enabled: true, assertionLifetimeSeconds: 600 } }).join('\n')).toMatch(/idp\.assertionLifetimeSeconds/);
    const ok = validateConfig({ ...base, idp: { enabled: true }, resources: [resource({ federation: 'carsi', release: 'pseudonymous' })] });
    if (!ok.ok) throw new Error(formatProblems(ok));
  });

  test('config check: idp.enabled outside demo mode needs the IdP signing key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'passway-idp-config-'));
    const file = path.join(dir, 'idp.yaml');
    writeFileSync(file, 'institutions: [{ id: example-u, name: { en: Example U } }]\nidp: { enabled: true }\n');
    const result = preflight(file, { env: { PASSWAY_SESSION_SECRET: 's'.repeat(40) } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContain('idp.signing');
  });
});
