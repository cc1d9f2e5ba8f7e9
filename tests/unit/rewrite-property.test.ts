/**
 * Properties over seeded random texts (no fast-check needed):
 * 1. Without catalogued hosts, output === input byte for byte, whatever the content type and chunking.
 * 2. With catalogued hosts, rules and HTML fix-ups in the mix, the output does not depend on the chunking.
 */
import { prng } from '../fixtures/prng';
import { options, rewrite, type Split } from '../fixtures/rewrite/harness';

const CONTENT_TYPES = ['text/html; charset=utf-8', 'text/css', 'application/javascript', 'application/json'];

/** Pieces that look like URLs, escapes and markup, none of which can join into a catalogued host. */
const HARMLESS = [
  'https://', 'http://', 'HTTPS://', '//', '\\/\\/', '\\u002F\\u002F', '\\u002f', 'https:', ':', '/', '\\', '@', '.', '-', '_', '8443',
  'other.example', 'www.vendor.com.evil.example', 'vendor-com.p.gw.test', 'a', 'WWW', '"', "'", '`', '(', ')', '=', ',', ' ', '\n', '<a ', '>',
  ' integrity="x"', 'http-equiv=', 'content-security-policy', 'url(', '@import ', 'ftp://', 'localhost',
];
/** Adds catalogued hosts, tags whose attributes change, and a rule's pattern. */
const MIXED = [...HARMLESS, 'www.vendor.com', 'cdn.vendor.com', 'legacy.vendor.com', '<script ', '<LINK ', '<meta ', 'FIND-ME', 'FIND-', 'ME'];

function randomText(next: () => number, pieces: string[], length: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  while (size < length) {
    const r = next();
    const part = r < 0.15 ? Buffer.from([Math.floor(next() * 256)]) : Buffer.from(pieces[Math.floor(next() * pieces.length)] as string, 'latin1');
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts);
}

const RUNS = 300;

describe('property: text without catalogued hosts is untouched', () => {
  it(`${RUNS} random texts × content types × chunkings`, async () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const next = prng(seed);
      const input = randomText(next, HARMLESS, 50 + Math.floor(next() * 2000));
      const contentType = CONTENT_TYPES[seed % CONTENT_TYPES.length] as string;
      const how: Split = seed % 5 === 0 ? { kind: 'bytes' } : { kind: 'random', seed, max: 1 + Math.floor(next() * 400) };
      const out = await rewrite(input, options(contentType), how);
      if (!out.equals(input)) throw new Error(`seed ${seed} (${contentType}): output differs from input\n${input.toString('latin1')}`);
    }
  });
});

describe('property: the output does not depend on where chunks are cut', () => {
  it(`${RUNS} random texts with catalogued hosts, rules and tags`, async () => {
    const rules = [{ find: 'FIND-ME', replace: 'https://www.vendor.com/found' }];
    let rewritten = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const next = prng(1_000 + seed);
      const input = randomText(next, MIXED, 50 + Math.floor(next() * 2000));
      const contentType = CONTENT_TYPES[seed % CONTENT_TYPES.length] as string;
      const whole = await rewrite(input, options(contentType, { rules }));
      if (!whole.equals(input)) rewritten++;
      const how: Split = seed % 5 === 0 ? { kind: 'bytes' } : { kind: 'random', seed, max: 1 + Math.floor(next() * 400) };
      const split = await rewrite(input, options(contentType, { rules }), how);
      if (!split.equals(whole)) throw new Error(`seed ${seed} (${contentType}): chunked output differs\n${input.toString('latin1')}`);
    }
    expect(rewritten).toBeGreaterThan(RUNS * 0.8); // the property is about texts that do get rewritten
  });
});
