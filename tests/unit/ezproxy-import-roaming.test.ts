/**
 * Issue 21, item 4: EZproxy form auto-login stanzas (URL -Form=post|dynamic with FormVariable,
 * FormSelect, FormSubmit) become roaming-account recipes where they map; the account's values in
 * config.txt are never copied into the catalog or the report, and what does not map says why.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../config/paths';
import { formatImportReport, importEzproxy } from '../../resource-catalog/ezproxy-import';
import { Resource } from '../../resource-catalog/schema';

const FIXTURE = path.join(PACKAGE_ROOT, 'tests', 'fixtures', 'ezproxy', 'form-login.txt');
const SECRETS = ['someuser', 'somepass', 'libuser01', 's3cret-Pa55', 'histuser', 'histpass', 'getuser', 'getpass'];

const result = importEzproxy(FIXTURE, { institution: 'demo-university' });
const byId = (id: string) => result.resources.find((r) => r.id === id);

test('a -Form=post stanza becomes a recipe that posts to its URL, with the account named by environment variables', () => {
  const entry = byId('some-database')!;
  expect(entry.access).toEqual([{ kind: 'proxy', start: 'http://www.somedb.com/' }]);
  expect(entry.roaming).toEqual({
    mode: 'per-reader',
    action: 'http://www.somedb.com/login.asp',
    fields: { username: '{username}', password: '{password}', action: 'login' },
    accounts: [{ username: { env: 'PASSWAY_ROAMING_SOME_DATABASE_USERNAME' }, password: { env: 'PASSWAY_ROAMING_SOME_DATABASE_PASSWORD' } }],
  });
  expect(Resource.safeParse(entry).success).toBe(true);
});

test('a -Form=dynamic stanza fetches the form first, picks it by FormSelect and posts FormSubmit with it', () => {
  const entry = byId('dynamic-form-database')!;
  expect(entry.roaming).toMatchObject({ form: 'https://www.dyndb.example/signin', formName: 'loginform', fields: { user: '{username}', pwd: '{password}', go: 'Sign in' } });
  expect(entry.notes).toEqual([expect.stringContaining('no -RewriteHost')]);
  expect(Resource.safeParse(entry).success).toBe(true);
});

test('what does not map is reported with the reason: a value taken from the launch URL, a GET form', () => {
  const reasons = result.unconverted.map((u) => `${u.line}: ${u.text} — ${u.reason}`);
  expect(reasons).toContainEqual(expect.stringMatching(/^20: FormVariable database — .*takes its value from the EZproxy/));
  expect(reasons).toContainEqual(expect.stringMatching(/^23: URL -Form=get .*— .*posts vendor sign-ins only/));
  expect(byId('get-form-database')?.roaming).toBeUndefined();
  // Each converted credential line asks IT to set the variables.
  expect(reasons).toContainEqual(expect.stringMatching(/^6: FormVariable password=… — converted to roaming.fields; .*PASSWAY_ROAMING_SOME_DATABASE_PASSWORD/));
});

test('the account values of config.txt reach neither the catalog nor the report', () => {
  expect(readFileSync(FIXTURE, 'utf8')).toContain('somepass'); // they are in the input
  const output = JSON.stringify(result.resources) + formatImportReport('form-login.txt', result);
  for (const secret of SECRETS) expect(output).not.toContain(secret);
});
