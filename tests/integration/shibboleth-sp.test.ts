/**
 * The real-Shibboleth-SP harness (tests/helpers/shibboleth-sp.ts) against the demo SAML IdP: a signed,
 * IdP-initiated response is accepted by Shibboleth's ACS, and its protected page prints what it received.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDemoIdp, type DemoIdpHandle } from '../../demo';
import { loadOrCreateKeyPair, type DemoKeyPair } from '../../demo/keys';
import { ATTRIBUTE, signedResponse } from '../helpers/saml-response';
import { CookieJar, get, parseForm, post } from './saml-harness';
import { attributesOf, installShibbolethSp, startShibbolethSp, type ShibbolethSp } from '../helpers/shibboleth-sp';

let stateDir: string;
let idp: DemoIdpHandle;
let sp: ShibbolethSp;
let idpKey: DemoKeyPair;

beforeAll(async () => {
  installShibbolethSp();
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-shibsp-test-'));
  idp = await startDemoIdp({ host: '127.0.0.1', port: 0, stateDir });
  sp = await startShibbolethSp({ entityID: 'https://vendor.example.org/shibboleth', idpMetadataFile: idp.metadataFile });
  idp.trustSpMetadataXml(sp.metadataXml);
  idpKey = await loadOrCreateKeyPair(path.join(stateDir, 'demo-idp'), 'unused: the demo IdP made it');
}, 120_000);

afterAll(async () => {
  await sp?.stop();
  await idp?.close();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** POST a SAMLResponse to Shibboleth's ACS; returns its answer and the session cookie it set. */
async function postToAcs(samlResponse: string, relayState: string) {
  const res = await fetch(sp.acsUrl, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ SAMLResponse: samlResponse, RelayState: relayState }) });
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { res, cookie, body: await res.text() };
}

test('publishes its own metadata with its entityID and HTTP-POST ACS', () => {
  expect(sp.metadataXml).toContain(`entityID="${sp.entityID}"`);
  expect(sp.metadataXml).toContain(`Location="${sp.acsUrl}"`);
});

test('accepts a signed IdP-initiated response and the protected page prints the attributes', async () => {
  const built = await idp.buildResponse({ spEntityID: sp.entityID, username: 'faculty', relayState: sp.secureUrl });
  const { res, cookie, body } = await postToAcs(built.samlResponse, sp.secureUrl);
  if (res.status !== 302) throw new Error(`ACS answered ${res.status}: ${body}\n${await sp.logs()}`);
  expect(res.headers.get('location')).toBe(sp.secureUrl);
  expect(cookie).toMatch(/_shibsession_/);

  const page = await fetch(sp.secureUrl, { headers: { cookie }, redirect: 'manual' });
  const attributes = attributesOf(await page.text());
  expect(page.status).toBe(200);
  expect(attributes['Shib-Identity-Provider']).toEqual([idp.entityID]);
  expect(attributes.eduPersonEntitlement).toEqual(['urn:mace:dir:entitlement:common-lib-terms']);
  expect(attributes.eduPersonScopedAffiliation?.sort()).toEqual(['faculty@demo.edu.cn', 'member@demo.edu.cn']);
  expect(attributes['persistent-id']).toEqual([`${idp.entityID}!${sp.entityID}!${built.nameID}`]);
  expect(attributes.REMOTE_USER).toEqual(['faculty@demo.edu.cn']); // eppn comes first in REMOTE_USER
});

test('SP-initiated: /secure/ sends a signed AuthnRequest to the IdP and lands back on /secure/ with the attributes', async () => {
  const jar = new CookieJar();
  const start = await get(`${sp.secureUrl}?from=test`, jar);
  expect(start.status).toBe(302);
  const location = start.headers.get('location') ?? '';
  expect(location.startsWith(`${idp.ssoUrl}?SAMLRequest=`)).toBe(true);
  expect(new URL(location).searchParams.get('Signature')).toBeTruthy(); // the demo IdP's metadata wants signed requests

  const login = parseForm(await (await get(location, jar)).text());
  const answered = parseForm(await (await post(new URL(login.action, location).href, { ticket: login.fields.ticket ?? '', username: 'student', password: 'student-demo' }, jar)).text());
  expect(answered.action).toBe(sp.acsUrl);
  const acs = await post(answered.action, answered.fields, jar);
  expect(acs.status).toBe(302);
  expect(acs.headers.get('location')).toBe(`${sp.secureUrl}?from=test`);
  const attributes = attributesOf(await (await get(`${sp.secureUrl}?from=test`, jar)).text());
  expect(attributes.eduPersonScopedAffiliation?.sort()).toEqual(['member@demo.edu.cn', 'student@demo.edu.cn']);
});

describe('responses signed with xml-crypto (any attributes)', () => {
  const pairwise = (key: DemoKeyPair, nameID = 'opaque-reader-1') =>
    Buffer.from(
      signedResponse({
        idpEntityID: idp.entityID,
        key,
        spEntityID: sp.entityID,
        acsUrl: sp.acsUrl,
        nameID,
        attributes: {
          [ATTRIBUTE.pairwiseId]: ['K3V5ZQ2XJ7@demo.edu.cn'],
          [ATTRIBUTE.eduPersonEntitlement]: ['urn:mace:dir:entitlement:common-lib-terms'],
          [ATTRIBUTE.eduPersonScopedAffiliation]: ['student@demo.edu.cn', 'member@elsewhere.example'],
        },
      }),
    ).toString('base64');

  test('pairwise-id becomes REMOTE_USER; a value outside the IdP metadata scope is filtered out', async () => {
    const { res, cookie, body } = await postToAcs(pairwise(idpKey), sp.secureUrl);
    if (res.status !== 302) throw new Error(`ACS answered ${res.status}: ${body}\n${await sp.logs()}`);
    const attributes = attributesOf(await (await fetch(sp.secureUrl, { headers: { cookie } })).text());
    expect(attributes['pairwise-id']).toEqual(['K3V5ZQ2XJ7@demo.edu.cn']);
    expect(attributes.REMOTE_USER).toEqual(['K3V5ZQ2XJ7@demo.edu.cn']);
    expect(attributes.eduPersonEntitlement).toEqual(['urn:mace:dir:entitlement:common-lib-terms']);
    expect(attributes.eduPersonScopedAffiliation).toEqual(['student@demo.edu.cn']);
    expect(attributes['persistent-id']).toEqual([`${idp.entityID}!${sp.entityID}!opaque-reader-1`]);
  });

  test('refuses a response signed with another key, and a replayed one', async () => {
    const stranger = await loadOrCreateKeyPair(path.join(stateDir, 'stranger'), 'Not the IdP');
    const forged = await postToAcs(pairwise(stranger), sp.secureUrl);
    expect(forged.res.status).not.toBe(302);
    expect(forged.cookie).not.toMatch(/_shibsession_/);

    const once = pairwise(idpKey, 'opaque-reader-2');
    expect((await postToAcs(once, sp.secureUrl)).res.status).toBe(302);
    const replay = await postToAcs(once, sp.secureUrl);
    expect(replay.res.status).not.toBe(302);
    expect(replay.cookie).not.toMatch(/_shibsession_/);
  });
});
