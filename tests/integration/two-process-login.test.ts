/**
 * Two real gateway processes behind one public address, sharing Redis: the SAML login starts on
 * process 1 and its response is posted to the ACS of process 2; the session then works on both.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DemoIdpHandle } from '../../demo';
import { serve, type Served } from '../helpers/process';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { CookieJar, get, INSTITUTIONS, post, samlLogin, signInAtIdp, spKeyFiles, startIdp } from './saml-harness';

/** The one address users see (a load balancer in front of both processes); never contacted here. */
const PUBLIC_URL = 'http://passway.test';
const SP_ENTITY_ID = 'https://passway.test/shibboleth';

let stateDir: string;
let prefix: string;
let idp: DemoIdpHandle;
let nodes: Served[] = [];

/** Each process's real address (the printed URL names the public host with the real port). */
const direct = (served: Served) => `http://127.0.0.1:${new URL(served.url).port}`;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'passway-two-process-'));
  prefix = testPrefix('two-process-login');
  const signing = await spKeyFiles(stateDir);
  idp = await startIdp(stateDir, []);
  const config = {
    server: { port: 0, publicUrl: PUBLIC_URL },
    store: { kind: 'redis', url: REDIS_URL, keyPrefix: prefix },
    institutions: INSTITUTIONS,
    logins: [samlLogin('demo-idp', idp)],
    saml: { entityID: SP_ENTITY_ID, signing },
  };
  const file = path.join(stateDir, 'passway.yaml');
  await writeFile(file, JSON.stringify(config, null, 2)); // JSON is YAML
  const env = { PASSWAY_SESSION_SECRET: 'two-process-secret-'.padEnd(48, 'x'), PASSWAY_LOG_LEVEL: 'warn', PASSWAY_CONFIG: '' };
  nodes = await Promise.all([serve(['--config', file], { env }), serve(['--config', file], { env })]);
  idp.trustSpMetadataUrl(`${direct(nodes[0]!)}/auth/saml/metadata`);
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await idp?.close();
  await deletePrefix(prefix);
  await rm(stateDir, { recursive: true, force: true });
});

describe('two gateway processes sharing Redis', () => {
  test('a login started on process 1 completes at the ACS of process 2, and the session works on process 1', async () => {
    const [one, two] = nodes.map(direct) as [string, string];
    expect(one).not.toBe(two);
    const jar = new CookieJar();

    const { form, location } = await signInAtIdp(one, 'demo-idp', 'faculty', jar, '/after?x=1');
    expect(location.startsWith(idp.ssoUrl)).toBe(true);
    // The IdP posts to the public ACS; the load balancer could send it to either process.
    expect(form.action).toBe(`${PUBLIC_URL}/auth/saml/acs`);

    const acs = await post(`${two}/auth/saml/acs`, form.fields, jar);
    expect(acs.status).toBe(303);
    expect(acs.headers.get('location')).toBe('/after?x=1');
    expect(acs.headers.getSetCookie().some((c) => c.startsWith('passway_sid=s%3A') || c.startsWith('passway_sid=s:'))).toBe(true);

    const portal = await get(`${one}/`, jar, { 'accept-language': 'en' });
    expect(portal.status).toBe(200);
    expect(await portal.text()).toContain('张伟 Zhang Wei');

    // The same response posted again, now to process 1, is refused: one-time use is shared too.
    const replay = await post(`${one}/auth/saml/acs`, form.fields, new CookieJar());
    expect(replay.status).not.toBe(303);
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('passway_sid='))).toBe(false);
  });

  test('both processes publish the same SP metadata (one entityID, one public ACS)', async () => {
    const [a, b] = await Promise.all(nodes.map(async (n) => (await get(`${direct(n)}/auth/saml/metadata`)).text()));
    expect(a).toBe(b);
    expect(a).toContain(`entityID="${SP_ENTITY_ID}"`);
    expect(a).toContain(`Location="${PUBLIC_URL}/auth/saml/acs"`);
  });
});
