import fc from 'fast-check';
import { Catalog } from '../../resource-catalog/catalog';
import { claimsHost } from '../../resource-catalog/host-claims';
import { Resource } from '../../resource-catalog/schema';

/**
 * Catalog.byHost answers from an index built with the snapshot; these tests hold it to the meaning of
 * the rules (resource-catalog/host-claims.ts): the first resource in catalog order with an exact claim,
 * else the first with a domain claim, ports compared, case and a trailing dot ignored.
 */

const resource = (id: string, hosts: { host: string; match?: 'host' | 'domain' }[]) =>
  Resource.parse({ id, title: { en: id }, vendor: id, hosts, access: [{ kind: 'proxy', start: `https://${id}.example/` }] });

/** The definition, as a walk over every rule (what byHost replaced). */
function reference(resources: readonly Resource[], host: string): Resource | undefined {
  return (
    resources.find((r) => r.hosts.some((rule) => rule.match === 'host' && claimsHost(rule, host))) ??
    resources.find((r) => r.hosts.some((rule) => rule.match === 'domain' && claimsHost(rule, host)))
  );
}

describe('Catalog host lookups', () => {
  it('finds exact hosts, subdomains of domain claims, and nothing for look-alikes or other ports', () => {
    const catalog = new Catalog([
      resource('cnki', [{ host: 'kns.cnki.net' }, { host: 'cnki.net', match: 'domain' }]),
      resource('acs', [{ host: 'pubs.acs.org' }, { host: 'acs.org', match: 'domain' }]),
      resource('local', [{ host: 'localhost:8083' }]),
    ]);
    expect(catalog.byHost('kns.cnki.net')?.id).toBe('cnki');
    expect(catalog.byHost('a.b.CNKI.net')?.id).toBe('cnki');
    expect(catalog.byHost('cnki.net.')?.id).toBe('cnki');
    expect(catalog.byHost('pubs.acs.org')?.id).toBe('acs');
    expect(catalog.byHost('notacs.org')).toBeUndefined();
    expect(catalog.byHost('acs.org.evil.example')).toBeUndefined();
    expect(catalog.byHost('pubs.acs.org:8443')).toBeUndefined();
    expect(catalog.byHost('localhost:8083')?.id).toBe('local');
    expect(catalog.byHost('localhost')).toBeUndefined();
    expect(catalog.byUrl(new URL('ftp://kns.cnki.net/'))).toBeUndefined();
    expect(catalog.byUrl(new URL('https://www.cnki.net:443/x'))?.id).toBe('cnki');
  });

  it('agrees with the rules for any catalogue and host (exact claims first, then catalogue order)', () => {
    const label = fc.constantFrom('a', 'b', 'www', 'vendor', 'x-y');
    const name = fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
    const port = fc.constantFrom('', '', ':8080');
    const rule = fc.record({ host: fc.tuple(name, port).map(([n, p]) => n + p), match: fc.constantFrom('host' as const, 'domain' as const) });
    const catalogue = fc.array(fc.array(rule, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 6 });
    // Hosts near the claims: a claimed host, under a subdomain, on another port, in capitals, or unrelated.
    const hostsFor = (rules: { host: string }[][]) =>
      fc.array(
        fc.tuple(fc.constantFrom(...rules.flat().map((r) => r.host)), fc.array(label, { maxLength: 2 }), fc.boolean(), fc.boolean(), name).map(
          ([claimed, prefix, upper, unrelated, other]) => {
            const host = unrelated ? other : [...prefix, claimed].join('.');
            return upper ? host.toUpperCase() : host;
          },
        ),
        { minLength: 1, maxLength: 20 },
      );
    fc.assert(
      fc.property(
        catalogue.chain((rules) => fc.tuple(fc.constant(rules), hostsFor(rules))),
        ([rules, hosts]) => {
          const resources = rules.map((r, i) => resource(`r${i}`, r));
          const catalog = new Catalog(resources);
          for (const h of [...hosts, ...hosts]) expect(catalog.byHost(h)?.id).toBe(reference(resources, h)?.id);
        },
      ),
      { numRuns: 300 },
    );
  });
});
