import { validateConfig, type ConfigInput } from '../../config';
import { ResourceFields } from '../../resource-catalog/schema';
import { Catalog } from '../../resource-catalog/catalog';
import { RulesEngine, type Trip } from '../../gateway/rules/engine';
import { checkIpDatabase, defaultAsnDatabase, defaultCountryDatabase, mmdbIpInfo } from '../../gateway/rules/ip-info';
import { networkOf } from '../../gateway/rules/network';
import { VENDOR_PRESETS } from '../../gateway/rules/presets';
import { ruleSet } from '../../gateway/rules/rule-set';
import { RuleState } from '../../gateway/rules/state';
import { MemoryStore } from '../../gateway/store';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { preflight } from '../../gateway/preflight';
import { capturingLogger } from '../helpers/gateway';

const base: ConfigInput = {
  session: { secret: 'unit-secret-0123456789abcdef0123' },
  institutions: [{ id: 'uni', name: { en: 'Uni' } }],
  resources: [
    { id: 'cnki', title: { en: 'CNKI' }, vendor: 'CNKI', hosts: [{ host: 'cnki.net', match: 'domain' }], access: [{ kind: 'proxy', start: 'https://www.cnki.net/' }], security: { rulePreset: 'cnki' } },
    { id: 'other', title: { en: 'Other' }, vendor: 'O', hosts: [{ host: 'other.example' }], access: [{ kind: 'proxy', start: 'https://other.example/' }] },
  ],
};
const configOf = (security: ConfigInput['security']) => {
  const result = validateConfig({ ...base, security });
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.config;
};

describe('rule configuration', () => {
  it('the vendor preset names of the catalog schema are the presets that exist', () => {
    const names = (ResourceFields.shape.security.unwrap().shape.rulePreset.unwrap().options as string[]).slice().sort();
    expect(names).toEqual(Object.keys(VENDOR_PRESETS).sort());
  });

  it('compiles the conservative preset, vendor presets per resource, and security.rules replacing a preset rule by name', () => {
    const config = configOf({ rules: [{ name: 'many-networks', criterion: 'networks', over: 9, action: 'suspend' }] });
    const set = ruleSet(config, new Catalog(config.resources));
    const networks = set.rules.find((r) => r.name === 'many-networks')!;
    expect(networks).toMatchObject({ over: 9, action: 'suspend', origin: 'config', windowMs: 3_600_000 });
    const burst = set.rules.find((r) => r.name === 'cnki-burst')!;
    expect(burst).toMatchObject({ origin: 'preset:cnki', per: 'session', action: 'suspend', suspend: 'resource' });
    expect(burst.applies('cnki')).toBe(true);
    expect(burst.applies('other')).toBe(false);
    expect(set.maySuspend('cnki')).toBe(true);
    expect(set.maySuspend('other')).toBe(true); // many-networks suspends everywhere now
    expect(ruleSet(configOf({ preset: 'none' }), new Catalog([])).rules).toEqual([]);
  });

  it.each([
    [{ name: 'x', criterion: 'bytes', per: 'everyone', over: 1, action: 'suspend' }, 'can only log or alert'],
    [{ name: 'x', criterion: 'login-failures', over: 1 }, 'count login-failures per everyone'],
    [{ name: 'x', criterion: 'sessions', per: 'session', over: 1 }, 'counted per user'],
    [{ name: 'x', criterion: 'bytes', over: 1, action: 'suspend', suspend: 'resource' }, 'which resource'],
    [{ name: 'x', criterion: 'pdfs', over: 1 }, 'criterion'],
  ])('refuses a rule that cannot work: %j', (rule, message) => {
    const result = validateConfig({ ...base, security: { rules: [rule as never] } });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).toContain(message);
  });
});

