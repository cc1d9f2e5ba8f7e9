/**
 * Passway as IdP toward a vendor whose licence requires MFA (REFEDS MFA): the vendor's request,
 * held while the reader signs in, survives a step-up at the campus (CAS renew=true, the MFA
 * context released), and only then does the vendor get an assertion. A step-up that comes back
 * without MFA ends at the step-up page: no assertion.
 */
import { HttpBrowser } from '../helpers/http-browser';
import { follow, postedResponse, startIdpWorld, type IdpWorld } from './saml-idp-harness';

const MFA = 'https://refeds.org/profile/mfa';
let world: IdpWorld;

beforeAll(async () => {
  world = await startIdpWorld({}, { vendorARequires: MFA });
});
afterAll(async () => {
  await world.close();
});

async function passwordOnlyBrowser(): Promise<HttpBrowser> {
  world.cas.autoLogin = 'zhang3';
  world.cas.extraAttributes = {};
  const browser = new HttpBrowser();
  const page = await follow(browser, `${world.gateway.url}/auth/campus-cas/login?returnTo=%2F`);
  expect(page.res.status).toBe(200);
  return browser;
}

const eventsOf = (type: string) => world.gateway.lines.filter((l) => l.usage === true && (l.event as { type?: string; resource?: string } | undefined)?.type === type && (l.event as { resource?: string }).resource === 'vendor-a');

test('a password-only session steps up at the campus, then the held request is answered with a valid assertion', async () => {
  const browser = await passwordOnlyBrowser();
  world.cas.extraAttributes = { authnContextClass: [MFA] }; // the campus asks for a second factor this time
  const renewsBefore = world.cas.renews.filter((r) => r === 'true').length;
  const deniedBefore = eventsOf('denial').length;
  const sp = world.vendors.a.saml();
  const page = await follow(browser, await sp.getAuthorizeUrlAsync('relay-mfa', undefined, {}));
  expect(world.cas.renews.filter((r) => r === 'true').length).toBe(renewsBefore + 1);
  const posted = postedResponse(page.text);
  expect(posted.RelayState).toBe('relay-mfa');
  const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: posted.SAMLResponse });
  expect(profile!.issuer).toBe(`${world.gateway.url}/idp/example-u`);
  expect(eventsOf('denial').length).toBe(deniedBefore);
});

test('a step-up that comes back without MFA: the step-up page, a counted denial, and no assertion', async () => {
  const browser = await passwordOnlyBrowser();
  const deniedBefore = eventsOf('denial').length;
  const renewsBefore = world.cas.renews.filter((r) => r === 'true').length;
  const sp = world.vendors.a.saml();
  const page = await follow(browser, await sp.getAuthorizeUrlAsync('relay-no-mfa', undefined, {}));
  expect(world.cas.renews.filter((r) => r === 'true').length).toBe(renewsBefore + 1); // the campus was asked again
  expect(page.res.status).toBe(403);
  expect(page.text).not.toContain('SAMLResponse');
  expect(page.text).toContain('two-step');
  expect(eventsOf('denial').length).toBe(deniedBefore + 1);
});

test('a passive request from a password-only session: a signed NoPassive, nobody asked anything (a step-up needs the reader)', async () => {
  const browser = await passwordOnlyBrowser();
  const renewsBefore = world.cas.renews.filter((r) => r === 'true').length;
  const sp = world.vendors.a.saml({ passive: true });
  const page = await follow(browser, await sp.getAuthorizeUrlAsync('relay-passive-mfa', undefined, {}));
  expect(world.cas.renews.filter((r) => r === 'true').length).toBe(renewsBefore); // the campus was not asked
  const posted = postedResponse(page.text);
  expect(posted.action).toBe(world.vendors.a.acsUrl);
  const xml = Buffer.from(posted.SAMLResponse, 'base64').toString();
  expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:status:NoPassive');
  expect(xml).not.toContain('Assertion');
  expect((await sp.validatePostResponseAsync({ SAMLResponse: posted.SAMLResponse })).profile).toBeNull();
});
