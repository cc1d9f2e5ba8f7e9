/**
 * What a newcomer meets first with the `passway` command (bin/passway.js, as `npx passway` and
 * `npm run passway --` run it): a clear line on too old a Node, the version, and output piped into
 * a reader that stops early.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../config';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'passway.js');

function run(args: string[], onStdout?: (chunk: Buffer, stop: () => void) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(chunk, () => child.stdout.destroy());
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('passway, first run', () => {
  it('on a Node older than package.json engines says so in one line, before loading anything', async () => {
    const result = await run(['-e', `Object.defineProperty(process.versions, 'node', { value: '20.11.1' }); require(${JSON.stringify(BIN)})`, 'serve']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('passway: needs Node.js 22 or newer (Node 24 LTS recommended); this is Node 20.11.1. See https://nodejs.org/\n');
    expect(result.stdout).toBe('');
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await run([BIN, '--version']);
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('a reader that closes the pipe early (| head -2) ends it quietly, without an EPIPE stack trace', async () => {
    const result = await run([BIN, 'vendor', 'add', '--list'], (_chunk, stop) => stop());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
