/**
 * The host-anchored URL scanner. It looks for the `//` of absolute URLs (and its escaped forms, see SEPARATOR),
 * reads the scheme before it (`http:` / `https:`, or none for protocol-relative `//host`,
 * accepted only after a context's lead characters), reads host[:port] after it, and replaces the origin by
 * the proxied one, keeping the separator exactly as written. Everything else is left byte for byte.
 */
import type { Replacement, Scanner } from './carry';
import type { OriginMap } from './origin-map';

/**
 * `//`; `\/\/` (JSON, JS strings); `\\/\\/` (JSON inside a JS string); `\u002F\u002F` (JSON, either hex case);
 * `&#x2F;&#x2F;` and `&#47;&#47;` (HTML attributes written by encoders that escape slashes).
 */
const SEPARATOR = /\/\/|\\\/\\\/|\\\\\/\\\\\/|\\u002[fF]\\u002[fF]|&#x2[fF];&#x2[fF];|&#47;&#47;/g;
const LONGEST_SEPARATOR = 12;
const MAX_HOST = 253;
const MAX_PORT_DIGITS = 5;

function table(chars: string, extra: (c: number) => boolean = () => false): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) if (extra(c)) t[c] = 1;
  for (const ch of chars) t[ch.charCodeAt(0)] = 1;
  return t;
}
const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const HOST_CHAR = table('.-_', isAlnum);
/** What may follow host[:port] for it to be a whole host (`@` and non-ASCII bytes deliberately excluded). */
const AFTER_HOST = table('/?#"\'`)\\<>,;&|]}{!.* \t\n\r\f');
const WHITESPACE = ' \t\n\r\f';

/** Characters after which a scheme-less `//host` is taken as a protocol-relative URL, per content kind. */
export const PROTOCOL_RELATIVE_LEADS = {
  html: table(`"'\`(=,${WHITESPACE}`), // attributes (quoted or not), srcset candidates, style url(), refresh url=
  css: table(`"'(${WHITESPACE}`), // url(//x), url( "//x" ), @import "//x"
  js: table(`"'\``), // string literals only: `//` elsewhere starts a comment
  json: table('"'),
} as const;

export interface UrlScannerOptions {
  origins: OriginMap;
  /** Scheme of the response's own URL, for protocol-relative forms. */
  baseScheme: string;
  protocolRelativeLeads: Uint8Array;
}

export class UrlScanner implements Scanner {
  readonly lookahead = LONGEST_SEPARATOR + MAX_HOST + 1 + MAX_PORT_DIGITS + 1;
  readonly lookbehind = 'https:'.length;
  private readonly separator = new RegExp(SEPARATOR.source, 'g');

  constructor(private readonly options: UrlScannerOptions) {}

  scan(s: string, from: number, limit: number, final: boolean, replace: (r: Replacement) => void): void {
    const re = this.separator;
    let floor = 0; // end of the last replacement: nothing before it may be replaced again
    re.lastIndex = from;
    for (let m = re.exec(s); m !== null && m.index < limit; m = re.exec(s)) {
      const r = this.urlAt(s, m.index, m[0], floor, final);
      if (r) {
        replace(r);
        floor = r.end;
        re.lastIndex = r.end;
      } else {
        re.lastIndex = m.index + 1;
      }
    }
  }

  private urlAt(s: string, at: number, separator: string, floor: number, final: boolean): Replacement | undefined {
    const schemeStart = schemeBefore(s, at);
    let scheme: string;
    if (schemeStart === -1) {
      if (at === 0 || this.options.protocolRelativeLeads[s.charCodeAt(at - 1)] !== 1) return undefined;
      scheme = this.options.baseScheme;
    } else if (schemeStart === -2 || schemeStart < floor) {
      return undefined; // another scheme (ftp:, file:, …) or overlapping the previous URL
    } else {
      scheme = at - 1 - schemeStart === 5 ? 'https' : 'http';
    }

    const hostStart = at + separator.length;
    const end = hostPortEnd(s, hostStart);
    if (end === -1) return undefined;
    if (end < s.length ? AFTER_HOST[s.charCodeAt(end)] !== 1 : !final) return undefined;

    const mapped = this.options.origins.lookup(scheme, s.slice(hostStart, end));
    if (!mapped) return undefined;
    const prefix = schemeStart === -1 ? '' : `${mapped.scheme}:`;
    return { start: schemeStart === -1 ? at : schemeStart, end, text: prefix + separator + mapped.hostport };
  }
}

/** Start of `http:`/`https:` right before `at`; -1 when no scheme (no colon); -2 for another scheme. */
function schemeBefore(s: string, at: number): number {
  if (at === 0 || s.charCodeAt(at - 1) !== 58 /* : */) return -1;
  let i = at - 2;
  if (i >= 0 && (s.charCodeAt(i) | 0x20) === 115 /* s */) i--;
  if (i >= 3 && (s.charCodeAt(i) | 0x20) === 112 /* p */ && (s.charCodeAt(i - 1) | 0x20) === 116 /* t */ && (s.charCodeAt(i - 2) | 0x20) === 116 && (s.charCodeAt(i - 3) | 0x20) === 104 /* h */) {
    return i - 3;
  }
  return -2;
}

/** End of host[:port] starting at `start` (trailing dots excluded), or -1 when there is no plausible host. */
function hostPortEnd(s: string, start: number): number {
  const max = Math.min(s.length, start + MAX_HOST + 1);
  let i = start;
  while (i < max && HOST_CHAR[s.charCodeAt(i)] === 1) i++;
  if (i - start > MAX_HOST) return -1;
  while (i > start && s.charCodeAt(i - 1) === 46 /* . */) i--;
  if (i === start || !isAlnum(s.charCodeAt(start))) return -1;
  if (s.charCodeAt(i) !== 58 /* : */) return i;
  let j = i + 1;
  while (j < s.length && j - i <= MAX_PORT_DIGITS && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
  return j === i + 1 ? -1 : j; // a colon without digits is not a port: leave the text alone
}
