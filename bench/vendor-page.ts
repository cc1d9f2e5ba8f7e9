import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A ~200 KB vendor-like HTML page: the rewrite golden fixture's body repeated (absolute links to catalogued hosts). */
export function vendorPage(): Buffer {
  const root = path.resolve(__dirname, '..', '..');
  const fixture = readFileSync(path.join(root, 'tests', 'fixtures', 'rewrite', 'article.in.html'), 'utf8');
  const open = fixture.indexOf('>', fixture.indexOf('<body')) + 1;
  const close = fixture.lastIndexOf('</body>');
  const inner = fixture.slice(open, close);
  return Buffer.from(fixture.slice(0, open) + inner.repeat(Math.ceil((200 * 1024) / inner.length)) + fixture.slice(close));
}
