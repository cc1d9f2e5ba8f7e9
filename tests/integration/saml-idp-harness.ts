/**
 * Passway as IdP under test: a gateway on a real port with `idp.enabled`, a CAS campus (the test
 * CAS server) as the only sign-in of its institution, Redis as the store, and vendor SPs played by
 * @node-saml/node-saml in the test process, trusted through SP metadata files node-saml wrote.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SAML, ValidateInResponseTo, type SamlConfig } from '@node-saml/node-saml';
import type { ConfigInput } from '../../config';
import { RedisStore } from '../../gateway/store';
import { startCasServer, type CasServer } from '../fixtures/cas-server';
import { HttpBrowser, location } from '../helpers/http-browser';
import { writeKeyPair } from '../helpers/keys';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { parseForm, startGatewayNode, type GatewayNode } from './saml-harness';

export interface PemPair {
  keyFile: string;
  certFile: string;
  key: string;
  cert: string;
}

export async function pemPair(dir: string, name: string): Promise<PemPair> {
  const files = await writeKeyPair(dir, name);
  return { ...files, key: readFileSync(files.keyFile, 'utf8'), cert: readFileSync(files.certFile, 'utf8') };
}

export interface VendorSp {
  entityID: string;
  acsUrl: string;
  metadataFile: string;
  /** A node-saml SP for this vendor (options may differ from what its metadata says, for negative cases). */
  saml(options?: Partial<SamlConfig>): SAML;
}

export interface IdpWorld {
  dir: string;
  gateway: GatewayNode;
  cas: CasServer;
  idpCert: string;
  vendors: Record<'a' | 'b' | 'c', VendorSp>;
  ssoUrl: string;
  close(): Promise<void>;
}

/**
 * Vendors: a (signs requests, minimal release, faculty and students licensed), b (its metadata
 * publishes an encryption key; pseudonymous preset), c (does not sign its requests; faculty only).
 * `vendorARequires`: vendor a's licence requires that authentication context (step-up MFA), and the
 * CAS campus can give it.
 */
export async function startIdpWorld(extra: Partial<ConfigInput> = {}, options: { vendorARequires?: string } = {}): Promise<IdpWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), 'passway-idp-'));
  const idpKey = await pemPair(dir, 'idp');
  const cas = await startCasServer();
  const prefix = testPrefix('saml-idp');
  const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });

  const vendors = {} as IdpWorld['vendors'];
  let ssoUrl = '';
  let idpEntityID = '';
  for (const name of ['a', 'b', 'c'] as const) {
    const signing = await pemPair(dir, `sp-${name}`);
    const encryption = name === 'b' ? await pemPair(dir, `sp-${name}-enc`) : undefined;
    const entityID = `https://vendor-${name}.example.com/shibboleth`;
    const acsUrl = `https://vendor-${name}.example.com/Shibboleth.sso/SAML2/POST`;
    const metadataFile = path.join(dir, `vendor-${name}.xml`);
    const saml = (options: Partial<SamlConfig> = {}) =>
      new SAML({
        entryPoint: ssoUrl,
        issuer: entityID,
        callbackUrl: acsUrl,
        idpCert: idpKey.cert,
        idpIssuer: idpEntityID,
        audience: entityID,
        ...(name === 'c' ? {} : { privateKey: signing.key, publicCert: signing.cert }),
        decryptionPvk: encryption?.key,
        signatureAlgorithm: 'sha256',
        digestAlgorithm: 'sha256',
        identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
        wantAssertionsSigned: true,
        wantAuthnResponseSigned: true,
        validateInResponseTo: ValidateInResponseTo.always,
        disableRequestedAuthnContext: true,
        ...options,
      });
    writeFileSync(metadataFile, saml().generateServiceProviderMetadata(encryption?.cert ?? null, signing.cert));
    vendors[name] = { entityID, acsUrl, metadataFile, saml };
  }

  const licensed = { institution: 'example-u', affiliations: ['faculty', 'student'] as ('faculty' | 'student')[] };
  const vendor = (name: 'a' | 'b' | 'c', release: 'minimal' | 'pseudonymous', licences: NonNullable<ConfigInput['resources']>[number]['licences']) => ({
    id: `vendor-${name}`,
    title: { en: `Vendor ${name.toUpperCase()}`, zh: `供应商 ${name.toUpperCase()}` },
    vendor: `Vendor ${name}`,
    hosts: [{ host: `vendor-${name}.example.com` }],
    access: [{ kind: 'idp' as const, entityID: vendors[name].entityID, metadataFile: vendors[name].metadataFile, release }],
    licences,
  });
  const gateway = await startGatewayNode(
    {
      institutions: [
        { id: 'example-u', name: { en: 'Example University', zh: '示例大学' }, domains: ['example.edu.cn'] },
        { id: 'other-u', name: { en: 'Other University', zh: '另一所大学' }, domains: ['other.edu.cn'] },
      ],
      logins: [{ kind: 'cas', id: 'campus-cas', institution: 'example-u', serverUrl: cas.url, supportsMfa: !!options.vendorARequires }],
      idp: { enabled: true, signing: { keyFile: idpKey.keyFile, certFile: idpKey.certFile }, pairwiseSecret: 'test-pairwise-secret-0123456789abcdef' },
      resources: [vendor('a', 'minimal', [{ ...licensed, ...(options.vendorARequires ? { requireAuthnContext: options.vendorARequires } : {}) }]), vendor('b', 'pseudonymous', [licensed]), vendor('c', 'minimal', [{ institution: 'example-u', affiliations: ['faculty'] }])],
      ...extra,
    },
    { store },
  );
  ssoUrl = `${gateway.url}/idp/example-u/sso`;
  idpEntityID = `${gateway.url}/idp/example-u`;
  return {
    dir,
    gateway,
    cas,
    idpCert: idpKey.cert,
    vendors,
    ssoUrl,
    close: async () => {
      await gateway.close();
      await cas.close();
      await store.close();
      await deletePrefix(prefix);
    },
  };
}

/** Follow redirects (the browser's jar keeping cookies) until a page answers; returns it with its text. */
export async function follow(browser: HttpBrowser, url: string, maxHops = 12): Promise<{ res: Response; text: string; url: string }> {
  let current = url;
  for (let hop = 0; hop < maxHops; hop++) {
    const res = await browser.get(current);
    if (res.status >= 300 && res.status < 400) {
      current = location(res, current);
      continue;
    }
    return { res, text: await res.text(), url: current };
  }
  throw new Error(`more than ${maxHops} redirects from ${url}`);
}

/** The auto-POST form's SAMLResponse (and RelayState), as a vendor's ACS receives it. */
export function postedResponse(page: string): { action: string; SAMLResponse: string; RelayState?: string } {
  const form = /<form method="post" action="[^"]*" data-auto-post>[\s\S]*?<\/form>/.exec(page)?.[0];
  if (!form) throw new Error(`no auto-POST form in the page:\n${page}`);
  const { action, fields } = parseForm(form);
  if (!fields.SAMLResponse) throw new Error(`no SAMLResponse in the page:\n${page}`);
  return { action, SAMLResponse: fields.SAMLResponse, RelayState: fields.RelayState };
}

export const decodedResponse = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');
