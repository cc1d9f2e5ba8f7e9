/**
 * Passway as the SAML IdP toward vendors (issue 17), checked by third-party SP code: node-saml
 * plays each vendor in the test process and validates Passway's responses (signature, audience,
 * InResponseTo, Destination/Recipient, times, encrypted assertions). The reader signs in at a
 * CAS campus (real CAS protocol over HTTP) while the vendor's request is held.
 */
import { deflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { verifyMetadataSignature } from '../../idp-adapters/saml';
import { HttpBrowser } from '../helpers/http-browser';
import { decodedResponse, follow, postedResponse, startIdpWorld, type IdpWorld } from './saml-idp-harness';

const PAIRWISE = 'urn:oasis:names:tc:SAML:attribute:pairwise-id';
const ENTITLEMENT = 'urn:oid:1.3.6.1.4.1.5923.1.1.1.7';
const SCOPED_AFFILIATION = 'urn:oid:1.3.6.1.4.1.5923.1.1.1.9';
const HOME_ORGANIZATION = 'urn:oid:1.3.6.1.4.1.25178.1.2.9';

let world: IdpWorld;

beforeAll(async () => {
  world = await startIdpWorld();
});
afterAll(async () => {
  await world.close();
});

/** A reader's browser that has signed in at the CAS campus as `user` (through a first vendor request, or directly). */
async function signedInBrowser(user: string): Promise<HttpBrowser> {
  world.cas.autoLogin = user;
  const browser = new HttpBrowser();
  const page = await follow(browser, `${world.gateway.url}/auth/campus-cas/login?returnTo=%2F`);
  expect(page.res.status).toBe(200);
  return browser;
}

describe('SP-initiated sign-in, HTTP-Redirect binding', () => {
  test('a CAS reader not yet signed in: the request is held, the campus signs them in, the vendor gets a valid signed assertion with the minimal release', async () => {
    world.cas.autoLogin = 'zhang3';
    const sp = world.vendors.a.saml();
    const browser = new HttpBrowser();
    const authorize = await sp.getAuthorizeUrlAsync('relay-a-1', undefined, {});
    const first = await browser.get(authorize);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toMatch(/^\/idp\/resume\/[A-Za-z0-9_-]{22}\?for=vendor-a$/);
    const page = await follow(browser, authorize.replace(/.*/, new URL(first.headers.get('location')!, world.gateway.url).href));
    expect(page.res.status).toBe(200);
    expect(world.cas.validations.length).toBeGreaterThan(0); // signed in at CAS on the way
    const posted = postedResponse(page.text);
    expect(posted.action).toBe(world.vendors.a.acsUrl);
    expect(posted.RelayState).toBe('relay-a-1');
    expect(page.res.headers.get('content-security-policy')).toContain('form-action \'self\' https://vendor-a.example.com');

    const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: posted.SAMLResponse });
    expect(profile).not.toBeNull();
    expect(profile!.issuer).toBe(`${world.gateway.url}/idp/example-u`);
    expect(profile!.nameIDFormat).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    expect(profile![ENTITLEMENT]).toBe('urn:mace:dir:entitlement:common-lib-terms');
    expect(profile![SCOPED_AFFILIATION]).toBe('faculty@example.edu.cn');
    const pairwise = String(profile![PAIRWISE]);
    expect(pairwise).toMatch(/^[0-9a-f]{64}@example\.edu\.cn$/);
    expect(profile!.nameID).toBe(pairwise.split('@')[0]);
    // Minimal by default: no name, no mail, no principal name, no home organisation
    const released = Object.keys(profile!.attributes ?? {}).sort();
    expect(released).toEqual([ENTITLEMENT, SCOPED_AFFILIATION, PAIRWISE].sort());
    const xml = decodedResponse(posted.SAMLResponse);
    expect(xml).toContain(`Destination="${world.vendors.a.acsUrl}"`);
    expect(xml).toContain(`Recipient="${world.vendors.a.acsUrl}"`);
    expect(xml).not.toContain('zhang3');
    const notOnOrAfter = Date.parse(/<saml:Conditions NotBefore="[^"]+" NotOnOrAfter="([^"]+)"/.exec(xml)![1]!);
    const issued = Date.parse(/IssueInstant="([^"]+)"/.exec(xml)![1]!);
    expect(notOnOrAfter - issued).toBeLessThanOrEqual(5 * 60_000);

    // The same reader again: signed in already, straight to the vendor with the same pseudonym
    const again = await follow(browser, await sp.getAuthorizeUrlAsync('relay-a-2', undefined, {}));
    const second = await sp.validatePostResponseAsync({ SAMLResponse: postedResponse(again.text).SAMLResponse });
    expect(second.profile![PAIRWISE]).toBe(pairwise);
    const events = world.gateway.lines.filter((l) => (l.event as { type?: string; method?: string } | undefined)?.method === 'idp');
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events[0]!.event).toMatchObject({ type: 'launch', resource: 'vendor-a', method: 'idp', institution: 'example-u', affiliations: ['faculty'] });
    // The campus sign-in the vendor's request started counts for that vendor's database, as one started by a launch link does
    const logins = world.gateway.lines.filter((l) => l.usage === true && (l.event as { type?: string } | undefined)?.type === 'login-success');
    expect(logins[0]!.event).toMatchObject({ login: 'campus-cas', resource: 'vendor-a' });
  });

  test('another vendor gets another pairwise-id for the same reader, and its encrypted assertion decrypts with its key (pseudonymous preset)', async () => {
    const browser = await signedInBrowser('zhang3');
    const a = world.vendors.a.saml();
    const b = world.vendors.b.saml();
    const pageA = await follow(browser, await a.getAuthorizeUrlAsync('', undefined, {}));
    const pageB = await follow(browser, await b.getAuthorizeUrlAsync('', undefined, {}));
    const postedB = postedResponse(pageB.text);
    expect(decodedResponse(postedB.SAMLResponse)).toContain('EncryptedAssertion');
    expect(decodedResponse(postedB.SAMLResponse)).not.toContain('faculty@');
    const profileA = (await a.validatePostResponseAsync({ SAMLResponse: postedResponse(pageA.text).SAMLResponse })).profile!;
    const profileB = (await b.validatePostResponseAsync({ SAMLResponse: postedB.SAMLResponse })).profile!;
    expect(profileB[SCOPED_AFFILIATION]).toBe('faculty@example.edu.cn');
    expect(profileB[HOME_ORGANIZATION]).toBe('example.edu.cn');
    expect(profileB[PAIRWISE]).toMatch(/@example\.edu\.cn$/);
    expect(profileB[PAIRWISE]).not.toBe(profileA[PAIRWISE]);
    expect(profileB.nameID).not.toBe(profileA.nameID);
  });
});

