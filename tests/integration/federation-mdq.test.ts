/**
 * MDQ (the Metadata Query Protocol) against a real HTTP server on 127.0.0.1 serving static
 * per-entity files named by the SHA-1 of the entityID, each signed in the test with a test
 * federation key: one entity fetched when needed (by {sha1} or by entityID), verified, cached
 * within validUntil/cacheDuration and refreshed before expiry; forged, expired, unsigned, SHA-1
 * and mismatched answers refused with a logged reason; the signed aggregate as the fallback;
 * and sign-ins through a gateway whose IdPs come from MDQ.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { FederationConfig } from '../../config/schema';
import { FederationMetadata } from '../../idp-adapters/saml';
import { RETRY_AFTER_FAILURE_MS } from '../../idp-adapters/saml/mdq';
import { certBody } from '../../idp-adapters/saml/xml';
import type { DemoIdpHandle } from '../../demo';
import { idpMetadataXml } from '../../demo/idp-messages';
import { loadOrCreateKeyPair, type DemoKeyPair } from '../../demo/keys';
import { capturingLogger } from '../helpers/gateway';
import { aggregateOf, DAY, entityAnswer, RSA_SHA1, SHA1, sha1Hex, sign } from '../helpers/signed-metadata';
import { CookieJar, get, post, signInAtIdp, spKeyFiles, startGatewayNode, startIdp } from './saml-harness';

const HOUR = 3_600_000;
let stateDir: string;
let filesDir: string;
let federationKey: DemoKeyPair;
let rogueKey: DemoKeyPair;
let certFile: string;
let server: http.Server;
let baseUrl: string;
/** Paths the MDQ server was asked for, as sent. */
const asked: string[] = [];
let down = false;

/** An IdP's own (unsigned) metadata, as the federation registered it. */
const idpXml = (entityID: string, sso = `${entityID}/sso`) => idpMetadataXml(entityID, sso, certBody(federationKey.certificatePem));
/** Publish `xml` as the MDQ answer for this entity (a static file named by its SHA-1). */
const publish = (entityID: string, xml: string) => writeFile(path.join(filesDir, `${sha1Hex(entityID)}.xml`), xml);
const goodAnswer = (entityID: string, opts: Parameters<typeof entityAnswer>[1] = {}, sso?: string) => sign(entityAnswer(idpXml(entityID, sso), opts), federationKey);

/** The static-file MDQ server: /entities/{sha1}<hex> or /entities/<URL-encoded entityID>; 404 for an unknown entity. */
function mdqServer(): http.Server {
  return http.createServer((req, res) => {
    asked.push(req.url ?? '');
    if (down) {
      req.socket.destroy();
      return;
    }
    const raw = (req.url ?? '').startsWith('/mdq/entities/') ? decodeURIComponent((req.url ?? '').slice('/mdq/entities/'.length)) : undefined;
    if (raw === undefined) {
      res.writeHead(404).end();
      return;
    }
    const hex = raw.startsWith('{sha1}') ? raw.slice('{sha1}'.length) : sha1Hex(raw);
    readFile(path.join(filesDir, `${path.basename(hex)}.xml`), 'utf8').then(
      (xml) => res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(xml),
      () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'),
    );
  });
}

