import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IdleCollector, MALLOC_TRIM_THRESHOLD, missingNodeFlags, NODE_FLAGS } from '../../gateway/gc-tuning';

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

  describe('IdleCollector', () => {
    const MB = 1024 * 1024;
    let footprint = 0;
    let collections = 0;
    let finish: () => void = () => undefined;
    const collector = () =>
      new IdleCollector(
        () => footprint,
        () => () => {
          collections++;
          return new Promise<void>((resolve) => (finish = resolve));
        },
      );
    const rest = (idle: IdleCollector, seconds: number) => {
      for (let i = 0; i < seconds; i++) idle.tick(0.01);
    };
    beforeEach(() => {
      collections = 0;
    });

    it('never collects under load, and once after five seconds at rest', () => {
      const idle = collector();
      footprint = 300 * MB;
      for (let i = 0; i < 60; i++) idle.tick(0.9);
      expect(collections).toBe(0);
      rest(idle, 4);
      expect(collections).toBe(0);
      rest(idle, 1);
      expect(collections).toBe(1);
    });

    it('collects at the next rest after more traffic, counting growth from the low point and not from the reading when the last collection ended', async () => {
      const idle = collector();
      footprint = 200 * MB;
      rest(idle, 5);
      expect(collections).toBe(1);
      finish(); // V8's promise settles before it has freed the Buffers: the footprint still reads 200 MB
      await new Promise((resolve) => setImmediate(resolve)); // its finally() has run
      footprint = 60 * MB; // freed a moment later
      rest(idle, 10);
      expect(collections).toBe(1); // nothing grew: nothing to collect
      footprint = 127 * MB; // more traffic, then rest: 67 MB of garbage
      for (let i = 0; i < 30; i++) idle.tick(0.9);
      rest(idle, 5);
      expect(collections).toBe(2);
    });
  });
});
