/**
 * IdP metadata decides which keys may sign people in, so it must be authenticated: a
 * `logins[].metadataUrl` must be https and pinned to the certificate the IdP signs its metadata
 * with (or its SHA-256 fingerprint); otherwise use a local metadataFile or a federation. The
 * config check refuses the rest, naming the key and the fix; fetched documents are accepted only
 * with a valid signature by the pinned key. Fetches go to a real HTTPS server on 127.0.0.1 with
 * a self-signed certificate, trusted through the fetch's own dispatcher (TLS checks stay on).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { Agent, fetch as undiciFetch } from 'undici';
import { SignedXml } from 'xml-crypto';
import { validateConfig } from '../../config';
import type { SamlLoginConfig } from '../../config/schema';
import { defaultMetadataSource, IdpRegistry } from '../../idp-adapters/saml';
import { idpMetadataXml } from '../../demo/idp-messages';
import { loadOrCreateKeyPair, type DemoKeyPair } from '../../demo/keys';
import { closeServer, listen } from '../../demo/server';

const ENTITY_ID = 'https://idp.example.edu.cn/idp/shibboleth';
const FINGERPRINT_OF_NOTHING = Array(32).fill('AB').join(':');

const configCases: { name: string; input: Record<string, unknown>; expect: { path: string; message: RegExp } | 'valid' }[] = [
  { name: 'http metadataUrl', input: { metadataUrl: 'http://idp.example.edu.cn/metadata' }, expect: { path: 'logins[0].metadataUrl', message: /must be an https:\/\/ URL.*metadataSigningCertFile.*metadataFile.*federation/ } },
  { name: 'http metadataUrl, even when pinned', input: { metadataUrl: 'http://idp.example.edu.cn/metadata', metadataSigningCertFile: '/etc/passway/idp.pem' }, expect: { path: 'logins[0].metadataUrl', message: /must be an https:\/\/ URL/ } },
  { name: 'https metadataUrl without a pinned certificate', input: { metadataUrl: 'https://idp.example.edu.cn/metadata' }, expect: { path: 'logins[0].metadataSigningCertFile', message: /needs a pinned signature: set metadataSigningCertFile .* or metadataSigningCertSha256/ } },
  { name: 'both a certificate file and a fingerprint', input: { metadataUrl: 'https://idp.example.edu.cn/metadata', metadataSigningCertFile: '/etc/passway/idp.pem', metadataSigningCertSha256: FINGERPRINT_OF_NOTHING }, expect: { path: 'logins[0].metadataSigningCertSha256', message: /only one of/ } },
  { name: 'a fingerprint that is not SHA-256', input: { metadataUrl: 'https://idp.example.edu.cn/metadata', metadataSigningCertSha256: 'AB:CD' }, expect: { path: 'logins[0].metadataSigningCertSha256', message: /64 hex digits/ } },
  { name: 'a pinned certificate without metadataUrl', input: { metadataFile: '/etc/passway/idp.xml', metadataSigningCertFile: '/etc/passway/idp.pem' }, expect: { path: 'logins[0]', message: /go with metadataUrl/ } },
  { name: 'https metadataUrl with a pinned certificate file', input: { metadataUrl: 'https://idp.example.edu.cn/metadata', metadataSigningCertFile: '/etc/passway/idp.pem' }, expect: 'valid' },
  { name: 'https metadataUrl with a pinned fingerprint', input: { metadataUrl: 'https://idp.example.edu.cn/metadata', metadataSigningCertSha256: FINGERPRINT_OF_NOTHING.replace(/:/g, '') }, expect: 'valid' },
  { name: 'a local metadataFile', input: { metadataFile: '/etc/passway/idp.xml' }, expect: 'valid' },
];

describe('config check: how an IdP\'s metadata may be trusted', () => {
  test.each(configCases)('$name', ({ input, expect: outcome }) => {
    const result = validateConfig({
      session: { secret: 'x'.repeat(40) },
      institutions: [{ id: 'uni', name: { en: 'Uni' } }],
      logins: [{ kind: 'saml', id: 'campus', institution: 'uni', entityID: ENTITY_ID, ...input }],
    });
    if (outcome === 'valid') {
      expect(result.ok ? [] : result.problems).toEqual([]);
      return;
    }
    expect(result.ok ? [] : result.problems).toContainEqual(expect.objectContaining({ path: outcome.path, message: expect.stringMatching(outcome.message) }));
  });
});

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

function sign(xml: string, key: DemoKeyPair, sha1 = false): string {
  const sig = new SignedXml({ privateKey: key.privateKeyPem, publicCert: key.certificatePem, signatureAlgorithm: sha1 ? RSA_SHA1 : RSA_SHA256, canonicalizationAlgorithm: EXC_C14N });
  sig.addReference({ xpath: '/*', transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: sha1 ? SHA1 : SHA256 });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'prepend' } });
  return sig.getSignedXml();
}

let stateDir: string;
let server: https.Server;
let origin: string;
let trustingFetch: typeof fetch;
let agent: Agent;
let metadataSigner: DemoKeyPair;
let idpSigningKey: DemoKeyPair;
let attacker: DemoKeyPair;
let signerCertFile: string;
/** What the https server answers, by path. */
const documents = new Map<string, { status?: number; location?: string; body?: string }>();

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-metadata-trust-'));
  [metadataSigner, idpSigningKey, attacker] = await Promise.all([
    loadOrCreateKeyPair(path.join(stateDir, 'metadata-signer'), 'IdP metadata signer'),
    loadOrCreateKeyPair(path.join(stateDir, 'idp'), 'IdP response signer'),
    loadOrCreateKeyPair(path.join(stateDir, 'attacker'), 'Attacker'),
  ]);
  signerCertFile = path.join(stateDir, 'metadata-signer', 'cert.pem');
  const tls = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  server = https.createServer({ key: tls.private, cert: tls.cert }, (req, res) => {
    const doc = documents.get(req.url ?? '');
    if (!doc) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(doc.status ?? 200, { 'content-type': 'application/samlmetadata+xml', ...(doc.location ? { location: doc.location } : {}) });
    res.end(doc.body ?? '');
  });
  origin = `https://127.0.0.1:${await listen(server, '127.0.0.1', 0)}`;
  agent = new Agent({ connect: { ca: tls.cert } }); // this test's certificate, for these fetches only
  trustingFetch = ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;

  const metadata = idpMetadataXml(ENTITY_ID, 'https://idp.example.edu.cn/idp/profile/SAML2/Redirect/SSO', idpSigningKey.certificateBase64).replace('<md:EntityDescriptor ', '<md:EntityDescriptor ID="_idp-metadata" ');
  const signed = sign(metadata.replace(/<\?xml[^>]*\?>\s*/, ''), metadataSigner);
  documents.set('/signed.xml', { body: signed });
  documents.set('/unsigned.xml', { body: metadata });
  documents.set('/signed-by-attacker.xml', { body: sign(metadata.replace(/<\?xml[^>]*\?>\s*/, ''), attacker) });
  documents.set('/key-swapped.xml', { body: signed.replace(idpSigningKey.certificateBase64, attacker.certificateBase64) });
  documents.set('/sha1.xml', { body: sign(metadata.replace(/<\?xml[^>]*\?>\s*/, ''), metadataSigner, true) });
  documents.set('/moved-to-https', { status: 302, location: `${origin}/signed.xml` });
  documents.set('/moved-to-http', { status: 302, location: `http://127.0.0.1:${new URL(origin).port}/signed.xml` });
});

