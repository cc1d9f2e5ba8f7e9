/**
 * Federation metadata status for IT: /admin/federations (admin role, both languages), /readyz
 * "degraded" with the reason when metadata is within a day of expiry or missing, and /metrics
 * (clean under `promtool check metrics`). Aggregates are local files signed in the test; the MDQ
 * service is a port nothing listens on, so its status shows a failed fetch.
 */
import { promtoolProblems } from '../helpers/promtool';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { idpMetadataXml } from '../../demo/idp-messages';
import { loadOrCreateKeyPair, type DemoKeyPair } from '../../demo/keys';
import { certBody } from '../../idp-adapters/saml/xml';
import { aggregateOf, DAY, entityAnswer, sign } from '../helpers/signed-metadata';
import { adminGateway, identity } from './admin-harness';

const HOUR = 3_600_000;
const ENTITY = 'https://idp.uni.example.edu.cn/idp/shibboleth';
let stateDir: string;
let key: DemoKeyPair;
let rogue: DemoKeyPair;
let closedPort: number;

const admin = identity({ subject: 'boss', affiliations: ['staff'] });
const librarian = identity({ subject: 'lib', groups: ['library-staff'] });

/** A gateway with federation "fed": an aggregate file valid for `validFor` ms (signed by `by`), and an MDQ service that does not answer. */
async function gatewayWith(name: string, validFor: number, by: DemoKeyPair = key) {
  const file = path.join(stateDir, `${name}.xml`);
  await writeFile(file, sign(aggregateOf([idpMetadataXml(ENTITY, `${ENTITY}/sso`, certBody(key.certificatePem))], { validUntil: new Date(Date.now() + validFor) }), by));
  const built = adminGateway({
    federations: [{ id: 'fed', metadataFile: file, signingCertFile: path.join(stateDir, 'federation', 'cert.pem'), cacheDir: path.join(stateDir, `cache-${name}`), mdq: { baseUrl: `http://127.0.0.1:${closedPort}/` } }],
    load: { metricsAllow: ['127.0.0.1', '::1', '::ffff:127.0.0.1'] },
  });
  const federation = built.gateway.federations.get('fed');
  if (!federation) throw new Error('no federation fed');
  await federation.start();
  return { ...built, federation };
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-federation-status-'));
  key = await loadOrCreateKeyPair(path.join(stateDir, 'federation'), 'Passway test federation');
  rogue = await loadOrCreateKeyPair(path.join(stateDir, 'rogue'), 'Passway test federation');
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('metadata within a day of expiry', () => {
  let built: Awaited<ReturnType<typeof gatewayWith>>;
  beforeAll(async () => {
    built = await gatewayWith('expiring', 12 * HOUR);
    // A login's lookup: MDQ cannot be reached, the aggregate answers.
    expect((await built.federation.idp(ENTITY)).entityID).toBe(ENTITY);
  });
  afterAll(() => built.gateway.close());

  test('/admin/federations shows each source and an alert line, in English', async () => {
    const cookie = await built.signedIn(admin);
    const res = await request(built.gateway.handle).get('/admin/federations').set('Cookie', cookie).set('Accept-Language', 'en');
    expect(res.status).toBe(200);
    const page = res.text;
    expect(page).toContain('<h1>Federation metadata</h1>');
    const alert = /<p class="notice" role="alert" data-alert="([a-z]+)">([^<]*)<\/p>/.exec(page);
    expect(alert?.[1]).toBe('expiring');
    expect(alert?.[2]).toMatch(/^The signed aggregate of fed expires at .*, within a day\. Check that the federation still publishes newer metadata/);
    const field = (source: string, name: string) => new RegExp(`data-source="${source}"[\\s\\S]*?data-field="${name}">([\\s\\S]*?)</dd>`).exec(page)?.[1] ?? '';
    expect(field('aggregate', 'signature')).toBe('verified');
    expect(field('aggregate', 'idps')).toBe('1');
    expect(field('aggregate', 'last-fetch')).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/);
    expect(field('aggregate', 'last-good')).toMatch(/<time datetime=/);
    expect(field('aggregate', 'valid-until')).toMatch(/<time datetime=/);
    expect(field('aggregate', 'next-refresh')).toMatch(/<time datetime=/);
    expect(field('aggregate', 'last-error')).toBe('none');
    expect(field('mdq', 'signature')).toBe('not yet');
    expect(field('mdq', 'idps')).toBe('0 answers cached');
    expect(field('mdq', 'last-good')).toBe('not yet');
    expect(field('aggregate', 'failures')).toBe('0 since start');
    expect(field('mdq', 'failures')).toBe('1 since start');
    expect(field('mdq', 'last-error')).toMatch(/<time datetime=.*<\/time>: https:\/\/idp\.uni\.example\.edu\.cn\/idp\/shibboleth: http:\/\/127\.0\.0\.1:\d+\/entities\/%7Bsha1%7D[0-9a-f]{40} could not be fetched/);
  });

  test('and in Chinese', async () => {
    const cookie = await built.signedIn(admin);
    const res = await request(built.gateway.handle).get('/admin/federations').set('Cookie', cookie).set('Accept-Language', 'zh-CN');
    expect(res.text).toContain('<h1>联盟元数据</h1>');
    expect(res.text).toMatch(/role="alert" data-alert="expiring">fed 的签名聚合元数据将于 .* 过期（不足一天）/);
    expect(res.text).toContain('签名验证');
    expect(res.text).toContain('已缓存 0 个');
  });

  test('admins only: a librarian is refused, a signed-out visitor sent to sign in; the admin menu links it', async () => {
    const lib = await request(built.gateway.handle).get('/admin/federations').set('Cookie', await built.signedIn(librarian));
    expect(lib.status).toBe(403);
    const anonymous = await request(built.gateway.handle).get('/admin/federations');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/returnTo=%2Fadmin%2Ffederations/);
    const menu = await request(built.gateway.handle).get('/admin').set('Cookie', await built.signedIn(admin)).set('Accept-Language', 'en');
    expect(menu.text).toContain('href="/admin/federations"');
  });

  test('/readyz says degraded, with the reason, and stays 200 (every node shares the metadata)', async () => {
    const res = await request(built.gateway.handle).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/^federation fed \(aggregate\): metadata expires at \d{4}-.*Z, within a day$/) });
  });

  test('/metrics per federation and source, clean under promtool', async () => {
    const metrics = (await request(built.gateway.handle).get('/metrics')).text;
    const validUntil = Date.parse(built.federation.status.sources.find((s) => s.kind === 'aggregate')?.validUntil ?? '');
    expect(metrics).toContain(`passway_federation_metadata_valid_until_seconds{federation="fed",source="aggregate"} ${validUntil / 1000}`);
    expect(metrics).toContain('passway_federation_metadata_degraded{federation="fed",source="aggregate"} 1');
    expect(metrics).toContain('passway_federation_metadata_degraded{federation="fed",source="mdq"} 0');
    expect(metrics).toContain('passway_federation_metadata_idps{federation="fed",source="aggregate"} 1');
    expect(metrics).toContain('passway_federation_metadata_idps{federation="fed",source="mdq"} 0');
    expect(metrics).toContain('passway_federation_metadata_signature_ok{federation="fed",source="aggregate"} 1');
    expect(metrics).toContain('passway_federation_metadata_failures_total{federation="fed",source="mdq"} 1');
    expect(metrics).toMatch(/passway_federation_metadata_last_fetch_timestamp_seconds\{federation="fed",source="mdq"\} \d+/);
    expect(metrics).not.toMatch(/passway_federation_metadata_last_success_timestamp_seconds\{federation="fed",source="mdq"\}/);
    expect(promtoolProblems(metrics)).toBe('');
  });
});