describe('client networks and IP facts', () => {
  it.each([
    ['192.0.2.77', '192.0.2.0/24'],
    ['::ffff:198.51.100.9', '198.51.100.0/24'],
    ['2001:db8:1:ffff::1', '2001:db8:1::/48'],
    ['not an address', undefined],
  ])('%s is in network %s', (address, network) => {
    expect(networkOf(address)).toBe(network);
  });

  it('countries come from the shipped database; a missing file is named', () => {
    const info = mmdbIpInfo({ country: defaultCountryDatabase() });
    expect(info.lookup('202.112.0.1').country).toBe('CN');
    expect(info.lookup('192.0.2.1').country).toBeUndefined(); // documentation range: in no country
    expect(() => mmdbIpInfo({ country: '/nonexistent.mmdb' }).lookup('202.112.0.1')).toThrow('/nonexistent.mmdb');
  });

  it('ASNs come from the shipped database (read in the background), for IPv4, IPv6 and IPv4-mapped addresses', async () => {
    const info = mmdbIpInfo({ asn: defaultAsnDatabase() });
    expect(info.lookup('202.112.0.1').asn).toBeUndefined(); // the first lookup starts reading it, and does not wait
    await info.ready!();
    expect(info.lookup('202.112.0.1').asn).toBe('AS4538'); // CERNET
    expect(info.lookup('::ffff:1.0.0.1').asn).toBe('AS13335');
    expect(info.lookup('2001:470::1').asn).toBe('AS6939');
    expect(info.lookup('192.0.2.1').asn).toBeUndefined(); // documentation range: announced by nobody
    expect(info.lookup('2001:db8::1').asn).toBeUndefined();
  });

  it('an ASN CSV of addresses or numbers is read; a bad row is named by file and line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'passway-asn-'));
    const csv = path.join(dir, 'asn.csv');
    writeFileSync(csv, '198.51.100.0,198.51.100.255,64500,Example A\n2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,64501,"Example, B"\n3221225984,3221226239,64502,Example C\n');
    const info = mmdbIpInfo({ asn: csv });
    await info.ready!();
    expect(['198.51.100.7', '2001:db8:1::9', '192.0.2.10', '192.0.3.1'].map((a) => info.lookup(a).asn)).toEqual(['AS64500', 'AS64501', 'AS64502', undefined]);
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, '198.51.100.0,198.51.100.255,64500\n198.51.101.0,nowhere,64501\n');
    expect(() => checkIpDatabase(bad)).toThrow(`${bad}:2:`); // config check reads it at once
    const badInfo = mmdbIpInfo({ asn: bad });
    badInfo.lookup('198.51.100.1');
    await badInfo.ready!();
    expect(() => badInfo.lookup('198.51.100.1')).toThrow(`${bad}:2:`);
  });

  it('config check names an IP database that cannot be read, as serve would', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'passway-ipdb-'));
    const file = path.join(dir, 'passway.yaml');
    writeFileSync(file, `session: { secret: unit-secret-0123456789abcdef0123 }\nusage: { dir: ${dir}/usage }\nsecurity: { ipDatabase: { asn: ${dir}/missing-asn.mmdb } }\n`);
    const checked = preflight(file, { env: {} });
    expect(checked.ok).toBe(false);
    expect(checked.ok ? [] : checked.problems).toEqual([expect.objectContaining({ path: 'security.ipDatabase.asn', message: expect.stringContaining('missing-asn.mmdb') })]);
  });
});

