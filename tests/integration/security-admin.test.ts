/**
 * Issue 18 items 6 and the demo: /admin/security lists tripped rules with their evidence (CSV and JSON for
 * the vendor), rule suspensions (lifted), exemptions (granted, removed), in both languages, all audited;
 * the demo's "stolen account" button trips the conservative preset's networks and countries rules.
 */
import request from 'supertest';
import { testConfig, testGateway } from '../helpers/gateway';
import { institutions, person, resources, signIn } from './load-harness';

const config = testConfig({
  institutions,
  resources: resources.map((r) => ({ ...r, patterns: { item: ['/article/'] } })),
  admin: { roles: { admins: { subjects: ['uni:it-admin'] } } },
  security: { rules: [{ name: 'harvest', criterion: 'item-requests', over: 2, action: 'suspend', forMinutes: 60 }] },
});

describe('/admin/security', () => {
  const { gateway, lines } = testGateway(config, { demo: { users: [], idpUrl: 'http://127.0.0.1:1' } });
  afterAll(() => gateway.close());
  const security = gateway.security;
  const audits = () => lines.filter((l) => l.audit === true).map((l) => `${String(l.action)}:${String(l.ok)}`);

  it('lists a trip with its evidence in CSV and JSON, lifts the suspension, grants and removes an exemption', async () => {
    const reader = await signIn(gateway, person('harvester'));
    const user = security.userOf({ institution: 'uni', subject: 'harvester' });
    for (let i = 0; i < 3; i++) security.engine.response({ user, identity: { institution: 'uni', subject: 'harvester' }, session: 's1', resource: 'books', address: '203.0.113.9', at: Date.now() }, { bytes: 1500, item: true, pdf: true });
    await security.engine.settled();
    expect((await request(gateway.handle).get('/go/books').set('Cookie', reader.cookie)).status).toBe(403); // suspended everywhere

    expect((await request(gateway.handle).get('/admin/security').set('Cookie', reader.cookie)).status).toBe(403);
    const admin = await signIn(gateway, person('it-admin'));
    const page = await request(gateway.handle).get('/admin/security').set('Cookie', admin.cookie).set('Accept-Language', 'zh-CN');
    expect(page.status).toBe(200);
    expect(page.text).toContain('已触发的规则');
    expect(page.text).not.toContain('harvester');
    const trip = /data-trip="([^"]+)" data-rule="harvest"/.exec(page.text)?.[1];
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    expect(trip).toBeDefined();

    const csv = await request(gateway.handle).get(`/admin/security/trips/${trip}/evidence.csv`).set('Cookie', admin.cookie);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const [comment, header, ...rows] = csv.text.trim().split('\n');
    expect(comment).toContain('rule harvest: item-requests 3 > 2 within 60 minutes');
    expect(header).toBe('at,user,session,network,country,asn,resource,bytes,item,pdf');
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.at(-1)).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[^,]+,${user},s1,203\\.0\\.113\\.0/24,[A-Z]*,,books,1500,1,1$`)); // country as the shipped database has it
    const json = await request(gateway.handle).get(`/admin/security/trips/${trip}/evidence.json`).set('Cookie', admin.cookie);
    expect(json.body).toMatchObject({ trip: { id: trip, rule: 'harvest', value: 3 }, rule: { name: 'harvest', over: 2 }, requests: expect.any(Array) });
    expect((await request(gateway.handle).get(`/admin/security/trips/${trip}/evidence.csv`).set('Cookie', reader.cookie)).status).toBe(403);

    expect((await request(gateway.handle).post('/admin/security/lift').set('Cookie', admin.cookie).type('form').send({ user, resource: '*', _csrf: 'forged' })).status).toBe(403);
    expect((await request(gateway.handle).post('/admin/security/lift').set('Cookie', admin.cookie).type('form').send({ user, resource: '*', _csrf: token })).status).toBe(303);
    expect((await request(gateway.handle).get('/go/books').set('Cookie', reader.cookie)).status).toBe(303);

    const exempt = await request(gateway.handle).post('/admin/security/exempt').set('Cookie', admin.cookie).type('form').send({ account: 'uni:miner', reason: 'TDM project 2026-17', days: '30', _csrf: token });
    expect(exempt.status).toBe(303);
    const miner = security.userOf({ institution: 'uni', subject: 'miner' });
    expect((await request(gateway.handle).get('/admin/security').set('Cookie', admin.cookie)).text).toContain(`data-exemption="${miner}"`);
    for (let i = 0; i < 4; i++) security.engine.response({ user: miner, identity: { institution: 'uni', subject: 'miner' }, session: 's2', resource: 'books', at: Date.now() }, { bytes: 1, item: true, pdf: false });
    await security.engine.settled();
    expect((await security.engine.trips()).filter((t) => t.user === miner)).toEqual([]);
    expect((await request(gateway.handle).post('/admin/security/unexempt').set('Cookie', admin.cookie).type('form').send({ user: miner, _csrf: token })).status).toBe(303);
    expect(await security.state.exemption(miner)).toBeUndefined();
    expect(audits()).toEqual(expect.arrayContaining(['evidence-export:true', 'lift-rule-suspension:false', 'lift-rule-suspension:true', 'exempt:true', 'remove-exemption:true']));
  });

  it('the demo\'s stolen-account button trips the networks and countries rules of the default preset', async () => {
    const admin = await signIn(gateway, person('it-admin'));
    const page = await request(gateway.handle).get('/admin/security').set('Cookie', admin.cookie);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    expect(page.text).toContain('Simulate a stolen account');
    const pressed = await request(gateway.handle).post('/admin/security/demo-stolen-account').set('Cookie', admin.cookie).type('form').send({ _csrf: token });
    expect(pressed.status).toBe(303);
    const after = await request(gateway.handle).get('/admin/security').set('Cookie', admin.cookie);
    expect(after.text).toMatch(/data-rule="many-networks"[^]*data-rule="many-countries"|data-rule="many-countries"[^]*data-rule="many-networks"/);
    const rules = (await security.engine.trips()).map((t) => `${t.rule}:${t.value}`);
    expect(rules).toEqual(expect.arrayContaining(['many-networks:6', 'many-countries:3']));
  });
});
