import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_CONFIG, PACKAGE_ROOT, formatProblems, loadConfigFile, validateConfig } from '../../config';
import { preflight } from '../../gateway/preflight';
import { writeKeyPair } from '../helpers/keys';

const SECRET = 'x'.repeat(40);
const dir = mkdtempSync(path.join(tmpdir(), 'passway-config-'));
function yamlFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const minimal = { session: { secret: SECRET } };

describe('config examples', () => {
  it('demo.yaml is valid and turns demo mode on without any secret', () => {
    const result = loadConfigFile(DEMO_CONFIG, { env: {} });
    if (!result.ok) throw new Error(formatProblems(result));
    expect(result.config.demo.enabled).toBe(true);
    expect(result.config.resources.map((r) => r.id)).toEqual(['demo-journals', 'demo-library', 'demo-archive', 'demo-roaming', 'demo-science', 'doaj']);
  });

  it('carsi.example.yaml is valid once its secret comes from the environment', () => {
    const file = path.join(PACKAGE_ROOT, 'config/examples/carsi.example.yaml');
    const result = loadConfigFile(file, { env: { PASSWAY_SESSION_SECRET: SECRET } });
    if (!result.ok) throw new Error(formatProblems(result));
    expect(result.config.store).toMatchObject({ kind: 'redis', keyPrefix: 'passway:' });
    expect(result.config.resources.map((r) => r.access[0]?.kind)).toEqual(['wayfless', 'proxy']);
  });

  it('carsi.example.yaml without its secret is refused for serving but only warned about by a check', () => {
    const file = path.join(PACKAGE_ROOT, 'config/examples/carsi.example.yaml');
    const serving = loadConfigFile(file, { env: {} });
    expect(serving.ok).toBe(false);
    if (!serving.ok) expect(serving.problems[0]?.path).toBe('session.secret');
    const checking = loadConfigFile(file, { env: {}, requireSecrets: false });
    expect(checking.ok).toBe(true);
    if (checking.ok) expect(checking.warnings[0]?.path).toBe('session.secret');
  });
});

