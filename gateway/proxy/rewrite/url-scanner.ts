/**
 * The host-anchored URL scanner. It looks for the `//` of absolute URLs (and its escaped forms, see
 * separatorLength), reads the scheme before it (`http:` / `https:`, or none for protocol-relative `//host`,
 * accepted only after a context's lead characters), reads host[:port] after it, and replaces the origin by
 * the proxied one, keeping the separator exactly as written. Everything else is left byte for byte.
 *
 * Speed (this is the proxy's hot loop): candidates come from String#indexOf, which V8 runs natively, one
 * cursor per separator family (`//`, `\…`, `&#…`); the host is read once, its hash computed on the way, and
 * looked up in the OriginMap without cutting a substring out of the text.
 */
import type { Replace, Scanner } from './carry';
import { LOWER, hostHash, type OriginMap, type OriginReporter } from './origin-map';

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

/**
 * Length of the separator at `at`, 0 when there is none: `//`; `\/\/` (JSON, JS strings); `\\/\\/` (JSON inside
 * a JS string); `\u002F\u002F` (JSON, either hex case); `&#x2F;&#x2F;` and `&#47;&#47;` (HTML attributes written by
 * encoders that escape slashes).
 */
export function separatorLength(s: string, at: number): number {
  switch (s.charCodeAt(at)) {
    case 47: // /
      return s.charCodeAt(at + 1) === 47 ? 2 : 0;
    case 92: // \
      if (s.startsWith('/\\/', at + 1)) return 4;
      if (s.startsWith('\\/\\\\/', at + 1)) return 6;
      return escapedSlash(s, at) && escapedSlash(s, at + 6) ? 12 : 0;
    case 38: // &
      if (s.startsWith('#47;&#47;', at + 1)) return 10;
      return entitySlash(s, at) && entitySlash(s, at + 6) ? 12 : 0;
    default:
      return 0;
  }
}

/** `\u002F` or `\u002f` at `at`. */
function escapedSlash(s: string, at: number): boolean {
  return s.startsWith('\\u002', at) && (s.charCodeAt(at + 5) | 0x20) === 102;
}

/** `&#x2F;` or `&#x2f;` at `at`. */
function entitySlash(s: string, at: number): boolean {
  return s.startsWith('&#x2', at) && (s.charCodeAt(at + 4) | 0x20) === 102 && s.charCodeAt(at + 5) === 59;
}

export interface UrlScannerOptions {
  origins: OriginMap;
  /** Uncatalogued hosts of this response (absent: not reported). */
  reporter?: OriginReporter;
  /** Scheme of the response's own URL, for protocol-relative forms. */
  baseScheme: string;
  protocolRelativeLeads: Uint8Array;
}

export class UrlScanner implements Scanner {
  readonly lookahead = LONGEST_SEPARATOR + MAX_HOST + 1 + MAX_PORT_DIGITS + 1;
  readonly lookbehind = 'https:'.length;
  private readonly baseHttps: boolean;

  constructor(private readonly options: UrlScannerOptions) {
    this.baseHttps = options.baseScheme === 'https';
  }

  scan(s: string, from: number, limit: number, final: boolean, replace: Replace): void {
    let floor = 0; // end of the last replacement: nothing before it may be replaced again
    let pos = from;
    // Next candidate of each separator family at or after pos (-1: none left in s).
    let slash = s.indexOf('//', pos);
    let back = s.indexOf('\\', pos);
    let amp = s.indexOf('&#', pos);
    for (;;) {
      if (slash !== -1 && slash < pos) slash = s.indexOf('//', pos);
      if (back !== -1 && back < pos) back = s.indexOf('\\', pos);
      if (amp !== -1 && amp < pos) amp = s.indexOf('&#', pos);
      let at = slash;
      if (back !== -1 && (at === -1 || back < at)) at = back;
      if (amp !== -1 && (at === -1 || amp < at)) at = amp;
      if (at === -1 || at >= limit) return;
      const separator = separatorLength(s, at);
      const end = separator === 0 ? -1 : this.urlAt(s, at, separator, floor, final, replace);
      if (end === -1) {
        pos = at + 1;
      } else {
        floor = end;
        pos = end;
      }
    }
  }

  /** Replaces the URL origin whose separator is at `at` and returns its end, or -1 when it is left alone. */
  private urlAt(s: string, at: number, separator: number, floor: number, final: boolean, replace: Replace): number {
    let schemeStart = -1;
    let https: boolean;
    if (at > 0 && s.charCodeAt(at - 1) === 58 /* : */) {
      schemeStart = schemeBefore(s, at);
      if (schemeStart < floor) return -1; // another scheme (ftp:, file:, …) or overlapping the previous URL
      https = at - 1 - schemeStart === 5;
    } else {
      if (at === 0 || this.options.protocolRelativeLeads[s.charCodeAt(at - 1)] !== 1) return -1;
      https = this.baseHttps;
    }

    // host[:port]: host characters (at most MAX_HOST, trailing dots excluded), then digits after a colon.
    const hostStart = at + separator;
    const max = Math.min(s.length, hostStart + MAX_HOST + 1);
    let i = hostStart;
    let hash = 0;
    for (; i < max; i++) {
      const c = s.charCodeAt(i);
      if (c > 255 || HOST_CHAR[c] !== 1) break;
      hash = (Math.imul(hash, 31) + LOWER[c]!) | 0;
    }
    if (i - hostStart > MAX_HOST) return -1;
    if (s.charCodeAt(i - 1) === 46 /* . */) {
      while (i > hostStart && s.charCodeAt(i - 1) === 46) i--;
      hash = hostHash(s, hostStart, i);
    }
    if (i === hostStart || !isAlnum(s.charCodeAt(hostStart))) return -1;
    let end = i;
    if (s.charCodeAt(i) === 58 /* : */) {
      end = i + 1;
      while (end < s.length && end - i <= MAX_PORT_DIGITS && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
      if (end === i + 1) return -1; // a colon without digits is not a port: leave the text alone
      hash = hostHash(s, hostStart, end);
    }
    if (end < s.length ? AFTER_HOST[s.charCodeAt(end)] !== 1 : !final) return -1;

    const entry = this.options.origins.lookup(https, s, hostStart, end, hash);
    const mapped = entry.mapped;
    if (!mapped) {
      this.options.reporter?.note(entry);
      return -1;
    }
    if (schemeStart === -1) {
      replace(at, end, separator === 2 ? entry.relative : s.slice(at, hostStart) + mapped.hostport);
    } else {
      replace(schemeStart, end, separator === 2 ? entry.absolute : `${mapped.scheme}:${s.slice(at, hostStart)}${mapped.hostport}`);
    }
    return end;
  }
}

/** Start of `http:`/`https:` right before `at` (which follows a colon); -2 for another scheme. */
function schemeBefore(s: string, at: number): number {
  let i = at - 2;
  if (i >= 0 && (s.charCodeAt(i) | 0x20) === 115 /* s */) i--;
  if (i >= 3 && (s.charCodeAt(i) | 0x20) === 112 /* p */ && (s.charCodeAt(i - 1) | 0x20) === 116 /* t */ && (s.charCodeAt(i - 2) | 0x20) === 116 && (s.charCodeAt(i - 3) | 0x20) === 104 /* h */) {
    return i - 3;
  }
  return -2;
}
