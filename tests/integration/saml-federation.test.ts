/**
 * Federation metadata over real HTTP: an aggregate of two demo IdPs, signed in the test with
 * xml-crypto and a test federation key, served from a small HTTP server; logins from both IdPs;
 * forged, expired and wrapped aggregates refused with the old list kept; the on-disk copy.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AggregateSource } from '../../idp-adapters/saml/aggregate-source';
import type { DemoIdpHandle } from '../../demo';
import { loadOrCreateKeyPair, type DemoKeyPair } from '../../demo/keys';
import { aggregateOf as aggregate, DAY, MD, sign, withoutXmlDecl } from '../helpers/signed-metadata';
import { CookieJar, get, post, signInAtIdp, spKeyFiles, startGatewayNode, startIdp, type GatewayNode, type SpKeyFiles } from './saml-harness';

const INSTITUTIONS = [
  { id: 'uni-a', name: { en: 'University A', zh: '甲大学' }, domains: ['demo.edu.cn'] },
  { id: 'uni-b', name: { en: 'University B', zh: '乙大学' }, domains: ['demo.edu.cn'] },
];

let stateDir: string;
let spKeys: SpKeyFiles;
let idpA: DemoIdpHandle;
let idpB: DemoIdpHandle;
let evil: DemoIdpHandle;
let federationKey: DemoKeyPair;
let rogueKey: DemoKeyPair;
let entity: { a: string; b: string; evil: string; sp: string };
let goodXml: string;
let served: string | undefined;
let metadataServer: http.Server;
let metadataUrl: string;
let node: GatewayNode;
let federation: AggregateSource;

const entityOf = async (idp: DemoIdpHandle) => (await (await fetch(idp.metadataUrl)).text()).replace(/<\?xml[^>]*\?>\s*/, '');
const signatureOf = (signed: string) => /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signed)?.[0] ?? '';
const withoutSignature = (signed: string) => signed.replace(signatureOf(signed), '');

const samlFederationLogin = (id: string, institution: string, idp: DemoIdpHandle) => ({ kind: 'saml' as const, id, institution, entityID: idp.entityID, federation: 'testfed' });

function nodeInput(cacheDir: string, url = metadataUrl) {
  return {
    institutions: INSTITUTIONS,
    logins: [samlFederationLogin('idp-a', 'uni-a', idpA), samlFederationLogin('idp-b', 'uni-b', idpB), samlFederationLogin('evil', 'uni-a', evil)],
    federations: [{ id: 'testfed', metadataUrl: url, signingCertFile: path.join(stateDir, 'federation', 'cert.pem'), cacheDir }],
    saml: { signing: spKeys },
  };
}

/** The federation's aggregate source (this federation has no MDQ service: tests/integration/saml-mdq.test.ts has). */
const federationOf = (n: GatewayNode): AggregateSource => {
  const found = n.gateway.saml?.registry.federations.get('testfed')?.aggregate;
  if (!found) throw new Error('no federation testfed with an aggregate in the gateway');
  return found;
};

/** The whole round trip: gateway → IdP login → ACS → signed in, the portal showing the user's name. */
async function signIn(n: GatewayNode, loginId: string, idp: DemoIdpHandle, username: string, name: string): Promise<void> {
  const jar = new CookieJar();
  const { form, location } = await signInAtIdp(n.url, loginId, username, jar, '/after');
  expect(location.startsWith(`${idp.ssoUrl}?`)).toBe(true);
  const acs = await post(form.action, form.fields, jar);
  expect(acs.status).toBe(303);
  expect(acs.headers.get('location')).toBe('/after');
  expect(await (await get(`${n.url}/`, jar)).text()).toContain(name);
}

