/**
 * Issue 21: the roaming-account recipe's checks (schema), what the guard refuses in vendor responses,
 * and how credentials are read (never shown in an error).
 */
import { gzipSync } from 'node:zlib';
import { CredentialUnavailable, readCredential } from '../../gateway/proxy/roaming/credentials';
import { CredentialEcho, RoamingGuard, VendorSessionEnded } from '../../gateway/proxy/roaming/guard';
import { parseForms } from '../../gateway/proxy/roaming/sign-in';
import { RoamingLogin } from '../../resource-catalog/roaming';
import { Resource, type ResourceInput } from '../../resource-catalog/schema';

const recipe = (over: Record<string, unknown> = {}) => ({
  form: 'https://www.vendor.example/login',
  fields: { user: '{username}', pass: '{password}' },
  accounts: [{ username: { env: 'ROAM_USER' }, password: { env: 'ROAM_PASS' } }],
  ...over,
});
const resource = (roaming: Record<string, unknown>, over: Partial<ResourceInput> = {}): ResourceInput => ({
  id: 'vendor',
  title: { en: 'Vendor' },
  vendor: 'Vendor Inc.',
  hosts: [{ host: 'www.vendor.example' }],
  access: [{ kind: 'proxy', start: 'https://www.vendor.example/' }],
  roaming: roaming as ResourceInput['roaming'],
  ...over,
});
const messages = (input: ResourceInput) => {
  const parsed = Resource.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the recipe schema', () => {
  test('a valid recipe gets its defaults: per-reader, account pages blocked, 20 sign-ins a day', () => {
    const parsed = RoamingLogin.parse(recipe());
    expect(parsed.mode).toBe('per-reader');
    expect(parsed.readerLoginsPerDay).toBe(20);
    expect(parsed.block.paths.length).toBeGreaterThan(3);
    expect(messages(resource(recipe()))).toEqual([]);
  });

  test('mistakes are named with the key and the fix', () => {
    expect(messages(resource(recipe(), { access: [{ kind: 'direct', url: 'https://www.vendor.example/' }] }))).toEqual([expect.stringMatching(/^roaming: .*add an access method of kind "proxy"/)]);
    expect(messages(resource(recipe({ form: 'https://evil.example/login' })))).toEqual([expect.stringMatching(/^roaming.form: evil.example is not one of this resource's hosts/)]);
    expect(messages(resource(recipe({ fields: { user: '{user}', pass: '{password}' } })))).toEqual([expect.stringMatching(/^roaming.fields.user: unknown placeholder \{user\}/)]);
    expect(messages(resource(recipe({ fields: { user: '{username}' } })))).toEqual([expect.stringMatching(/one field must hold \{password\}/)]);
    expect(messages(resource(recipe({ accounts: [recipe().accounts[0], recipe().accounts[0]] })))).toEqual([expect.stringMatching(/use mode "pooled" for several/)]);
    expect(messages(resource(recipe({ form: undefined })))).toEqual([expect.stringMatching(/give form .* or action/)]);
    expect(messages(resource(recipe({ accounts: [{ username: { value: 'libuser01' }, password: { env: 'X' } }] })))).not.toEqual([]); // no place for a value
  });
});

describe('the guard', () => {
  const guard = new RoamingGuard(RoamingLogin.parse(recipe({ block: { patterns: ['Signed in as \\w+'] } })));
  const credential = { username: 'libuser01', password: 'p@ss word&1' };
  const base = new URL('https://www.vendor.example/page');

  test('account, password-change and sign-out paths are blocked, reading pages are not', () => {
    for (const path of ['/account', '/my-account/settings', '/user/profile', '/change-password', '/changepw.asp', '/logout', '/SignOut?x=1']) {
      expect(guard.blockedPath(new URL(path, base))).toBe(true);
    }
    for (const path of ['/', '/article/42', '/search?q=accounting', '/journal/passage']) expect(guard.blockedPath(new URL(path, base))).toBe(false);
  });

  test('the account in a body, as is, URL-encoded, HTML-escaped, any case, compressed; a block pattern', () => {
    const refused = (body: Buffer, coding?: string) => () => guard.checkBody(body, coding, credential);
    expect(refused(Buffer.from('<p>Welcome, LibUser01!</p>'))).toThrow(CredentialEcho);
    expect(refused(Buffer.from('<a href="/x?u=p%40ss%20word%261">'))).toThrow(CredentialEcho);
    expect(refused(Buffer.from('<input value="p@ss word&amp;1">'))).toThrow(CredentialEcho);
    expect(refused(gzipSync('var user = "libuser01";'), 'gzip')).toThrow(CredentialEcho);
    expect(refused(Buffer.from('Signed in as someone'))).toThrow(CredentialEcho);
    expect(refused(Buffer.from('x'), 'zstd')).toThrow(CredentialEcho); // cannot be checked: refused
    expect(refused(Buffer.from('<p>An article about libraries.</p>'))).not.toThrow();
  });

  test('the account in a response header; an ended session by redirect to the sign-in page or 401', () => {
    expect(() => guard.checkHead(200, { 'x-user': 'libuser01' }, credential, base)).toThrow(CredentialEcho);
    expect(() => guard.checkHead(200, { 'set-cookie': ['u=libuser01'] }, credential, base)).not.toThrow(); // kept in the jar, never sent on
    expect(() => guard.checkHead(302, { location: '/login?next=/page' }, credential, base)).toThrow(VendorSessionEnded);
    expect(() => guard.checkHead(302, { location: '/article/2' }, credential, base)).not.toThrow();
    expect(() => guard.checkHead(401, {}, credential, base)).toThrow(VendorSessionEnded);
  });
});

describe('credentials', () => {
  const parsed = RoamingLogin.parse(recipe());

  test('read from NAME or NAME_FILE; a missing one is named, never shown', () => {
    const readFile = (file: string) => {
      if (file === '/run/secrets/pass') return 's3cret\n';
      throw Object.assign(new Error('no'), { code: 'ENOENT' });
    };
    expect(readCredential({ env: { ROAM_USER: 'libuser01', ROAM_PASS_FILE: '/run/secrets/pass' }, readFile }, parsed, 0)).toEqual({ username: 'libuser01', password: 's3cret' });
    const missing = () => readCredential({ env: { ROAM_USER: 'libuser01' }, readFile }, parsed, 0);
    expect(missing).toThrow(CredentialUnavailable);
    expect(missing).toThrow('ROAM_PASS (or ROAM_PASS_FILE) is not set');
    const unreadable = () => readCredential({ env: { ROAM_USER: 'libuser01', ROAM_PASS_FILE: '/nope' }, readFile }, parsed, 0);
    expect(unreadable).toThrow('cannot read ROAM_PASS (or ROAM_PASS_FILE): ENOENT');
  });

  test('the sign-in form: hidden fields and the form with the password', () => {
    const forms = parseForms('<form id="search"><input name="q"></form><FORM action="/login" name="signin"><input type=hidden name=csrf value="a&amp;b"><input name=user><input type="PASSWORD" name=pass></FORM>');
    expect(forms).toEqual([
      { id: 'search', inputs: [{ name: 'q', type: 'text', value: '' }] },
      { name: 'signin', action: '/login', inputs: [{ name: 'csrf', type: 'hidden', value: 'a&b' }, { name: 'user', type: 'text', value: '' }, { name: 'pass', type: 'password', value: '' }] },
    ]);
  });
});
