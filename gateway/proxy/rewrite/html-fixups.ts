/**
 * HTML-only fixes that keep a rewritten page working, without parsing the page:
 * - `integrity` on `<script>` and `<link>` becomes `data-passway-integrity`: the proxy may change those
 *   resources (it rewrites every script and stylesheet it serves), so their hashes would no longer match.
 * - `<meta http-equiv="Content-Security-Policy[-Report-Only]">` is switched off by renaming the header name to
 *   `x-passway-disabled-content-security-policy…`: its host sources name upstream hosts and its hashes name the
 *   original scripts, so it would block the rewritten page. (The CSP response header is fitted to the proxied page by gateway/proxy/csp.ts.)
 * The tag an attribute belongs to is found by looking back for the nearest `<` or `>`, across chunks.
 */
import type { Replace, Scanner } from './carry';

const FIXUP = /\sintegrity(?=\s{0,16}=)|http-equiv\s{0,16}=\s{0,16}["']?\s{0,16}content-security-policy/gi;
const TAG_NAME_MAX = 16;

export class HtmlFixupScanner implements Scanner {
  readonly lookahead = 100;
  readonly lookbehind = 0;
  private readonly fixup = new RegExp(FIXUP.source, 'gi');
  /** Text from the last `<` of the emitted text when it was still inside a tag there (at most TAG_NAME_MAX + 1 chars). */
  private openTag: string | null = null;

  scan(s: string, from: number, limit: number, _final: boolean, replace: Replace): void {
    const re = this.fixup;
    re.lastIndex = from;
    for (let m = re.exec(s); m !== null && m.index < limit; m = re.exec(s)) {
      const isIntegrity = m[0].charCodeAt(0) <= 32;
      const tag = this.tagAt(s, m.index);
      if (isIntegrity && (tag === 'script' || tag === 'link')) {
        replace(m.index + 1, m.index + m[0].length, 'data-passway-integrity');
      } else if (!isIntegrity && tag === 'meta') {
        replace(m.index, m.index + m[0].length, m[0].replace(/content-security-policy$/i, 'x-passway-disabled-$&'));
      }
    }
  }

  emitted(text: string): void {
    const lt = text.lastIndexOf('<');
    const gt = text.lastIndexOf('>');
    if (lt > gt) this.openTag = text.slice(lt, lt + TAG_NAME_MAX + 1);
    else if (gt > lt) this.openTag = null;
    else if (this.openTag !== null && this.openTag.length <= TAG_NAME_MAX) this.openTag = (this.openTag + text).slice(0, TAG_NAME_MAX + 1);
  }

  /** Lower-case name of the tag open at `at`, or undefined outside tags. */
  private tagAt(s: string, at: number): string | undefined {
    const lt = s.lastIndexOf('<', at);
    const gt = s.lastIndexOf('>', at);
    if (lt > gt) return tagName(s, lt + 1);
    if (gt > lt || this.openTag === null) return undefined;
    return tagName(this.openTag + s.slice(0, TAG_NAME_MAX), 1);
  }
}

function tagName(s: string, start: number): string {
  let i = start;
  while (i < s.length && i - start < TAG_NAME_MAX && /[A-Za-z0-9-]/.test(s.charAt(i))) i++;
  return s.slice(start, i).toLowerCase();
}