/** The injected IdP is not trusted: its login start is refused, never redirected to it. */
async function expectUnknown(n: GatewayNode, loginId: string): Promise<void> {
  const res = await get(`${n.url}/auth/${loginId}/login`);
  expect(res.status).toBe(403);
  expect(await res.text()).toContain('idp-unknown');
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-saml-federation-'));
  spKeys = await spKeyFiles(stateDir);
  // Separate state folders: each demo IdP gets its own signing key.
  idpA = await startIdp(path.join(stateDir, 'idp-a'), []);
  idpB = await startIdp(path.join(stateDir, 'idp-b'), []);
  evil = await startIdp(path.join(stateDir, 'idp-evil'), []);
  federationKey = await loadOrCreateKeyPair(path.join(stateDir, 'federation'), 'Passway test federation');
  rogueKey = await loadOrCreateKeyPair(path.join(stateDir, 'rogue'), 'Passway test federation');
  entity = {
    a: await entityOf(idpA),
    b: await entityOf(idpB),
    evil: await entityOf(evil),
    sp: `<md:EntityDescriptor xmlns:md="${MD}" entityID="https://sp.example.org/shibboleth"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`,
  };
  goodXml = sign(aggregate([entity.a, entity.sp, entity.b]), federationKey);
  served = goodXml;
  metadataServer = http.createServer((req, res) => {
    if (served === undefined) {
      req.socket.destroy(); // the federation's server is down
      return;
    }
    res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
    res.end(served);
  });
  await new Promise<void>((resolve) => metadataServer.listen(0, '127.0.0.1', resolve));
  metadataUrl = `http://127.0.0.1:${(metadataServer.address() as { port: number }).port}/carsifed-metadata.xml`;

  node = await startGatewayNode(nodeInput(path.join(stateDir, 'cache')));
  for (const idp of [idpA, idpB, evil]) idp.trustSpMetadataUrl(`${node.url}/auth/saml/metadata`);
  federation = federationOf(node);
  await federation.start();
});

afterAll(async () => {
  await node?.close();
  await Promise.all([idpA, idpB, evil].map((idp) => idp?.close()));
  metadataServer?.closeAllConnections();
  await new Promise<void>((resolve) => (metadataServer ? metadataServer.close(() => resolve()) : resolve()));
  await rm(stateDir, { recursive: true, force: true });
});

describe('a signed federation aggregate', () => {
  test('is verified and loaded: both IdPs (not the SP), its status, and the verified copy on disk', async () => {
    expect(federation.status).toEqual({
      federation: 'testfed',
      kind: 'aggregate',
      source: metadataUrl,
      lastFetch: expect.any(String),
      lastSuccess: expect.any(String),
      loadedFrom: 'source',
      signature: 'verified',
      entities: 2,
      failures: 0,
      validUntil: expect.any(String),
      nextRefresh: expect.any(String),
    });
    // cacheDuration PT1H is sooner than refreshMinutes (60): the next fetch is an hour after the last
    expect(Date.parse(federation.status.nextRefresh ?? '') - Date.parse(federation.status.lastFetch ?? '')).toBeGreaterThanOrEqual(3_599_000);
    expect(await readFile(federation.cacheFile, 'utf8')).toBe(goodXml);
    const idp = await federation.idp(idpB.entityID);
    expect(idp.ssoRedirectUrl).toBe(idpB.ssoUrl);
    expect(idp.scopes).toEqual([{ value: 'demo.edu.cn', regexp: false }]);
    expect(idp.displayName).toEqual({ zh: '演示大学', en: 'Demo University' });
    expect(idp.signingCerts[0]?.replace(/\s/g, '')).toBe(idpB.certificatePem.replace(/\s/g, ''));
  });

  test('a good login from each of the two IdPs of the one aggregate', async () => {
    await signIn(node, 'idp-a', idpA, 'faculty', '张伟 Zhang Wei');
    await signIn(node, 'idp-b', idpB, 'student', '李娜 Li Na');
    // The login line's shape belongs to the usage work: look for the login and institution in any form.
    const logged = node.lines.map((l) => JSON.stringify(l));
    for (const [login, institution] of [['idp-a', 'uni-a'], ['idp-b', 'uni-b']]) {
      expect(logged.some((l) => /login-success|"event":"login"/.test(l) && l.includes(`"login":"${login}"`) && l.includes(`"institution":"${institution}"`))).toBe(true);
    }
  });

  test('an IdP the aggregate does not list is idp-unknown, with a clear message', async () => {
    await expectUnknown(node, 'evil');
    expect(node.lines).toContainEqual(expect.objectContaining({ reason: 'idp-unknown', detail: `${evil.entityID} is not an IdP in the verified testfed federation metadata (2 IdPs listed)` }));
  });
});