afterAll(async () => {
  await agent?.close();
  if (server) await closeServer(server);
  await rm(stateDir, { recursive: true, force: true });
});

type Pin = 'certificate-file' | 'fingerprint' | 'wrong-fingerprint';
const fetchCases: { name: string; input: { path: string; pin: Pin }; expect: 'trusted' | RegExp }[] = [
  { name: 'signed by the pinned certificate', input: { path: '/signed.xml', pin: 'certificate-file' }, expect: 'trusted' },
  { name: 'signed by the certificate with the pinned fingerprint', input: { path: '/signed.xml', pin: 'fingerprint' }, expect: 'trusted' },
  { name: 'an https redirect to https', input: { path: '/moved-to-https', pin: 'certificate-file' }, expect: 'trusted' },
  { name: 'unsigned', input: { path: '/unsigned.xml', pin: 'certificate-file' }, expect: /0 signatures; exactly one is required/ },
  { name: 'forged: signed by another key', input: { path: '/signed-by-attacker.xml', pin: 'certificate-file' }, expect: /signature check failed/ },
  { name: "forged: the IdP's signing key swapped after signing", input: { path: '/key-swapped.xml', pin: 'certificate-file' }, expect: /signature check failed/ },
  { name: 'signed with RSA-SHA1', input: { path: '/sha1.xml', pin: 'certificate-file' }, expect: /not RSA-SHA256 or better/ },
  { name: 'signed by a certificate other than the pinned fingerprint', input: { path: '/signed-by-attacker.xml', pin: 'wrong-fingerprint' }, expect: /no certificate with SHA-256 fingerprint/ },
  { name: 'an https redirect to http', input: { path: '/moved-to-http', pin: 'certificate-file' }, expect: /must come over https/ },
];

describe('fetched IdP metadata is used only when signed by the pinned key', () => {
  test.each(fetchCases)('$name', async ({ input, expect: outcome }) => {
    const fingerprint = new X509Certificate(metadataSigner.certificatePem).fingerprint256;
    const pin =
      input.pin === 'certificate-file' ? { metadataSigningCertFile: signerCertFile }
      : input.pin === 'fingerprint' ? { metadataSigningCertSha256: fingerprint }
      : { metadataSigningCertSha256: fingerprint.replace(/^../, '00') };
    const login: SamlLoginConfig = { kind: 'saml', id: 'campus', institution: 'uni', entityID: ENTITY_ID, metadataUrl: `${origin}${input.path}`, ...pin, allowIdpInitiated: false, wantAssertionsSigned: false, supportsMfa: true };
    const failures: Error[] = [];
    const registry = new IdpRegistry([login], defaultMetadataSource({ readFile: (file) => readFile(file, 'utf8'), fetch: trustingFetch }), { onRefreshFailed: (_login, error) => failures.push(error) });
    if (outcome === 'trusted') {
      const metadata = await registry.metadata(login);
      expect(metadata.signingCerts.map((pem) => new X509Certificate(pem).fingerprint256)).toEqual([new X509Certificate(idpSigningKey.certificatePem).fingerprint256]);
      return;
    }
    await expect(registry.metadata(login)).rejects.toMatchObject({ reason: 'metadata-unavailable' });
    expect(failures.map((e) => e.message)).toEqual([expect.stringMatching(outcome)]);
  });

  test('TLS checks stay on: the same server is refused by a fetch that does not trust its certificate', async () => {
    const login: SamlLoginConfig = { kind: 'saml', id: 'campus', institution: 'uni', entityID: ENTITY_ID, metadataUrl: `${origin}/signed.xml`, metadataSigningCertFile: signerCertFile, allowIdpInitiated: false, wantAssertionsSigned: false, supportsMfa: true };
    const registry = new IdpRegistry([login], defaultMetadataSource({ readFile: (file) => readFile(file, 'utf8') }));
    await expect(registry.metadata(login)).rejects.toMatchObject({ reason: 'metadata-unavailable', message: expect.stringMatching(/could not be fetched/) });
  });
});
