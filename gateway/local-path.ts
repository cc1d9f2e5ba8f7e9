/**
 * The one rule for a user-supplied redirect target (`returnTo`, the proxy handoff's page, an
 * OASIS discovery `return`): it must stay on the origin it is resolved against.
 *
 * Browsers drop tabs and newlines from a Location value and read `\` as `/` (WHATWG URL
 * parser, https://url.spec.whatwg.org/#concept-basic-url-parser), so `/\t/evil.example` and
 * `/\evil.example` are the scheme-relative `//evil.example`. Such values, and their
 * percent-encoded forms in the path (`/%09/evil`, `/%2F%2Fevil`, `/%5Cevil`), which a later hop
 * may decode, are refused outright instead of being repaired. The value returned is the
 * normalised form the parser produced, so what is checked is what is sent.
 */

/** Where an unacceptable target ends up. */
export const HOME = '/';
/** Longer targets are refused: they are kept in pending logins and grants, which anonymous clients can create. */
export const MAX_TARGET_LENGTH = 4096;

const BASE = new URL('http://passway.invalid');
// C0 controls, DEL, and the backslash: never part of a target we send.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f\\]/;
/** Percent-decoding rounds checked: `%25` may hide an encoded form one level down. */
const DECODE_ROUNDS = 3;

/** The path is safe once decoded (as often as a chain of redirects might): no controls, no `\`, no leading `//`. */
function pathIsSafe(pathname: string): boolean {
  let current = pathname;
  for (let round = 0; round <= DECODE_ROUNDS; round++) {
    if (UNSAFE.test(current) || current.startsWith('//')) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return false; // a malformed escape: no legitimate link of ours has one
    }
    if (decoded === current) return true;
    current = decoded;
  }
  return false;
}

/** `path?query#fragment` of a URL already on the right origin, or undefined when its path is unsafe. */
function checked(url: URL): string | undefined {
  return pathIsSafe(url.pathname) ? url.pathname + url.search + url.hash : undefined;
}

/**
 * A path on this gateway (`/…`) for a user-supplied target, else `within` (default `/`).
 * `within` also confines the target to a section, e.g. `/admin`: anything outside it gives `within`.
 */
export function localPath(value: unknown, within = HOME): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > MAX_TARGET_LENGTH || UNSAFE.test(value)) return within;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return within;
  }
  const path = url.origin === BASE.origin ? checked(url) : undefined;
  if (!path) return within;
  if (within !== HOME && url.pathname !== within && !url.pathname.startsWith(`${within}/`)) return within;
  return path;
}

/** An absolute user-supplied URL on exactly `origin` whose path passes the same rule, else undefined. */
export function localUrl(value: unknown, origin: string): URL | undefined {
  if (typeof value !== 'string' || value.length > MAX_TARGET_LENGTH || UNSAFE.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return url.origin === origin && checked(url) !== undefined ? url : undefined;
}