describe('a refused refresh keeps the old list, the disk copy and the logins', () => {
  const cases: [string, () => string, RegExp][] = [
    ['one byte changed in an entity', () => goodXml.replace('Demo University</mdui:DisplayName>', 'Demo Universitz</mdui:DisplayName>'), /signed part of the metadata was changed/],
    ['signed by a different key (its certificate in KeyInfo)', () => sign(aggregate([entity.a, entity.b, entity.evil]), rogueKey), /signature value .* is incorrect/],
    ['expired validUntil', () => sign(aggregate([entity.a, entity.b, entity.evil], { validUntil: new Date(Date.now() - DAY) }), federationKey), /expired at .* \(validUntil\)/],
    ['RSA-SHA1', () => sign(aggregate([entity.a, entity.b, entity.evil]), federationKey, { signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digest: 'http://www.w3.org/2000/09/xmldsig#sha1' }), /not RSA-SHA256 or better/],
    ['unsigned', () => aggregate([entity.a, entity.b, entity.evil]), /carries 0 signatures/],
    ['not XML', () => '<md:EntitiesDescriptor', /not well-formed|not an md:EntitiesDescriptor/],
    [
      'wrapping: the signed aggregate inside an unsigned root beside an injected IdP',
      () => `<md:EntitiesDescriptor xmlns:md="${MD}" ID="_wrapper">${withoutXmlDecl(goodXml)}${entity.evil}</md:EntitiesDescriptor>`,
      /carries 0 signatures/,
    ],
    [
      'wrapping: the signature moved to an unsigned root holding the signed aggregate and an injected IdP',
      () => `<md:EntitiesDescriptor xmlns:md="${MD}" ID="_wrapper">${signatureOf(goodXml)}${withoutXmlDecl(withoutSignature(goodXml))}${entity.evil}</md:EntitiesDescriptor>`,
      /covers #_fed[0-9a-f]+, not the root element/,
    ],
    [
      'wrapping: as above, the unsigned root taking the signed ID',
      () => {
        const id = /ID="(_fed[0-9a-f]+)"/.exec(goodXml)?.[1] ?? '';
        return `<md:EntitiesDescriptor xmlns:md="${MD}" ID="${id}">${signatureOf(goodXml)}${withoutXmlDecl(withoutSignature(goodXml))}${entity.evil}</md:EntitiesDescriptor>`;
      },
      /multiple elements with the same value for the ID/,
    ],
    ['wrapping: an injected IdP as a second root element after the signed one', () => `${goodXml}${entity.evil}`, /not well-formed/],
    ['an unsigned IdP injected into the signed root', () => goodXml.replace('</md:EntitiesDescriptor>', `${entity.evil}</md:EntitiesDescriptor>`), /signed part of the metadata was changed/],
  ];

  test.each(cases)('%s → refused', async (_name, forged, reason) => {
    served = forged();
    try {
      expect(await federation.refresh()).toBe(false);
      const status = federation.status;
      expect(status.lastError?.reason).toMatch(reason);
      expect(status.entities).toBe(2);
      expect(status.failures).toBeGreaterThan(0);
      expect(node.lines).toContainEqual(
        expect.objectContaining({ level: 40, federation: 'testfed', reason: status.lastError?.reason, msg: expect.stringMatching(/^federation metadata refused; the last good copy \(verified .*, valid until .*\) stays in use$/) }),
      );
      expect(await readFile(federation.cacheFile, 'utf8')).toBe(goodXml);
      await expectUnknown(node, 'evil');
    } finally {
      served = goodXml;
    }
  });

  test('after all those refusals both IdPs still sign people in', async () => {
    await signIn(node, 'idp-a', idpA, 'staff', '刘洋 Liu Yang');
    await signIn(node, 'idp-b', idpB, 'faculty', '张伟 Zhang Wei');
  });

  test('a newer verified aggregate replaces the list and the disk copy, and clears the error', async () => {
    const onlyB = sign(aggregate([entity.b]), federationKey);
    served = onlyB;
    try {
      expect(await federation.refresh()).toBe(true);
      expect(federation.status).toMatchObject({ entities: 1, loadedFrom: 'source' });
      expect(federation.status.lastError).toBeUndefined();
      expect(await readFile(federation.cacheFile, 'utf8')).toBe(onlyB);
      await expectUnknown(node, 'idp-a');
    } finally {
      served = goodXml;
      expect(await federation.refresh()).toBe(true);
    }
    expect(federation.status.entities).toBe(2);
  });
});

