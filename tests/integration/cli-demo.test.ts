/**
 * `passway demo` (the demo IdP and vendors alone, as docker/compose.yaml runs them): it listens on
 * the ports it is given and every server writes its links from the public URL it is given.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI } from '../helpers/process';
import { freePorts } from '../helpers/ports';

describe('passway demo', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'passway-cli-demo-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('listens on the ports given and writes links from the public URLs given', async () => {
    // Every port free, none of the shipped defaults: other tests' demos run beside this one.
    const [idpPort, samlPort, plainPort, cdnPort, roamingPort] = await freePorts(5);
    const child = spawn(process.execPath, [
      CLI, 'demo', '--state-dir', stateDir,
      '--idp-port', String(idpPort), '--saml-vendor-port', String(samlPort), '--plain-vendor-port', String(plainPort),
      '--plain-vendor-cdn-port', String(cdnPort), '--roaming-vendor-port', String(roamingPort),
      '--plain-vendor-url', `http://vendor.demo.test:${plainPort}`,
    ]);
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('plain vendor')) resolve();
        });
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        void exited.then((code) => reject(new Error(`passway demo exited with ${code}: ${output}`)));
      });
      expect(output).toContain(`Demo IdP http://localhost:${idpPort} (port ${idpPort})`);

      const metadata = await fetch(`http://127.0.0.1:${idpPort}/metadata`);
      expect(metadata.status).toBe(200);
      expect(await metadata.text()).toContain(`Location="http://localhost:${idpPort}/sso"`);
      expect((await fetch(`http://127.0.0.1:${samlPort}/Shibboleth.sso/Metadata`)).status).toBe(200);

      const home = await fetch(`http://127.0.0.1:${plainPort}/`);
      expect(await home.text()).toContain(`href="http://vendor.demo.test:${plainPort}/article/1"`);
      expect(home.headers.get('content-security-policy')).toContain(`script-src 'self' http://vendor.demo.test:${plainPort} `);
      const redirect = await fetch(`http://127.0.0.1:${plainPort}/go-to-article`, { redirect: 'manual' });
      expect(redirect.headers.get('location')).toBe(`http://vendor.demo.test:${plainPort}/article/42`);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