/** A federation loader on its own, with a clock the test moves. */
type MdqOver = Partial<NonNullable<FederationConfig['mdq']>>;
function federationWith(over: Omit<Partial<FederationConfig>, 'mdq'> & { mdq?: MdqOver }, clock: { now: number }) {
  const { logger, lines } = capturingLogger();
  const { mdq, ...rest } = over;
  const config: FederationConfig = {
    id: 'mdqfed',
    signingCertFile: certFile,
    refreshMinutes: 60,
    cacheDir: path.join(stateDir, 'cache'),
    ...rest,
    mdq: mdq ? { baseUrl, identifier: 'sha1', timeoutSeconds: 5, maxCacheHours: 24 * 30, ...mdq } : undefined,
  };
  const federation = new FederationMetadata(config, { logger, now: () => clock.now });
  return { federation, lines, status: (kind: 'mdq' | 'aggregate') => federation.status.sources.find((s) => s.kind === kind) };
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-mdq-'));
  filesDir = path.join(stateDir, 'entities');
  await mkdir(filesDir, { recursive: true });
  federationKey = await loadOrCreateKeyPair(path.join(stateDir, 'federation'), 'Passway test federation');
  rogueKey = await loadOrCreateKeyPair(path.join(stateDir, 'rogue'), 'Passway test federation');
  certFile = path.join(stateDir, 'federation', 'cert.pem');
  server = mdqServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/mdq`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await rm(stateDir, { recursive: true, force: true });
});

beforeEach(() => {
  asked.length = 0;
  down = false;
});

describe('one signed entity at a time', () => {
  test('asked for by {sha1} on first use, verified, cached: a second login asks nothing', async () => {
    const entityID = 'https://idp-one.example.edu.cn/idp/shibboleth';
    const clock = { now: Date.now() };
    await publish(entityID, goodAnswer(entityID, { validUntil: new Date(clock.now + 7 * DAY), cacheDuration: 'PT1H' }));
    const { federation, status } = federationWith({ mdq: {} }, clock);
    try {
      expect((await federation.idp(entityID)).ssoRedirectUrl).toBe(`${entityID}/sso`);
      expect(asked).toEqual([`/mdq/entities/%7Bsha1%7D${sha1Hex(entityID)}`]);
      expect((await federation.idp(entityID)).entityID).toBe(entityID);
      expect(asked).toHaveLength(1);
      expect(status('mdq')).toEqual({
        federation: 'mdqfed',
        kind: 'mdq',
        source: baseUrl,
        lastFetch: new Date(clock.now).toISOString(),
        lastSuccess: new Date(clock.now).toISOString(),
        signature: 'verified',
        entities: 1,
        failures: 0,
        validUntil: new Date(clock.now + 7 * DAY).toISOString(),
        nextRefresh: new Date(clock.now + HOUR).toISOString(), // its cacheDuration
        answers: [{ entityID, validUntil: new Date(clock.now + 7 * DAY).toISOString(), nextRefresh: new Date(clock.now + HOUR).toISOString() }],
      });
    } finally {
      federation.close();
    }
  });

  test('asked for by URL-encoded entityID when identifier is "entityID"', async () => {
    const entityID = 'https://idp-two.example.edu.cn/idp/shibboleth';
    await publish(entityID, goodAnswer(entityID));
    const { federation } = federationWith({ mdq: { identifier: 'entityID' } }, { now: Date.now() });
    try {
      await federation.idp(entityID);
      expect(asked).toEqual([`/mdq/entities/${encodeURIComponent(entityID)}`]);
      expect(asked[0]).toBe('/mdq/entities/https%3A%2F%2Fidp-two.example.edu.cn%2Fidp%2Fshibboleth');
    } finally {
      federation.close();
    }
  });

  test('refreshed before expiry; a failed refresh keeps the cached answer until its validUntil, then the aggregate answers', async () => {
    const entityID = 'https://idp-three.example.edu.cn/idp/shibboleth';
    const start = Date.now();
    const clock = { now: start };
    const validUntil = new Date(start + 2 * DAY);
    await publish(entityID, goodAnswer(entityID, { validUntil, cacheDuration: 'PT6H' }));
    const aggregateFile = path.join(stateDir, 'aggregate-three.xml');
    await writeFile(aggregateFile, sign(aggregateOf([idpXml(entityID, 'https://aggregate.example/sso')], { validUntil: new Date(start + 30 * DAY) }), federationKey));
    const { federation, lines, status } = federationWith({ mdq: {}, metadataFile: aggregateFile }, clock);
    try {
      await federation.start();
      expect((await federation.idp(entityID)).ssoRedirectUrl).toBe(`${entityID}/sso`);
      expect(status('mdq')?.nextRefresh).toBe(new Date(start + 6 * HOUR).toISOString());

      // At its cacheDuration: the cached answer still serves at once, while a newer one is fetched.
      await publish(entityID, goodAnswer(entityID, { validUntil, cacheDuration: 'PT6H' }, 'https://idp-three.example.edu.cn/new-sso'));
      clock.now = start + 6 * HOUR + 1000;
      expect((await federation.idp(entityID)).ssoRedirectUrl).toBe(`${entityID}/sso`);
      await federation.mdq?.refreshDue();
      expect(asked).toHaveLength(2);
      expect((await federation.idp(entityID)).ssoRedirectUrl).toBe('https://idp-three.example.edu.cn/new-sso');
      expect(status('mdq')?.nextRefresh).toBe(new Date(clock.now + 6 * HOUR).toISOString());

      // The MDQ server goes down: the refresh fails, the cached answer stays in use, and the log says until when.
      down = true;
      clock.now += 6 * HOUR + 1000;
      await federation.mdq?.refreshDue();
      expect(asked).toHaveLength(3);
      expect((await federation.idp(entityID)).ssoRedirectUrl).toBe('https://idp-three.example.edu.cn/new-sso');
      expect(status('mdq')?.lastError?.reason).toMatch(/could not be fetched/);
      expect(lines).toContainEqual(expect.objectContaining({ level: 40, source: 'mdq', idp: entityID, msg: `MDQ refresh failed; the cached answer stays in use until ${validUntil.toISOString()}` }));

      // Past its validUntil the cached answer is gone; MDQ is still down, so the signed aggregate answers.
      clock.now = validUntil.getTime() + 1000;
      expect((await federation.idp(entityID)).ssoRedirectUrl).toBe('https://aggregate.example/sso');
      expect(status('mdq')?.entities).toBe(0);
      expect(lines).toContainEqual(expect.objectContaining({ level: 40, source: 'mdq', idp: entityID, msg: 'MDQ gave no usable metadata; the signed aggregate is asked instead' }));
    } finally {
      federation.close();
    }
  });

  test('an answer is kept no longer than maxCacheHours, and refreshed at three quarters of that without a cacheDuration', async () => {
    const entityID = 'https://idp-four.example.edu.cn/idp/shibboleth';
    const clock = { now: Date.now() };
    await publish(entityID, sign(entityAnswer(idpXml(entityID), { validUntil: new Date(clock.now + 30 * DAY) }).replace(' cacheDuration="PT1H"', ''), federationKey));
    const { federation, status } = federationWith({ mdq: { maxCacheHours: 8 } }, clock);
    try {
      await federation.idp(entityID);
      expect(status('mdq')?.nextRefresh).toBe(new Date(clock.now + 6 * HOUR).toISOString());
      down = true;
      clock.now += 8 * HOUR + 1000;
      await expect(federation.idp(entityID)).rejects.toMatchObject({ reason: 'metadata-unavailable' });
    } finally {
      federation.close();
    }
  });
});

describe('refused answers, each with a logged reason; the aggregate answers instead', () => {
  const refusals: [string, (entityID: string) => string, RegExp][] = [
    ['forged: one byte changed after signing', (id) => goodAnswer(id).replace('Demo University</mdui:DisplayName>', 'Demo Universitz</mdui:DisplayName>'), /signed part of the metadata was changed/],
    ['signed by another key (its certificate in KeyInfo)', (id) => sign(entityAnswer(idpXml(id)), rogueKey), /signature value .* is incorrect/],
    ['expired validUntil', (id) => goodAnswer(id, { validUntil: new Date(Date.now() - HOUR) }), /entity expired at .* \(validUntil\)/],
    ['unsigned', (id) => entityAnswer(idpXml(id)), /carries 0 signatures/],
    ['RSA-SHA1', (id) => sign(entityAnswer(idpXml(id)), federationKey, { signature: RSA_SHA1, digest: SHA1 }), /not RSA-SHA256 or better/],
    ['a genuine answer for another entity', () => goodAnswer('https://someone-else.example.edu.cn/idp'), /describes https:\/\/someone-else\.example\.edu\.cn\/idp, not https:\/\/refused-/],
    ['not XML', () => '<md:EntityDescriptor', /not well-formed|not an md:EntityDescriptor/],
  ];

  test.each(refusals.map(([name, make, reason], i) => [name, make, reason, `https://refused-${i}.example.edu.cn/idp`] as const))('%s', async (_name, make, reason, entityID) => {
    await publish(entityID, make(entityID));
    const clock = { now: Date.now() };
    const alone = federationWith({ mdq: {} }, clock);
    const aggregateFile = path.join(stateDir, `aggregate-${sha1Hex(entityID)}.xml`);
    await writeFile(aggregateFile, sign(aggregateOf([idpXml(entityID, 'https://aggregate.example/sso')]), federationKey));
    const withAggregate = federationWith({ mdq: {}, metadataFile: aggregateFile }, clock);
    try {
      // MDQ alone: the login fails, never with the refused content.
      await expect(alone.federation.idp(entityID)).rejects.toMatchObject({ reason: 'metadata-unavailable' });
      const logged = alone.lines.find((l) => l.level === 40 && l.idp === entityID);
      expect(logged).toMatchObject({ federation: 'mdqfed', source: 'mdq', reason: expect.stringMatching(reason), msg: 'MDQ gave no usable metadata; no aggregate is configured to fall back to' });
      expect(alone.status('mdq')).toMatchObject({ entities: 0, failures: 1, answers: [], lastError: { reason: expect.stringMatching(reason) } });
      expect(alone.status('mdq')?.lastSuccess).toBeUndefined();
      // With the signed aggregate: it answers, with its own copy of the entity.
      expect((await withAggregate.federation.idp(entityID)).ssoRedirectUrl).toBe('https://aggregate.example/sso');
      expect(withAggregate.lines).toContainEqual(expect.objectContaining({ level: 40, idp: entityID, reason: expect.stringMatching(reason), msg: 'MDQ gave no usable metadata; the signed aggregate is asked instead' }));
    } finally {
      alone.federation.close();
      withAggregate.federation.close();
    }
  });

  test('the signature check is recorded: refused for a forged answer, verified for a good one', async () => {
    const forged = 'https://sig-forged.example.edu.cn/idp';
    const good = 'https://sig-good.example.edu.cn/idp';
    await publish(forged, sign(entityAnswer(idpXml(forged)), rogueKey));
    await publish(good, goodAnswer(good));
    const { federation, status } = federationWith({ mdq: {} }, { now: Date.now() });
    try {
      await expect(federation.idp(forged)).rejects.toThrow();
      expect(status('mdq')?.signature).toBe('refused');
      await federation.idp(good);
      expect(status('mdq')).toMatchObject({ signature: 'verified', entities: 1 });
      expect(status('mdq')?.lastError).toBeUndefined();
    } finally {
      federation.close();
    }
  });

  test('an entity MDQ does not know: idp-unknown alone, the aggregate answers with one', async () => {
    const entityID = 'https://unknown-to-mdq.example.edu.cn/idp';
    const aggregateFile = path.join(stateDir, 'aggregate-unknown.xml');
    await writeFile(aggregateFile, sign(aggregateOf([idpXml(entityID, 'https://aggregate.example/sso')]), federationKey));
    const alone = federationWith({ mdq: {} }, { now: Date.now() });
    const withAggregate = federationWith({ mdq: {}, metadataFile: aggregateFile }, { now: Date.now() });
    try {
      await expect(alone.federation.idp(entityID)).rejects.toMatchObject({ reason: 'idp-unknown', message: expect.stringMatching(/does not know .* \(404 from/) });
      expect((await withAggregate.federation.idp(entityID)).ssoRedirectUrl).toBe('https://aggregate.example/sso');
    } finally {
      alone.federation.close();
      withAggregate.federation.close();
    }
  });

  test('after a failure the entity is not asked for again for a minute (logins use the fallback meanwhile)', async () => {
    const entityID = 'https://flaky.example.edu.cn/idp';
    const clock = { now: Date.now() };
    const { federation } = federationWith({ mdq: {} }, clock);
    try {
      down = true;
      await expect(federation.idp(entityID)).rejects.toMatchObject({ reason: 'metadata-unavailable' });
      await expect(federation.idp(entityID)).rejects.toMatchObject({ reason: 'metadata-unavailable' });
      expect(asked).toHaveLength(1);
      down = false;
      await publish(entityID, goodAnswer(entityID));
      clock.now += RETRY_AFTER_FAILURE_MS + 1;
      expect((await federation.idp(entityID)).entityID).toBe(entityID);
      expect(asked).toHaveLength(2);
    } finally {
      federation.close();
    }
  });
});