describe('config validation', () => {
  it('applies defaults: memory store, 120-minute idle timeout, localhost:8080', () => {
    const result = validateConfig(minimal);
    if (!result.ok) throw new Error(formatProblems(result));
    expect(result.config.store).toEqual({ kind: 'memory' });
    expect(result.config.session.idleTimeoutMinutes).toBe(120);
    expect(result.config.server).toMatchObject({ publicUrl: 'http://localhost:8080', port: 8080, trustProxy: [] });
  });

  it('lists every problem by key path, with a hint', () => {
    const result = validateConfig({
      session: { secret: 'short', idleTimout: 5 },
      server: { port: 'eighty' },
      institutions: [{ id: 'uni', name: { en: 'Uni' } }],
      logins: [{ kind: 'saml', id: 'idp', institution: 'nowhere', entityID: 'https://idp.example/' }],
      resources: [
        { id: 'a', title: { en: 'A' }, vendor: 'V', hosts: [{ host: 'a.example.com' }], access: [{ kind: 'direct', url: 'https://a.example.com/' }] },
        { id: 'b', title: { en: 'B' }, vendor: 'V', hosts: [{ host: 'b.example.com' }], access: [{ kind: 'direct', url: 'https://b.example.com/' }] },
        { id: 'c', title: { en: 'C' }, vendor: 'V', hosts: [{ host: 'c.example.com' }], access: [{ kind: 'direct', url: 'https://c.example.com/' }] },
        {
          id: 'd',
          title: { en: 'D' },
          vendor: 'V',
          hosts: [{ host: 'a.example.com' }],
          access: [{ kind: 'wayfless', template: 'https://sp.example/Login?target={target}&x={idp}' }],
          licences: [{ institution: 'ghost', from: '2026-02-01', until: '2026-01-01' }],
        },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPath = new Map(result.problems.map((p) => [p.path, p.message]));
    expect(byPath.get('session.secret')).toMatch(/32/);
    expect(byPath.get('session')).toMatch(/unknown key "idleTimout"/);
    expect(byPath.get('server.port')).toMatch(/number/);
    expect(byPath.get('logins[0].institution')).toMatch(/unknown institution "nowhere"/);
    expect(byPath.get('logins[0]')).toMatch(/metadataUrl or metadataFile/);
    const template = result.problems.filter((p) => p.path === 'resources[3].access[0].template').map((p) => p.message);
    expect(template).toEqual(expect.arrayContaining([expect.stringMatching(/missing \{entityID\}/), expect.stringMatching(/unknown placeholder \{idp\}/)]));
    expect(byPath.get('resources[3].hosts[0].host')).toMatch(/already claimed by resource "a"/);
    expect(byPath.get('resources[3].licences[0].institution')).toMatch(/unknown institution "ghost"/);
    expect(byPath.get('resources[3].licences[0].until')).toMatch(/before it starts/);
  });

  it('names a missing required key and what to write there', () => {
    const result = validateConfig({
      ...minimal,
      resources: [{ id: 'a', title: { en: 'A' }, hosts: [{ host: 'a.example.com' }], access: [{ kind: 'direct', url: 'https://a.example.com/' }] }],
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toContainEqual({ path: 'resources[0].vendor', message: expect.stringMatching(/^missing: add vendor: \(string\).*vendor or platform name/) });
  });

  it('needs exactly one way to reach Redis', () => {
    const result = validateConfig({ ...minimal, store: { kind: 'redis' } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([expect.objectContaining({ path: 'store', message: expect.stringMatching(/exactly one of url/) })]);
  });
});

describe('environment overrides', () => {
  it('overrides port, public URL and the store, and reads secrets from *_FILE', () => {
    const secretFile = yamlFile('secret', `${SECRET}\n`);
    const result = validateConfig({}, {
      env: {
        PASSWAY_PORT: '9090',
        PASSWAY_PUBLIC_URL: 'https://gw.example.edu',
        PASSWAY_SESSION_SECRET_FILE: secretFile,
        PASSWAY_REDIS_URL: 'redis://10.0.0.5:6379/2',
      },
    });
    if (!result.ok) throw new Error(formatProblems(result));
    expect(result.config.server.port).toBe(9090);
    expect(result.config.server.publicUrl).toBe('https://gw.example.edu');
    expect(result.config.session.secret).toBe(SECRET);
    expect(result.config.store).toMatchObject({ kind: 'redis', url: 'redis://10.0.0.5:6379/2' });
  });

  it('names the variable when an override is wrong, and a missing secret file', () => {
    const result = validateConfig(minimal, { env: { PASSWAY_PORT: 'http', PASSWAY_REDIS_PASSWORD_FILE: path.join(dir, 'nope') } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['server.port (from PASSWAY_PORT)', 'PASSWAY_REDIS_PASSWORD_FILE']));
  });

  it('sets an OIDC client secret per login id', () => {
    const result = validateConfig(
      { ...minimal, institutions: [{ id: 'uni', name: { en: 'Uni' } }], logins: [{ kind: 'oidc', id: 'campus-sso', institution: 'uni', issuer: 'https://sso.example.edu/', clientId: 'passway' }] },
      { env: { PASSWAY_LOGIN_CAMPUS_SSO_CLIENT_SECRET: 's3cret' } },
    );
    if (!result.ok) throw new Error(formatProblems(result));
    expect(result.config.logins[0]).toMatchObject({ clientSecret: 's3cret' });
  });
});

describe('config files', () => {
  it('reports YAML syntax errors with line and column', () => {
    const result = loadConfigFile(yamlFile('broken.yaml', 'server:\n  port: [8080\n'), { env: {} });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.path).toMatch(/^line \d+, column \d+$/);
  });

  it('reports a missing file plainly', () => {
    const result = loadConfigFile(path.join(dir, 'absent.yaml'), { env: {} });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toMatch(/does not exist/);
  });

  it('refuses a config that is not a mapping', () => {
    const result = loadConfigFile(yamlFile('list.yaml', '- a\n- b\n'), { env: {} });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toMatch(/YAML mapping/);
  });
});

/**
 * Everything `serve` checks before it binds a port, `config check` checks too (gateway/preflight.ts):
 * each case is a config `serve` used to crash on or refuse while `config check` said OK.
 */
describe('preflight: the checks serve and config check share', () => {
  let keyFile = '';
  let certFile = '';
  let otherCertFile = '';
  const aFile = yamlFile('plain.txt', 'not a folder\n');
  beforeAll(async () => {
    ({ keyFile, certFile } = await writeKeyPair(dir, 'sp'));
    otherCertFile = (await writeKeyPair(dir, 'other')).certFile;
  });
  const samlLogin = 'institutions: [{ id: uni, name: { en: Uni } }]\nlogins: [{ kind: saml, id: uni-idp, institution: uni, entityID: "https://idp.uni.example/idp", metadataUrl: "https://idp.uni.example/metadata", metadataSigningCertSha256: "abababababababababababababababababababababababababababababababab" }]\n';

  const cases: { name: string; input: () => string; expect: { path: string; message: RegExp } }[] = [
    { name: 'an invalid campus range', input: () => 'onCampus: { ranges: [10.0.0.0/8, 10.0.0.0/33] }\n', expect: { path: 'onCampus.ranges[1]', message: /prefix length after "\/" must be 0-32/ } },
    { name: 'a trusted proxy that is not an address', input: () => 'server: { trustProxy: [nginx] }\n', expect: { path: 'server.trustProxy[0]', message: /not an IP address or CIDR range/ } },
    { name: 'a metrics allow-list entry with a bad IPv6 prefix', input: () => 'load: { metricsAllow: ["fd00::/129"] }\n', expect: { path: 'load.metricsAllow[0]', message: /0-128/ } },
    { name: 'a misspelt time zone', input: () => 'catalog: { timeZone: Asia/Shangai }\n', expect: { path: 'catalog.timeZone', message: /not a time zone name/ } },
    { name: 'an empty file', input: () => '# nothing here yet\n', expect: { path: '(file)', message: /is empty/ } },
    { name: 'a SAML login without saml.signing', input: () => samlLogin, expect: { path: 'saml.signing', message: /required with a SAML login/ } },
    { name: 'an unreadable SAML key file', input: () => `${samlLogin}saml: { signing: { keyFile: ${dir}/absent-key.pem, certFile: ${certFile} } }\n`, expect: { path: 'saml.signing.keyFile', message: /cannot read/ } },
    { name: 'a SAML key file that is not PEM', input: () => `${samlLogin}saml: { signing: { keyFile: ${aFile}, certFile: ${certFile} } }\n`, expect: { path: 'saml.signing', message: /not a PEM key and certificate/ } },
    { name: 'an encryption key that does not match its certificate', input: () => `${samlLogin}saml: { signing: { keyFile: ${keyFile}, certFile: ${certFile} }, encryption: { keyFile: ${keyFile}, certFile: ${otherCertFile} } }\n`, expect: { path: 'saml.encryption', message: /does not belong to/ } },
    { name: 'an unreadable TLS key', input: () => `server: { tls: { certFile: ${certFile}, keyFile: ${dir}/absent-tls.pem } }\n`, expect: { path: 'server.tls.keyFile', message: /cannot read .*ENOENT/ } },
    { name: 'a TLS key that does not match the certificate', input: () => `server: { tls: { certFile: ${otherCertFile}, keyFile: ${keyFile} } }\n`, expect: { path: 'server.tls', message: /not a matching PEM certificate chain and private key/ } },
    { name: 'a usage folder that cannot be created', input: () => `usage: { dir: ${aFile}/usage }\n`, expect: { path: 'usage.dir', message: /is a file, not a folder/ } },
    { name: 'a catalog file that does not exist', input: () => 'catalog: { files: [absent-catalog.yaml] }\n', expect: { path: 'absent-catalog.yaml', message: /./ } },
  ];

  it.each(cases)('refuses $name, naming $expect.path', ({ input, expect: wanted }) => {
    const result = preflight(yamlFile('case.yaml', input()), { env: { PASSWAY_SESSION_SECRET: SECRET } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toContainEqual({ path: expect.stringContaining(wanted.path), message: expect.stringMatching(wanted.message) });
  });

  it('lists every problem at once, schema and files alike', () => {
    const file = yamlFile('many.yaml', `onCampus: { ranges: [campus] }\nserver: { port: eighty, tls: { certFile: ${dir}/no-cert.pem, keyFile: ${dir}/no-key.pem } }\nusage: { dir: ${aFile}/usage }\n${samlLogin}`);
    const result = preflight(file, { env: { PASSWAY_SESSION_SECRET: SECRET } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['onCampus.ranges[0]', 'server.port', 'saml.signing', 'usage.dir']),
    );
  });

  it('accepts a SAML login with a readable, matching key pair, and demo mode without one', () => {
    const good = preflight(yamlFile('good.yaml', `${samlLogin}saml: { signing: { keyFile: ${keyFile}, certFile: ${certFile} } }\nonCampus: { ranges: [10.0.0.0/8, "2001:db8::/32", 192.0.2.7] }\n`), { env: { PASSWAY_SESSION_SECRET: SECRET } });
    if (!good.ok) throw new Error(formatProblems(good));
    const demo = preflight(yamlFile('demo.yaml', `${samlLogin}demo: { enabled: true, stateDir: ${dir}/state }\n`), { env: {} });
    if (!demo.ok) throw new Error(formatProblems(demo));
  });
});
