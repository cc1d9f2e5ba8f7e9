import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MALLOC_TRIM_THRESHOLD } from '../../gateway/gc-tuning';

describe('memory tuning of the deployed process', () => {
  it('the Docker image starts Passway with the malloc trim threshold gateway/gc-tuning.ts documents', () => {
    const dockerfile = readFileSync(path.join(__dirname, '..', '..', 'docker', 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(new RegExp(`^ENV MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD}$`, 'm'));
  });
});
