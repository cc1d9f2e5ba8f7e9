/**
 * Golden files: each input under tests/fixtures/rewrite is rewritten whole, in 1-byte chunks and in random
 * chunk splits; every run must equal the reviewed expected file byte for byte and report the same unknown hosts.
 * UPDATE_GOLDEN=1 regenerates the expected files from the whole-body run (review the diff before keeping it).
 */
import { options, readFixture, rewrite, writeFixture, type GoldenCase, type Split } from '../fixtures/rewrite/harness';

const ASSEMBLED_HOST_RULE = { find: "'https://' + 'www.vendor.com'", replace: "'https://www.vendor.com'" };

const CASES: GoldenCase[] = [
  { name: 'journal article page (HTML)', input: 'article.in.html', expected: 'article.out.html', contentType: 'text/html; charset=utf-8' },
  { name: 'stylesheet (CSS)', input: 'styles.in.css', expected: 'styles.out.css', contentType: 'text/css' },
  { name: 'reader script (JavaScript)', input: 'app.in.js.txt', expected: 'app.out.js.txt', contentType: 'application/javascript; charset=utf-8' },
  {
    name: 'reader script with a Find/Replace rule for the assembled host',
    input: 'app.in.js.txt',
    expected: 'app-rules.out.js.txt',
    contentType: 'text/javascript',
    over: { rules: [ASSEMBLED_HOST_RULE] },
  },
  { name: 'API response (JSON, +json)', input: 'api.in.json', expected: 'api.out.json', contentType: 'application/vnd.api+json' },
  {
    name: 'GBK-encoded Chinese vendor page',
    input: 'gbk-page.in.html',
    expected: 'gbk-page.out.html',
    contentType: 'text/html; charset=GBK',
    over: { baseUrl: 'https://kns.cnki.net/kcms2/article/abstract?v=3uoqIhG8C44' },
  },
];

const SEEDS = 40;
const SPLITS: Split[] = [
  { kind: 'whole' },
  { kind: 'bytes' },
  ...Array.from({ length: SEEDS }, (_, i): Split => ({ kind: 'random', seed: i + 1, max: [3, 17, 300, 4096][i % 4] as number })),
];
const label = (s: Split) => (s.kind === 'random' ? `random split seed ${s.seed} (chunks 1..${s.max})` : s.kind === 'bytes' ? '1-byte chunks' : 'one chunk');

describe.each(CASES)('golden: $name', (c) => {
  const input = readFixture(c.input);
  if (process.env.UPDATE_GOLDEN) {
    beforeAll(async () => writeFixture(c.expected, await rewrite(input, options(c.contentType, c.over))));
  }

  it.each(SPLITS.map((s) => [label(s), s] as const))('%s equals the golden output', async (_label, how) => {
    const unknown: string[] = [];
    const wholeUnknown: string[] = [];
    const out = await rewrite(input, options(c.contentType, { ...c.over, onUnknownHost: (h) => unknown.push(h) }), how);
    await rewrite(input, options(c.contentType, { ...c.over, onUnknownHost: (h) => wholeUnknown.push(h) }));
    expect(out.equals(readFixture(c.expected))).toBe(true);
    expect(unknown).toEqual(wholeUnknown);
  });
});