test('fresh metadata: no alert, /readyz ready, degraded 0', async () => {
  const built = await gatewayWith('fresh', 7 * DAY);
  try {
    const page = await request(built.gateway.handle).get('/admin/federations').set('Cookie', await built.signedIn(admin)).set('Accept-Language', 'en');
    expect(page.text).not.toContain('role="alert"');
    expect((await request(built.gateway.handle).get('/readyz')).body).toEqual({ status: 'ready', store: 'memory' });
    expect((await request(built.gateway.handle).get('/metrics')).text).toContain('passway_federation_metadata_degraded{federation="fed",source="aggregate"} 0');
  } finally {
    built.gateway.close();
  }
});

test('no verified copy at all (a forged aggregate): the alert says so, and /readyz names the refusal', async () => {
  const built = await gatewayWith('forged', 7 * DAY, rogue);
  try {
    const page = await request(built.gateway.handle).get('/admin/federations').set('Cookie', await built.signedIn(admin)).set('Accept-Language', 'en');
    expect(page.text).toMatch(/data-alert="unavailable">No verified signed aggregate of fed is loaded \(signature check failed: .*incorrect.*\): sign-ins that need it fail until one is\./);
    expect(page.text).toMatch(/data-source="aggregate"[\s\S]*?data-field="signature">refused</);
    const ready = await request(built.gateway.handle).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.reason).toMatch(/^federation fed \(aggregate\): no verified metadata loaded: signature check failed/);
    expect((await request(built.gateway.handle).get('/metrics')).text).toContain('passway_federation_metadata_signature_ok{federation="fed",source="aggregate"} 0');
  } finally {
    built.gateway.close();
  }
});

test('an MDQ-only federation lists the answers it has cached, each with its validUntil and next refresh', async () => {
  const answer = sign(entityAnswer(idpMetadataXml(ENTITY, `${ENTITY}/sso`, certBody(key.certificatePem)), { validUntil: new Date(Date.now() + 7 * DAY) }), key);
  const mdq = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(answer));
  await new Promise<void>((resolve) => mdq.listen(0, '127.0.0.1', resolve));
  const built = adminGateway({
    federations: [{ id: 'mdqonly', signingCertFile: path.join(stateDir, 'federation', 'cert.pem'), mdq: { baseUrl: `http://127.0.0.1:${(mdq.address() as net.AddressInfo).port}/` } }],
  });
  try {
    expect((await built.gateway.federations.get('mdqonly')?.idp(ENTITY))?.ssoRedirectUrl).toBe(`${ENTITY}/sso`);
    const page = (await request(built.gateway.handle).get('/admin/federations').set('Cookie', await built.signedIn(admin)).set('Accept-Language', 'en')).text;
    expect(page).not.toContain('data-source="aggregate"');
    expect(page).toMatch(/data-field="signature">verified</);
    expect(page).toMatch(/<details data-field="answers"><summary>Cached answers \(1\)<\/summary>[\s\S]*<code>https:\/\/idp\.uni\.example\.edu\.cn\/idp\/shibboleth<\/code>/);
    expect(page).not.toContain('role="alert"');
  } finally {
    built.gateway.close();
    await new Promise((resolve) => mdq.close(resolve));
  }
});