describe('refused requests: no assertion', () => {
  const refusal = async (url: string, browser = new HttpBrowser()) => {
    const page = await follow(browser, url);
    expect(page.text).not.toContain('SAMLResponse');
    return page;
  };

  test('an SP that no catalog resource names', async () => {
    const unknown = world.vendors.a.saml({ issuer: 'https://stranger.example.org/sp' });
    const page = await refusal(await unknown.getAuthorizeUrlAsync('', undefined, {}));
    expect(page.res.status).toBe(400);
    expect(page.text).toContain('<code>sp-unknown</code>');
  });

  test('an AuthnRequest whose ACS URL is not in the SP metadata', async () => {
    const elsewhere = world.vendors.a.saml({ callbackUrl: 'https://attacker.example.net/acs' });
    const page = await refusal(await elsewhere.getAuthorizeUrlAsync('', undefined, {}));
    expect(page.res.status).toBe(400);
    expect(page.text).toContain('<code>acs-not-in-metadata</code>');
  });

  test('an unsigned request from an SP whose metadata says AuthnRequestsSigned (node-saml writes it for an SP with a signing key)', async () => {
    const unsigned = world.vendors.b.saml({ privateKey: undefined });
    const page = await refusal(await unsigned.getAuthorizeUrlAsync('', undefined, {}));
    expect(page.text).toContain('<code>unsigned</code>');
  });

  test('a request signed with a key not in the SP metadata', async () => {
    const forged = world.vendors.a.saml({ privateKey: world.vendors.b.saml().options.privateKey });
    const page = await refusal(await forged.getAuthorizeUrlAsync('', undefined, {}));
    expect(page.text).toContain('<code>signature-invalid</code>');
  });

  test('a replayed AuthnRequest (the same signed URL twice)', async () => {
    const browser = await signedInBrowser('zhang3');
    const url = await world.vendors.a.saml().getAuthorizeUrlAsync('', undefined, {});
    const first = await follow(browser, url);
    expect(postedResponse(first.text).SAMLResponse).toBeTruthy();
    const page = await refusal(url, browser);
    expect(page.text).toContain('<code>replayed</code>');
  });

  test('a reader whose affiliation the vendor\'s licence does not cover: the bilingual denial page with its reason', async () => {
    const browser = await signedInBrowser('li4'); // a student; vendor C licenses faculty only
    const page = await refusal(await world.vendors.c.saml().getAuthorizeUrlAsync('', undefined, {}), browser);
    expect(page.res.status).toBe(403);
    expect(page.text).toContain('<code>affiliation-not-licensed</code>');
    expect(world.gateway.lines.some((l) => (l.event as { type?: string; resource?: string } | undefined)?.type === 'denial' && (l.event as { resource?: string }).resource === 'vendor-c')).toBe(true);
  });

  test('an unsigned AuthnRequest by hand (from an SP that need not sign): AssertionConsumerServiceIndex picks the metadata ACS; a Destination elsewhere, an old IssueInstant are refused', async () => {
    const browser = await signedInBrowser('zhang3');
    const vendor = world.vendors.c;
    const request = (attributes: string) =>
      `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${new Date().toISOString()}" ${attributes}><saml:Issuer>${vendor.entityID}</saml:Issuer></samlp:AuthnRequest>`;
    const url = (xml: string) => `${world.ssoUrl}?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}`;
    const byIndex = await follow(browser, url(request('AssertionConsumerServiceIndex="1"')));
    expect(postedResponse(byIndex.text).action).toBe(vendor.acsUrl);
    const badIndex = await refusal(url(request('AssertionConsumerServiceIndex="7"')), browser);
    expect(badIndex.text).toContain('<code>acs-not-in-metadata</code>');
    const elsewhere = await refusal(url(request('Destination="https://other-idp.example.org/sso"')), browser);
    expect(elsewhere.text).toContain('<code>destination-mismatch</code>');
    const stale = await refusal(url(request('').replace(/IssueInstant="[^"]+"/, `IssueInstant="${new Date(Date.now() - 3_600_000).toISOString()}"`)), browser);
    expect(stale.text).toContain('<code>stale</code>');
  });
});

describe('HTTP-POST binding and IdP-initiated launch', () => {
  test('a signed POST AuthnRequest (enveloped signature) is answered like a Redirect one', async () => {
    const browser = await signedInBrowser('zhang3');
    const sp = world.vendors.a.saml({ authnRequestBinding: 'HTTP-POST', skipRequestCompression: true });
    const form = await sp.getAuthorizeFormAsync('relay-post', undefined, {});
    const samlRequest = /name="SAMLRequest" value="([^"]+)"/.exec(form)![1]!;
    expect(Buffer.from(samlRequest, 'base64').toString()).toContain('<Signature');
    const res = await browser.post(world.ssoUrl, { SAMLRequest: samlRequest, RelayState: 'relay-post' });
    expect(res.status).toBe(303);
    const page = await follow(browser, new URL(res.headers.get('location')!, world.gateway.url).href);
    const posted = postedResponse(page.text);
    expect(posted.RelayState).toBe('relay-post');
    const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: posted.SAMLResponse });
    expect(profile![ENTITLEMENT]).toBe('urn:mace:dir:entitlement:common-lib-terms');
  });

  test('/go/<id> of an idp resource sends an unsolicited response to the default ACS, RelayState the target', async () => {
    const browser = await signedInBrowser('zhang3');
    const page = await follow(browser, `${world.gateway.url}/go/vendor-a?target=${encodeURIComponent('https://vendor-a.example.com/article/42')}`);
    const posted = postedResponse(page.text);
    expect(posted.action).toBe(world.vendors.a.acsUrl);
    expect(posted.RelayState).toBe('https://vendor-a.example.com/article/42');
    expect(decodedResponse(posted.SAMLResponse)).not.toContain('InResponseTo');
    const sp = world.vendors.a.saml({ validateInResponseTo: 'never' as never });
    const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: posted.SAMLResponse });
    expect(profile![PAIRWISE]).toMatch(/@example\.edu\.cn$/);
  });
});