describe('rules engine', () => {
  let now = Date.parse('2026-12-02T03:00:00Z'); // 11:00 in Asia/Shanghai
  const store = new MemoryStore({ now: () => now });
  afterAll(() => store.close());
  const engineFor = (security: ConfigInput['security'], ended: string[] = []) => {
    const config = configOf({ preset: 'none', ...security });
    const { logger, lines } = capturingLogger();
    const trips: Trip[] = [];
    const state = new RuleState(store, () => now);
    const catalog = new Catalog(config.resources);
    const engine = new RulesEngine({
      config,
      store,
      state,
      rules: () => ruleSet(config, catalog),
      logger,
      record: () => {},
      ipInfo: { lookup: () => ({}) },
      userOf: (identity) => `u-${identity.subject}`,
      endSessions: async (user) => (ended.push(user), 2),
      onTrip: (trip) => trips.push(trip),
      now: () => now,
    });
    return { engine, trips, state, lines };
  };
  const seen = (subject: string, extra: object = {}) => ({ user: `u-${subject}`, identity: { institution: 'uni', subject }, session: `s-${subject}`, resource: 'other', at: now, ...extra });

  it('unusual hours: only requests between the hours count', async () => {
    const { engine, trips } = engineFor({ rules: [{ name: 'night', criterion: 'requests', over: 1, hours: { from: 1, until: 6 } }] });
    for (let i = 0; i < 3; i++) engine.request(seen('owl'));
    await engine.settled();
    expect(trips).toEqual([]);
    now = Date.parse('2026-12-02T19:30:00Z'); // 03:30 in Shanghai
    for (let i = 0; i < 2; i++) engine.request(seen('owl', { at: now }));
    await engine.settled();
    expect(trips.map((t) => [t.rule, t.value])).toEqual([['night', 2]]);
  });

  it('require-reauth ends every session of the person; the rule trips once until it may again', async () => {
    const ended: string[] = [];
    const { engine, trips } = engineFor({ rules: [{ name: 'bytes', criterion: 'bytes', over: 1000, action: 'require-reauth', forMinutes: 10 }] }, ended);
    for (let i = 0; i < 4; i++) engine.response(seen('big'), { bytes: 600, item: false, pdf: false });
    await engine.settled();
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ value: 1200, outcome: 'sessions-ended:2' });
    expect(ended).toEqual(['u-big']);
    await engine.clear(trips[0]!);
    engine.response(seen('big'), { bytes: 1001, item: false, pdf: false });
    await engine.settled();
    expect(trips).toHaveLength(2);
  });

  it('an exemption granted on the admin page stops a rule from tripping, and only the rules it names', async () => {
    const { engine, trips, state } = engineFor({
      rules: [
        { name: 'items', criterion: 'item-requests', over: 1 },
        { name: 'pdfs', criterion: 'pdf-downloads', over: 1 },
      ],
    });
    await state.exempt({ user: 'u-miner', institution: 'uni', rules: ['items'], reason: 'text mining', by: 'admin' }, 60_000);
    for (let i = 0; i < 3; i++) engine.response(seen('miner'), { bytes: 1, item: true, pdf: true });
    await engine.settled();
    expect(trips.map((t) => t.rule)).toEqual(['pdfs']);
  });

  it('login failures count for everyone; per-session rules per session; evidence kept once a person nears a limit', async () => {
    const { engine, trips } = engineFor({
      rules: [
        { name: 'failures', criterion: 'login-failures', per: 'everyone', over: 2, action: 'alert' },
        { name: 'session-items', criterion: 'item-requests', per: 'session', over: 3 },
      ],
    });
    for (let i = 0; i < 3; i++) engine.observe({ type: 'login-failure', reason: 'expired' });
    for (const session of ['a', 'b', 'a', 'b', 'a', 'b']) engine.response(seen('two', { session, address: '192.0.2.1' }), { bytes: 10, item: true, pdf: false });
    await engine.settled();
    expect(trips.map((t) => [t.rule, t.subject])).toEqual([['failures', '*']]);
    engine.response(seen('two', { session: 'a', address: '192.0.2.1' }), { bytes: 10, item: true, pdf: false });
    await engine.settled();
    const trip = trips.find((t) => t.rule === 'session-items')!;
    expect(trip).toMatchObject({ subject: 'a', value: 4, user: 'u-two' });
    const evidence = await engine.evidence(trip);
    expect(evidence.length).toBeGreaterThanOrEqual(2);
    expect(evidence.at(-1)).toMatchObject({ user: 'u-two', session: 'a', network: '192.0.2.0/24', resource: 'other', bytes: '10', item: '1' });
  });
});