describe('sign-ins through a gateway whose federation has an MDQ service', () => {
  let idpA: DemoIdpHandle;
  let idpB: DemoIdpHandle;
  let aggregateServer: http.Server;

  beforeAll(async () => {
    idpA = await startIdp(path.join(stateDir, 'idp-a'), []);
    idpB = await startIdp(path.join(stateDir, 'idp-b'), []);
  });
  afterAll(async () => {
    await Promise.all([idpA, idpB].map((idp) => idp?.close()));
    aggregateServer?.closeAllConnections();
    await new Promise<void>((resolve) => (aggregateServer ? aggregateServer.close(() => resolve()) : resolve()));
  });

  test('A only in MDQ signs in through it; B forged at MDQ is refused there and signs in from the aggregate; /ds lists both', async () => {
    const metadataOf = async (idp: DemoIdpHandle) => (await fetch(idp.metadataUrl)).text();
    await publish(idpA.entityID, sign(entityAnswer(await metadataOf(idpA)), federationKey));
    await publish(idpB.entityID, sign(entityAnswer(await metadataOf(idpB)), rogueKey));
    const aggregate = sign(aggregateOf([await metadataOf(idpB)]), federationKey);
    aggregateServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(aggregate));
    await new Promise<void>((resolve) => aggregateServer.listen(0, '127.0.0.1', resolve));
    const node = await startGatewayNode({
      institutions: [
        { id: 'uni-a', name: { en: 'University A', zh: '甲大学' }, domains: ['demo.edu.cn'] },
        { id: 'uni-b', name: { en: 'University B', zh: '乙大学' }, domains: ['demo.edu.cn'] },
      ],
      logins: [
        { kind: 'saml', id: 'idp-a', institution: 'uni-a', entityID: idpA.entityID, federation: 'mdqfed' },
        { kind: 'saml', id: 'idp-b', institution: 'uni-b', entityID: idpB.entityID, federation: 'mdqfed' },
      ],
      federations: [
        {
          id: 'mdqfed',
          mdq: { baseUrl },
          metadataUrl: `http://127.0.0.1:${(aggregateServer.address() as { port: number }).port}/aggregate.xml`,
          signingCertFile: certFile,
          cacheDir: path.join(stateDir, 'gateway-cache'),
        },
      ],
      saml: { signing: await spKeyFiles(stateDir) },
    });
    try {
      for (const idp of [idpA, idpB]) idp.trustSpMetadataUrl(`${node.url}/auth/saml/metadata`);
      const ds = await (await get(`${node.url}/ds?returnTo=%2F`)).text();
      expect(ds).toContain('University A');
      expect(ds).toContain('University B');
      for (const [loginId, idp, user, name] of [['idp-a', idpA, 'faculty', '张伟 Zhang Wei'], ['idp-b', idpB, 'student', '李娜 Li Na']] as const) {
        const jar = new CookieJar();
        const { form, location } = await signInAtIdp(node.url, loginId, user, jar, '/after');
        expect(location.startsWith(`${idp.ssoUrl}?`)).toBe(true);
        const acs = await post(form.action, form.fields, jar);
        expect(acs.status).toBe(303);
        expect(await (await get(`${node.url}/`, jar)).text()).toContain(name);
      }
      expect(asked).toEqual(expect.arrayContaining([`/mdq/entities/%7Bsha1%7D${sha1Hex(idpA.entityID)}`, `/mdq/entities/%7Bsha1%7D${sha1Hex(idpB.entityID)}`]));
      expect(node.lines).toContainEqual(
        expect.objectContaining({ level: 40, federation: 'mdqfed', source: 'mdq', idp: idpB.entityID, reason: expect.stringMatching(/incorrect/), msg: 'MDQ gave no usable metadata; the signed aggregate is asked instead' }),
      );
      const sources = node.gateway.federations.get('mdqfed')?.status.sources;
      expect(sources?.map((s) => [s.kind, s.entities])).toEqual([['mdq', 1], ['aggregate', 1]]);
    } finally {
      await node.close();
    }
  });
});
