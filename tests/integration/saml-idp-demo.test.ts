/**
 * The demo as shipped (config/examples/demo.yaml, on free ports and a fresh state folder): a Demo
 * College reader, whose campus runs only CAS, opens the SAML-only Demo Science Database, signs in
 * at the college's CAS while Passway holds the vendor's request, and arrives at the vendor with a
 * pseudonym and an entitlement and nothing else. The vendor (node-saml) checked the response.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfigFile } from '../../config';
import { startPassway, type RunningPassway } from '../../gateway/run';
import { capturingLogger } from '../helpers/gateway';
import { HttpBrowser, location } from '../helpers/http-browser';
import { freePorts } from '../helpers/ports';
import { parseForm } from './saml-harness';
import { follow, postedResponse } from './saml-idp-harness';

const DEMO_PORTS = [8080, 8081, 8082, 8083, 8084, 8085, 8086];

let running: RunningPassway;
let dir: string;
let port: Record<number, number>;
const { logger, lines } = capturingLogger();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'passway-idp-demo-'));
  const free = await freePorts(DEMO_PORTS.length);
  port = Object.fromEntries(DEMO_PORTS.map((p, i) => [p, free[i]!]));
  let yaml = readFileSync(path.join(__dirname, '../../config/examples/demo.yaml'), 'utf8');
  for (const p of DEMO_PORTS) yaml = yaml.replaceAll(String(p), String(port[p]));
  yaml = yaml.replace('stateDir: state', `stateDir: ${dir}/state`).replaceAll('metadataFile: state/', `metadataFile: ${dir}/state/`);
  const file = path.join(dir, 'demo.yaml');
  writeFileSync(file, `${yaml}\nusage: { dir: ${dir}/usage }\n`);
  const loaded = loadConfigFile(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  running = await startPassway(loaded.config, logger);
});
afterAll(async () => {
  await running?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

test('a CAS-only college reader reaches the SAML-only demo vendor with a pseudonym and an entitlement', async () => {
  const gateway = `http://localhost:${port[8080]}`;
  const vendor = `http://localhost:${port[8086]}`;
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
  expect(casForm.url.startsWith(`http://localhost:${port[8085]}/cas/login?service=`)).toBe(true);
  const { fields } = parseForm(casForm.text);
  const signedIn = await browser.post(`http://localhost:${port[8085]}/cas/login`, { service: fields.service ?? '', username: 'teacher', password: 'teacher-demo' });
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
  await running.usage.settle();
  const logged = readdirSync(path.join(dir, 'usage')).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(path.join(dir, 'usage', f), 'utf8')).join('');
  const launches = logged.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.type === 'launch' && e.method === 'idp');
  expect(launches).toEqual([expect.objectContaining({ resource: 'demo-science', institution: 'demo-college', affiliation: 'faculty' })]);
});
