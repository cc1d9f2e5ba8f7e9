import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_CONFIG, PACKAGE_ROOT, formatProblems, loadConfigFile, validateConfig } from '../../config';

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
    expect(result.config.resources.map((r) => r.id)).toEqual(['demo-journals', 'demo-library', 'doaj']);
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
