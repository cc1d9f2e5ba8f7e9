/**
 * The demo as shipped (config/examples/demo.yaml, on free ports and a fresh state folder): a Demo
 * College reader, whose campus runs only CAS, opens the SAML-only Demo Science Database, signs in
 * at the college's CAS while Passway holds the vendor's request, and arrives at the vendor with a
 * pseudonym and an entitlement and nothing else. The vendor (node-saml) checked the response.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { capturingLogger } from '../helpers/gateway';
import { HttpBrowser, location } from '../helpers/http-browser';
import { startShippedDemo, type ShippedDemo } from '../helpers/shipped-demo';
import { parseForm } from './saml-harness';
import { follow, postedResponse } from './saml-idp-harness';

let demo: ShippedDemo;
const { logger, lines } = capturingLogger();

beforeAll(async () => {
  demo = await startShippedDemo(logger);
});
afterAll(async () => {
  await demo?.close();
});

test('a CAS-only college reader reaches the SAML-only demo vendor with a pseudonym and an entitlement', async () => {
  const gateway = demo.url(8080);
  const vendor = demo.url(8086);
  const cas = demo.url(8085);
  const browser = new HttpBrowser();

  // The portal lists the college's CAS demo accounts
  const portal = await (await browser.get(`${gateway}/`)).text();
  expect(portal).toContain('teacher-demo');

  // The vendor knows the college's virtual IdP from Passway's metadata
  const home = await (await browser.get(`${vendor}/`)).text();
  const college = `${gateway}/idp/demo-college`;
  expect(home).toContain(`/saml/login?idp=${encodeURIComponent(college)}`);

  // Vendor → Passway SSO (signed AuthnRequest) → held → the college's CAS sign-in form
  const casForm = await follow(browser, `${vendor}/saml/login?idp=${encodeURIComponent(college)}&target=${encodeURIComponent(`${vendor}/dataset/1`)}`);
  expect(casForm.url.startsWith(`${cas}/cas/login?service=`)).toBe(true);
  const { fields } = parseForm(casForm.text);
  const signedIn = await browser.post(`${cas}/cas/login`, { service: fields.service ?? '', username: 'teacher', password: 'teacher-demo' });
  expect(signedIn.status).toBe(302);

  // CAS → Passway (ticket validated) → the held request answered: the auto-POST to the vendor's ACS
  const answer = await follow(browser, location(signedIn, casForm.url));
  const posted = postedResponse(answer.text);
  expect(posted.action).toBe(`${vendor}/saml/acs`);
  const acs = await browser.post(posted.action, { SAMLResponse: posted.SAMLResponse, RelayState: posted.RelayState ?? '' });
  expect(acs.status).toBe(302);
  expect(location(acs, posted.action)).toBe(`${vendor}/dataset/1`);
  const dataset = await (await browser.get(`${vendor}/dataset/1`)).text();
  expect(dataset).toContain('id="full-text"');
  expect(dataset).toMatch(/<code id="pseudonym">[0-9a-f]{64}@college\.demo\.edu\.cn<\/code>/);
  expect(dataset).toContain('<code id="entitlement">urn:mace:dir:entitlement:common-lib-terms</code>');
  expect(dataset).toContain('<code id="affiliation">faculty@college.demo.edu.cn</code>');
  expect(dataset).not.toContain('Wang Fang');
  expect(dataset).not.toContain('teacher');

  // Counted as a launch of the vendor's resource by method idp
  expect(lines.some((l) => l.msg === 'assertion sent' && l.resource === 'demo-science' && l.sp === `${vendor}/sp`)).toBe(true);
  await demo.running.usage.settle();
  const logged = readdirSync(path.join(demo.dir, 'usage')).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(path.join(demo.dir, 'usage', f), 'utf8')).join('');
  const launches = logged.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.type === 'launch' && e.method === 'idp');
  expect(launches).toEqual([expect.objectContaining({ resource: 'demo-science', institution: 'demo-college', affiliation: 'faculty' })]);
});