describe('the on-disk copy', () => {
  test('is used when the URL is down at start, and logins work from it', async () => {
    const cacheDir = path.join(stateDir, 'cache-copy');
    await cp(path.join(stateDir, 'cache'), cacheDir, { recursive: true });
    served = undefined;
    const second = await startGatewayNode(nodeInput(cacheDir));
    try {
      const loaded = federationOf(second);
      await loaded.start();
      expect(loaded.status).toMatchObject({ loadedFrom: 'cache', entities: 2, lastError: { reason: expect.stringMatching(/could not be fetched/) } });
      idpB.trustSpMetadataUrl(`${second.url}/auth/saml/metadata`);
      await signIn(second, 'idp-b', idpB, 'student', '李娜 Li Na');
    } finally {
      served = goodXml;
      await second.close();
    }
  });

  test('is written only with verified content: a forged aggregate at start leaves no copy and no IdP', async () => {
    const cacheDir = path.join(stateDir, 'cache-forged');
    served = sign(aggregate([entity.a, entity.b, entity.evil]), rogueKey);
    const third = await startGatewayNode(nodeInput(cacheDir));
    try {
      const loaded = federationOf(third);
      await loaded.start();
      expect(loaded.status).toMatchObject({ entities: 0, lastError: { reason: expect.stringMatching(/incorrect/) } });
      expect(loaded.status.lastSuccess).toBeUndefined();
      expect(loaded.status.signature).toBe('refused');
      // There is no last good copy, and the log says so (it used to claim one "stays in use").
      const refusal = third.lines.find((l) => l.federation === 'testfed' && l.level === 40);
      expect(refusal?.msg).toBe('federation metadata refused; no verified copy is loaded: sign-ins through this federation fail until one is');
      await expect(readFile(loaded.cacheFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
      const res = await get(`${third.url}/auth/idp-a/login`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('metadata-unavailable');
    } finally {
      served = goodXml;
      await third.close();
    }
  });

  test('is verified again when read: a tampered copy is refused', async () => {
    const cacheDir = path.join(stateDir, 'cache-tampered');
    await mkdir(cacheDir, { recursive: true });
    await writeFile(path.join(cacheDir, 'testfed.xml'), goodXml.replace('</md:EntitiesDescriptor>', `${entity.evil}</md:EntitiesDescriptor>`));
    served = undefined;
    const fourth = await startGatewayNode(nodeInput(cacheDir));
    try {
      const loaded = federationOf(fourth);
      await loaded.start();
      expect(loaded.status).toMatchObject({ entities: 0, lastError: { reason: expect.stringMatching(/^on-disk copy .* refused: .*changed/) } });
      await expect(loaded.idp(evil.entityID)).rejects.toMatchObject({ reason: 'metadata-unavailable' });
    } finally {
      served = goodXml;
      await fourth.close();
    }
  });
});