describe('virtual IdP metadata', () => {
  test('signed by the IdP key, with the scope, names in both languages and both SSO bindings', async () => {
    const res = await fetch(`${world.gateway.url}/idp/example-u/metadata`);
    expect(res.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await res.text();
    const signed = await verifyMetadataSignature(xml, world.idpCert, ['EntityDescriptor']);
    expect(signed).toContain(`entityID="${world.gateway.url}/idp/example-u"`);
    expect(signed).toContain('example.edu.cn</shibmd:Scope>');
    expect(signed).toContain('示例大学</mdui:DisplayName>');
    expect(xml).toContain('<shibmd:Scope regexp="false">example.edu.cn</shibmd:Scope>');
    expect(xml).toContain('<mdui:DisplayName xml:lang="zh">示例大学</mdui:DisplayName>');
    expect(signed).toContain('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    expect(signed).toContain('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect');
    const other = await (await fetch(`${world.gateway.url}/idp/other-u/metadata`)).text();
    expect(other).toContain('<shibmd:Scope regexp="false">other.edu.cn</shibmd:Scope>');
    expect((await fetch(`${world.gateway.url}/idp/nowhere/metadata`)).status).toBe(404);
  });
});

describe('IsPassive and ForceAuthn', () => {
  test('IsPassive from a reader not signed in: a signed NoPassive answer, nobody asked anything', async () => {
    const validationsBefore = world.cas.validations.length;
    const sp = world.vendors.a.saml({ passive: true });
    const page = await follow(new HttpBrowser(), await sp.getAuthorizeUrlAsync('relay-passive', undefined, {}));
    const posted = postedResponse(page.text);
    expect(posted.action).toBe(world.vendors.a.acsUrl);
    expect(posted.RelayState).toBe('relay-passive');
    const xml = decodedResponse(posted.SAMLResponse);
    expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:status:NoPassive');
    expect(xml).not.toContain('Assertion');
    // node-saml checks the signature of a NoPassive answer and reports no profile
    const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: posted.SAMLResponse });
    expect(profile).toBeNull();
    expect(world.cas.validations.length).toBe(validationsBefore);
  });

  test('IsPassive from a signed-in reader: the assertion, as without it', async () => {
    const browser = await signedInBrowser('zhang3');
    const sp = world.vendors.a.saml({ passive: true });
    const page = await follow(browser, await sp.getAuthorizeUrlAsync('', undefined, {}));
    const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: postedResponse(page.text).SAMLResponse });
    expect(profile![PAIRWISE]).toMatch(/@example\.edu\.cn$/);
  });

  test('ForceAuthn from a signed-in reader: the campus is asked for a fresh sign-in (CAS renew) before the assertion, whose AuthnInstant is after the request', async () => {
    const browser = await signedInBrowser('zhang3');
    const renewsBefore = world.cas.renews.filter((r) => r === 'true').length;
    const sp = world.vendors.a.saml({ forceAuthn: true });
    const asked = Date.now();
    const page = await follow(browser, await sp.getAuthorizeUrlAsync('', undefined, {}));
    expect(world.cas.renews.filter((r) => r === 'true').length).toBe(renewsBefore + 1);
    const posted = postedResponse(page.text);
    const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: posted.SAMLResponse });
    expect(profile![PAIRWISE]).toMatch(/@example\.edu\.cn$/);
    const authnInstant = Date.parse(/AuthnInstant="([^"]+)"/.exec(decodedResponse(posted.SAMLResponse))![1]!);
    expect(authnInstant).toBeGreaterThanOrEqual(asked - 1000); // whole seconds in the CAS date
  });

  test('ForceAuthn and IsPassive together from a signed-in reader: NoPassive, as a fresh sign-in needs the reader', async () => {
    const browser = await signedInBrowser('zhang3');
    const sp = world.vendors.a.saml({ forceAuthn: true, passive: true });
    const page = await follow(browser, await sp.getAuthorizeUrlAsync('', undefined, {}));
    expect(decodedResponse(postedResponse(page.text).SAMLResponse)).toContain('urn:oasis:names:tc:SAML:2.0:status:NoPassive');
  });
});

