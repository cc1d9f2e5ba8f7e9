import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MALLOC_TRIM_THRESHOLD, missingNodeFlags, NODE_FLAGS } from '../../gateway/gc-tuning';

describe('memory tuning of the deployed process', () => {
  it('the Docker image starts Passway with the malloc trim threshold gateway/gc-tuning.ts documents', () => {
    const dockerfile = readFileSync(path.join(__dirname, '..', '..', 'docker', 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(new RegExp(`^ENV (.* )?MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD}( |$)`, 'm'));
  });

  it('the Docker image and npm start give node the V8 flags gateway/gc-tuning.ts documents', () => {
    const root = path.join(__dirname, '..', '..');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(path.join(root, 'docker', 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(entrypoint ?? '[]')).toEqual(['node', ...NODE_FLAGS, 'bin/passway.js']);
    const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toContain(`node ${NODE_FLAGS.join(' ')} bin/passway.js serve`);
  });

  it('names the flags a process was started without, by name', () => {
    expect(missingNodeFlags([])).toEqual(NODE_FLAGS);
    expect(missingNodeFlags(NODE_FLAGS)).toEqual([]);
    expect(missingNodeFlags(['--initial-heap-size=512'])).toEqual([]); // another value, given on purpose
    expect(missingNodeFlags(['--initial_heap_size=64'])).toEqual([]); // V8 accepts either spelling
    expect(missingNodeFlags(['--max-old-space-size=512'])).toEqual(NODE_FLAGS);
  });
});
