import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../config';
import { deletePrefix, REDIS_URL, testPrefix } from '../helpers/stores';
import { writeKeyPair } from '../helpers/keys';
import { runCli, serve } from '../helpers/process';

const examples = path.join(PACKAGE_ROOT, 'config', 'examples');
const temp = () => mkdtempSync(path.join(tmpdir(), 'passway-cli-'));

let spKeys: { keyFile: string; certFile: string };
beforeAll(async () => {
  spKeys = await writeKeyPair(temp(), 'sp');
});

describe('passway config check', () => {
  it.each(['demo.yaml', 'carsi.example.yaml', 'compose.yaml'])('accepts config/examples/%s (exit 0) given its SAML key files and its federation\'s certificate', async (name) => {
    const env = { PASSWAY_SESSION_SECRET: '', PASSWAY_SAML_SIGNING_KEY_FILE: spKeys.keyFile, PASSWAY_SAML_SIGNING_CERT_FILE: spKeys.certFile };
    // The CARSI example pins the federation's signing certificate at its deployment path: give one there.
    let file = path.join(examples, name);
    if (name === 'carsi.example.yaml') {
      file = path.join(temp(), name);
      writeFileSync(file, readFileSync(path.join(examples, name), 'utf8').replaceAll('/etc/passway/carsi-dsmeta.pem', spKeys.certFile));
    }
    const result = await runCli(['config', 'check', file], { env });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(': OK');
    expect(result.code).toBe(0);
  });

  it('lists every mistake by key path and exits 2, without a stack trace', async () => {
    const file = path.join(temp(), 'broken.yaml');
    writeFileSync(
      file,
      [
        'server:',
        '  port: eighty',
        'session:',
        '  idleTimout: 30',
        'institutions:',
        '  - { id: uni, name: { en: Uni } }',
        'resources:',
        '  - id: cnki',
        '    title: { en: CNKI }',
        '    vendor: CNKI',
        '    hosts: [{ host: cnki.net }]',
        '    access:',
        '      - kind: wayfless',
        '        template: "https://fsso.cnki.net/Shibboleth.sso/Login?target={target}"',
        '    licences: [{ institution: elsewhere }]',
      ].join('\n'),
    );
    const result = await runCli(['config', 'check', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('4 problems');
    expect(result.stderr).toContain('server.port:');
    expect(result.stderr).toContain('session: unknown key "idleTimout"');
    expect(result.stderr).toContain('resources[0].access[0].template: missing {entityID}');
    expect(result.stderr).toContain('resources[0].licences[0].institution: unknown institution "elsewhere"');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('serve refuses a bad config with exit 2 too', async () => {
    const file = path.join(temp(), 'bad.yaml');
    writeFileSync(file, 'store: { kind: mongodb }\n');
    const result = await runCli(['serve', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/store(\.kind)?: /);
  });

  it('refuses compose.yaml where its SAML key files are missing, naming the key', async () => {
    const result = await runCli(['config', 'check', path.join(examples, 'compose.yaml')], { env: { PASSWAY_SESSION_SECRET: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('saml.signing.keyFile: cannot read /run/secrets/sp_key');
  });

  it('serve names the missing SAML key files with exit 2', async () => {
    const file = path.join(temp(), 'saml.yaml');
    writeFileSync(
      file,
      [
        'institutions: [{ id: uni, name: { en: Uni } }]',
        'logins: [{ kind: saml, id: uni-idp, institution: uni, entityID: "https://idp.uni.example/idp", metadataUrl: "https://idp.uni.example/metadata", metadataSigningCertSha256: "AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB" }]',
        'saml: { signing: { keyFile: /nonexistent/sp-key.pem, certFile: /nonexistent/sp-cert.pem } }',
      ].join('\n'),
    );
    const result = await runCli(['serve', '--config', file], { env: { PASSWAY_SESSION_SECRET: 'b'.repeat(40) } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/saml\.signing\.keyFile: cannot read/);
  });
});

/** Configs `serve` used to refuse or crash on while `config check` said OK: now both refuse, with the same lines. */
describe('config check and serve run the same start-up checks', () => {
  const dir = temp();
  const plainFile = path.join(dir, 'plain.txt');
  writeFileSync(plainFile, 'a file\n');
  const samlLogin = 'institutions: [{ id: uni, name: { en: Uni } }]\nlogins: [{ kind: saml, id: uni-idp, institution: uni, entityID: "https://idp.uni.example/idp", metadataUrl: "https://idp.uni.example/metadata" }]\n';
  const cases: { name: string; input: string; expect: string }[] = [
    { name: 'an invalid campus range', input: 'onCampus: { ranges: [10.0.0.0/33] }\n', expect: 'onCampus.ranges[0]: "10.0.0.0/33": the prefix length' },
    { name: 'a trusted proxy that is not an address', input: 'server: { trustProxy: [nginx] }\n', expect: 'server.trustProxy[0]: "nginx" is not an IP address' },
    { name: 'a bad metrics allow-list entry', input: 'load: { metricsAllow: [10.0.0/8] }\n', expect: 'load.metricsAllow[0]: "10.0.0/8" is not an IP address' },
    { name: 'a SAML login without saml.signing', input: samlLogin, expect: 'saml.signing: required with a SAML login' },
    { name: 'an unreadable SAML key file', input: `${samlLogin}saml: { signing: { keyFile: ${dir}/absent.pem, certFile: ${dir}/absent-cert.pem } }\n`, expect: 'saml.signing.keyFile: cannot read' },
    { name: 'a usage folder that cannot be created', input: `usage: { dir: ${plainFile}/usage }\n`, expect: 'usage.dir: cannot create' },
    { name: 'an unreadable TLS certificate', input: `server: { tls: { certFile: ${dir}/absent-cert.pem, keyFile: ${dir}/absent-key.pem } }\n`, expect: 'server.tls.certFile: cannot read' },
    { name: 'an empty file', input: '', expect: '(file):' },
  ];

  it.each(cases)('$name: config check exits 2 naming the key, serve refuses with the same lines', async ({ input, expect: line }) => {
    const file = path.join(dir, 'case.yaml');
    writeFileSync(file, input);
    const env = { PASSWAY_SESSION_SECRET: 'd'.repeat(40), PASSWAY_PORT: '0' };
    const [check, served] = await Promise.all([runCli(['config', 'check', file], { env }), runCli(['serve', '--config', file], { env })]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(`  ${line}`);
    expect(served.code).toBe(2);
    expect(served.stderr).toBe(check.stderr);
    expect(served.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('passway serve', () => {
  it('with no config runs the demo: portal, demo IdP and vendors; keys generated into state/; SIGTERM exits 0', async () => {
    const cwd = temp();
    const env = { PASSWAY_CONFIG: '', PASSWAY_LOG_LEVEL: 'warn' };
    const served = await serve([], { cwd, env });
    try {
      expect(served.url).toBe('http://localhost:8080/');
      const portal = await fetch('http://127.0.0.1:8080/', { headers: { 'Accept-Language': 'zh-CN' } });
      const html = await portal.text();
      expect(portal.status).toBe(200);
      expect(html).toContain('演示模式');
      expect(html).toContain('faculty-demo');
      expect((await fetch('http://127.0.0.1:8081/metadata')).status).toBe(200);
      expect((await fetch('http://127.0.0.1:8082/')).status).toBe(200);
      expect((await fetch('http://127.0.0.1:8083/')).status).toBe(200);
      expect(existsSync(path.join(cwd, 'state', 'session-secret'))).toBe(true);
      expect(existsSync(path.join(cwd, 'state', 'demo-idp', 'key.pem'))).toBe(true);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });

  it('runs two gateway processes on one Redis, both ready', async () => {
    const dir = temp();
    const prefix = testPrefix('cli');
    const file = path.join(dir, 'passway.yaml');
    writeFileSync(file, `server: { port: 0 }\nstore: { kind: redis, url: "${REDIS_URL}", keyPrefix: "${prefix}" }\n`);
    const env = { PASSWAY_SESSION_SECRET: 'a'.repeat(40), PASSWAY_LOG_LEVEL: 'warn' };
    const nodes = await Promise.all([serve(['--config', file], { env }), serve(['--config', file], { env })]);
    try {
      const ports = nodes.map((n) => new URL(n.url).port);
      expect(new Set(ports).size).toBe(2);
      for (const port of ports) {
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
        expect(await ready.json()).toEqual({ status: 'ready', store: 'redis' });
      }
    } finally {
      expect(await Promise.all(nodes.map((n) => n.stop()))).toEqual([0, 0]);
      await deletePrefix(prefix);
    }
  });

  it('reloads the catalog on SIGHUP in place (the process and its sessions stay), keeping the old one when the new is bad', async () => {
    const dir = temp();
    const catalogFile = path.join(dir, 'catalog.yaml');
    const entry = (id: string, host: string) =>
      `  - { id: ${id}, title: { en: ${id} }, vendor: V, hosts: [{ host: ${host} }], access: [{ kind: direct, url: "https://${host}/" }] }\n`;
    writeFileSync(catalogFile, 'resources:\n' + entry('first', 'first.example.org'));
    const file = path.join(dir, 'passway.yaml');
    writeFileSync(file, 'server: { port: 0 }\ncatalog: { files: [catalog.yaml] }\n');
    const served = await serve(['--config', file], { env: { PASSWAY_SESSION_SECRET: 'c'.repeat(40), PASSWAY_LOG_LEVEL: 'info' } });
    const base = served.url.replace(/\/$/, '').replace('localhost', '127.0.0.1');
    const status = async (id: string) => (await fetch(`${base}/go/${id}`, { redirect: 'manual' })).status;
    const reloaded = async (text: string) => {
      const before = served.output().split(text).length;
      served.child.kill('SIGHUP');
      for (let i = 0; i < 100 && served.output().split(text).length === before; i++) await new Promise((r) => setTimeout(r, 50));
    };
    try {
      expect(await status('first')).toBe(303);
      expect(await status('second')).toBe(404);

      writeFileSync(catalogFile, 'resources:\n' + entry('first', 'first.example.org') + entry('second', 'second.example.org'));
      await reloaded('catalog reloaded');
      expect(await status('second')).toBe(303);

      writeFileSync(catalogFile, 'resources:\n' + entry('first', 'first.example.org') + entry('third', 'first.example.org'));
      await reloaded('catalog reload refused');
      expect(served.output()).toContain('already claimed by resource');
      expect(await status('second')).toBe(303);
      expect(await status('third')).toBe(404);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });
});