describe('NameIDPolicy', () => {
  test('a format this IdP does not release (an e-mail address): a signed InvalidNameIDPolicy answer at once, nobody signs in', async () => {
    const validationsBefore = world.cas.validations.length;
    const sp = world.vendors.a.saml({ identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress' });
    const page = await follow(new HttpBrowser(), await sp.getAuthorizeUrlAsync('relay-policy', undefined, {}));
    const posted = postedResponse(page.text);
    expect(posted.RelayState).toBe('relay-policy');
    const xml = decodedResponse(posted.SAMLResponse);
    expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:status:Requester');
    expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy');
    expect(xml).not.toContain('Assertion');
    await expect(sp.validatePostResponseAsync({ SAMLResponse: posted.SAMLResponse })).rejects.toThrow(/InvalidNameIDPolicy/);
    expect(world.cas.validations.length).toBe(validationsBefore);
  });

  test('transient asked for: a transient NameID, new each time, never the persistent pairwise value', async () => {
    const browser = await signedInBrowser('zhang3');
    const sp = world.vendors.a.saml({ identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' });
    const first = (await sp.validatePostResponseAsync({ SAMLResponse: postedResponse((await follow(browser, await sp.getAuthorizeUrlAsync('', undefined, {}))).text).SAMLResponse })).profile!;
    const second = (await sp.validatePostResponseAsync({ SAMLResponse: postedResponse((await follow(browser, await sp.getAuthorizeUrlAsync('', undefined, {}))).text).SAMLResponse })).profile!;
    expect(first.nameIDFormat).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:transient');
    expect(first.nameID).not.toBe(second.nameID);
    expect(String(first[PAIRWISE]).split('@')[0]).not.toBe(first.nameID);
  });
});
