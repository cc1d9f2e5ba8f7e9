/** Config: federations[] and logins[].federation as a third source of SAML metadata. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { preflight } from '../../gateway/preflight';
import { PACKAGE_ROOT, formatProblems, loadConfigFile, validateConfig } from '../../config';

const SECRET = 'x'.repeat(40);
const institutions = [{ id: 'uni', name: { en: 'Uni' } }];
const saml = (extra: Record<string, unknown>) => ({ kind: 'saml', id: 'idp', institution: 'uni', entityID: 'https://idp.uni.edu.cn/idp/shibboleth', ...extra });
const carsi = { id: 'carsi', metadataUrl: 'https://www.carsi.edu.cn/carsimetadata/carsifed-metadata.xml', signingCertFile: '/etc/passway/carsi-dsmeta.pem' };

function problems(input: Record<string, unknown>): Map<string, string> {
  const result = validateConfig({ session: { secret: SECRET }, institutions, ...input });
  return new Map(result.ok ? [] : result.problems.map((p) => [p.path, p.message]));
}

test('a federation login is valid; refreshMinutes and cacheDir have defaults', () => {
  const result = validateConfig({ session: { secret: SECRET }, institutions, federations: [carsi], logins: [saml({ federation: 'carsi' })] });
  if (!result.ok) throw new Error(formatProblems(result));
  expect(result.config.federations).toEqual([{ ...carsi, refreshMinutes: 60, cacheDir: 'state/federations' }]);
});

test('an unknown federation id is a problem at logins[i].federation', () => {
  expect(problems({ federations: [carsi], logins: [saml({ federation: 'edugain' })] }).get('logins[0].federation')).toMatch(/unknown federation "edugain"/);
});

test('a SAML login takes exactly one of metadataUrl, metadataFile or federation', () => {
  expect(problems({ federations: [carsi], logins: [saml({})] }).get('logins[0]')).toMatch(/metadataUrl or metadataFile, or a federation/);
  expect(problems({ federations: [carsi], logins: [saml({ federation: 'carsi', metadataFile: '/x.xml' })] }).get('logins[0]')).toMatch(/only one of/);
});

test('a federation needs its signing certificate and exactly one source', () => {
  const found = problems({ federations: [{ id: 'carsi', metadataUrl: carsi.metadataUrl }, { id: 'other', signingCertFile: '/c.pem' }] });
  expect(found.get('federations[0].signingCertFile')).toBeDefined();
  expect(found.get('federations[1]')).toMatch(/exactly one of metadataUrl or metadataFile/);
});

test('carsi.example.yaml signs in through the CARSI aggregate with pinned dsmeta.pem and SP keys', () => {
  const result = loadConfigFile(path.join(PACKAGE_ROOT, 'config/examples/carsi.example.yaml'), { env: { PASSWAY_SESSION_SECRET: SECRET } });
  if (!result.ok) throw new Error(formatProblems(result));
  expect(result.config.federations).toEqual([expect.objectContaining({ ...carsi })]);
  expect(result.config.logins[0]).toMatchObject({ kind: 'saml', federation: 'carsi' });
  expect(result.config.saml.signing).toEqual({ keyFile: expect.any(String), certFile: expect.any(String) });
});

describe('federations[].mdq', () => {
  const mdq = { baseUrl: 'https://mdq.incommon.org/' };
  test('an MDQ service alone is a source; its defaults', () => {
    const result = validateConfig({ session: { secret: SECRET }, institutions, federations: [{ id: 'incommon', mdq, signingCertFile: '/etc/passway/inc-md-cert.pem' }], logins: [saml({ federation: 'incommon' })] });
    if (!result.ok) throw new Error(formatProblems(result));
    expect(result.config.federations[0]?.mdq).toEqual({ ...mdq, identifier: 'sha1', timeoutSeconds: 10, maxCacheHours: 24 });
  });

  test('with the aggregate beside it (the fallback), and its own signing certificate', () => {
    expect(problems({ federations: [{ ...carsi, mdq: { ...mdq, signingCertFile: '/etc/passway/mdq.pem', identifier: 'entityID' } }] })).toEqual(new Map());
  });

  test('https, or http only to this machine (a local mirror)', () => {
    expect(problems({ federations: [{ ...carsi, mdq: { baseUrl: 'http://mdq.example.org/' } }] }).get('federations[0].mdq.baseUrl')).toMatch(/must be an https:\/\/ URL \(http only to a mirror on this machine/);
    expect(problems({ federations: [{ ...carsi, mdq: { baseUrl: 'http://127.0.0.1:8080/' } }] })).toEqual(new Map());
    expect(problems({ federations: [{ ...carsi, mdq: { baseUrl: 'http://[::1]:8080/' } }] })).toEqual(new Map());
  });

  test('an aggregate URL and file together is still a problem; an unknown identifier form too', () => {
    expect(problems({ federations: [{ ...carsi, metadataFile: '/x.xml', mdq }] }).get('federations[0]')).toMatch(/only one of metadataUrl or metadataFile/);
    expect(problems({ federations: [{ ...carsi, mdq: { ...mdq, identifier: 'md5' } }] }).get('federations[0].mdq.identifier')).toBeDefined();
  });
});

test('config check reads the pinned certificates: a missing file and a file that is no certificate are problems', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'passway-federation-preflight-'));
  const notPem = path.join(dir, 'not.pem');
  writeFileSync(notPem, 'hello');
  const file = path.join(dir, 'passway.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      session: { secret: SECRET },
      institutions,
      federations: [{ id: 'fed', metadataFile: path.join(dir, 'agg.xml'), signingCertFile: path.join(dir, 'missing.pem'), cacheDir: dir, mdq: { baseUrl: 'https://mdq.example.org/', signingCertFile: notPem } }],
    }),
  );
  const result = preflight(file);
  const found = new Map(result.ok ? [] : result.problems.map((p) => [p.path, p.message]));
  expect(found.get('federations[0].signingCertFile')).toMatch(/cannot read .*missing\.pem: ENOENT/);
  expect(found.get('federations[0].mdq.signingCertFile')).toMatch(/not\.pem is not a PEM certificate/);
});
