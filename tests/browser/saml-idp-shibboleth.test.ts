/**
 * Interop: a real Shibboleth SP 3 (Debian's libapache2-mod-shib behind Apache on loopback) trusts
 * Passway's virtual IdP from its metadata; Chromium opens the SP's protected page as a reader of a
 * college whose campus runs only CAS. Shibboleth sends a signed AuthnRequest, Passway holds it while
 * the reader signs in at the CAS form, decides, and answers with a signed response whose assertion
 * is encrypted to the key in Shibboleth's metadata; Shibboleth's checks (signature, audience,
 * Destination, Recipient, InResponseTo, times, shibmd:Scope of every scoped value, NameID
 * qualifiers) pass and its page prints the pseudonym and entitlement, and nothing else of the reader.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startDemoCas, type DemoCasHandle } from '../../demo';
import { MemoryStore } from '../../gateway/store';
import { launchChromium } from '../helpers/browser';
import { writeKeyPair } from '../helpers/keys';
import { attributesOf, installShibbolethSp, startShibbolethSp, type ShibbolethSp } from '../helpers/shibboleth-sp';
import { startGatewayNode, type GatewayNode } from '../integration/saml-harness';

const SP_ENTITY_ID = 'https://shib-vendor.example.com/shibboleth';

let dir: string;
let cas: DemoCasHandle;
let gateway: GatewayNode;
let sp: ShibbolethSp;
let browser: Browser;

beforeAll(async () => {
  installShibbolethSp();
  dir = await mkdtemp(path.join(os.tmpdir(), 'passway-idp-shib-'));
  cas = await startDemoCas({ host: '127.0.0.1', port: 0 });
  const spMetadataFile = path.join(dir, 'shibboleth-sp.xml'); // written once Shibboleth runs: the catalog reads it when the SP first asks
  gateway = await startGatewayNode(
    {
      institutions: [{ id: 'demo-college', name: { en: 'Demo College', zh: '演示学院' }, domains: ['college.demo.edu.cn'] }],
      logins: [{ kind: 'cas', id: 'demo-cas', institution: 'demo-college', serverUrl: cas.serverUrl }],
      idp: { enabled: true, signing: await writeKeyPair(dir, 'idp') },
      resources: [
        {
          id: 'shib-vendor',
          title: { en: 'Shibboleth Vendor', zh: 'Shibboleth 供应商' },
          vendor: 'Shibboleth Vendor',
          hosts: [{ host: 'shib-vendor.example.com' }],
          access: [{ kind: 'idp', entityID: SP_ENTITY_ID, metadataFile: spMetadataFile }],
          licences: [{ institution: 'demo-college', affiliations: ['faculty', 'student'] }],
        },
      ],
    },
    { store: new MemoryStore() },
  );
  const idpMetadataFile = path.join(dir, 'passway-idp.xml');
  await writeFile(idpMetadataFile, await (await fetch(`${gateway.url}/idp/demo-college/metadata`)).text());
  sp = await startShibbolethSp({ entityID: SP_ENTITY_ID, idpMetadataFile, signRequests: true });
  await writeFile(spMetadataFile, sp.metadataXml);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sp?.stop();
  await gateway?.close();
  await cas?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a CAS-signed-in reader reaches the Shibboleth-protected page with a pseudonym and an entitlement', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(sp.secureUrl);
  await page.waitForURL(`${cas.serverUrl}/login?**`);
  await page.getByLabel(/Username/).fill('teacher');
  await page.getByLabel(/Password/).fill('teacher-demo');
  await page.getByRole('button', { name: /Sign in/ }).click();
  await page.waitForURL(sp.secureUrl);
  const printed = (await page.textContent('body')) ?? '';
  const attributes = attributesOf(printed);
  if (!attributes['pairwise-id']) throw new Error(`no pairwise-id printed:\n${printed}\n${await sp.logs()}`);

  const idp = `${gateway.url}/idp/demo-college`;
  expect(attributes['Shib-Identity-Provider']).toEqual([idp]);
  expect(attributes['pairwise-id']).toEqual([expect.stringMatching(/^[0-9a-f]{64}@college\.demo\.edu\.cn$/)]);
  expect(attributes.REMOTE_USER).toEqual(attributes['pairwise-id']); // Shibboleth's REMOTE_USER: the pseudonym
  expect(attributes.eduPersonEntitlement).toEqual(['urn:mace:dir:entitlement:common-lib-terms']);
  expect(attributes.eduPersonScopedAffiliation).toEqual(['faculty@college.demo.edu.cn']);
  const pseudonym = attributes['pairwise-id']![0]!.split('@')[0];
  expect(attributes['persistent-id']).toEqual([`${idp}!${SP_ENTITY_ID}!${pseudonym}`]);
  for (const withheld of ['eppn', 'subject-id', 'displayName', 'mail'] as const) expect(attributes[withheld]).toBeUndefined();
  expect(printed).not.toMatch(/teacher|Wang Fang|王芳/);
  // Shibboleth signed its request; Passway encrypted the assertion to the key in Shibboleth's metadata
  expect(gateway.lines).toContainEqual(expect.objectContaining({ msg: 'AuthnRequest accepted', sp: SP_ENTITY_ID, signed: true, binding: 'redirect' }));
  expect(gateway.lines).toContainEqual(expect.objectContaining({ msg: 'assertion sent', sp: SP_ENTITY_ID, encrypted: true, nameIDFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' }));
  await context.close();
});
