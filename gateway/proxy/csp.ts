/**
 * A vendor's Content-Security-Policy header, made to fit its proxied pages (pure; the URL mapping is passed in).
 *
 * - Host sources of catalogued hosts (`https://cdn.vendor.com`, `cdn.vendor.com:8443/js/`) become their proxied
 *   origins, paths kept: the page now loads them from there. Other hosts stay (the browser reaches them directly).
 * - Wildcards over a catalogued domain (`*.vendor.com`) become `*.<proxy domain>`: proxied host names are one DNS
 *   label each, so no narrower wildcard names the same hosts. That allows every proxied host, never anything else.
 * - Hash sources in script and style directives are removed (with `'strict-dynamic'`, which trusts only them) and
 *   `'unsafe-inline'` is added where no nonce is left: the rewriter changes inline scripts and styles that name
 *   vendor URLs, so their hashes would block them. Nonces survive (attributes and header are both kept as sent).
 * - `upgrade-insecure-requests` and `block-all-mixed-content` are dropped when the gateway itself is plain http.
 * - `report-uri` URLs of catalogued hosts are mapped like any other URL.
 * - The proxy's cookie shim (cookie-shim.ts), which every proxied page loads first, is allowed by its exact URL
 *   in the directive that governs script elements (`script-src-elem`, else `script-src`, else `default-src`),
 *   unless that is `'none'` (no script runs, so none sets a cookie). Under `'strict-dynamic'` URLs do not count:
 *   the shim's tag then carries the policy's nonce (`shimNonce`).
 * Several policies in one header (comma-separated) are each rewritten.
 */

export interface CspContext {
  /** Absolute upstream URL → proxied URL, or undefined when its host is not catalogued. */
  mapUrl: (url: string) => string | undefined;
  /** Scheme, host wildcard and port of every proxied host, e.g. `https://*.p.gw.example.edu`. */
  proxiedWildcard: string;
  /** False when the gateway is served over plain http (the demo). */
  secureGateway: boolean;
  /** Absolute URL of the cookie shim on this proxied host, allowed as a script. */
  cookieShim?: string;
}

/** Directives whose inline content the rewriter may change, so hashes of it stop matching. */
const INLINE_DIRECTIVES = new Set(['default-src', 'script-src', 'script-src-elem', 'script-src-attr', 'style-src', 'style-src-elem', 'style-src-attr']);
const HTTPS_ONLY = new Set(['upgrade-insecure-requests', 'block-all-mixed-content']);
const HASH = /^'sha(256|384|512)-/i;
const NONCE = /^'nonce-/i;
/** `[scheme://]host[:port][/path]`, host possibly starting with `*.`. */
const HOST_SOURCE = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*\.)?([a-z0-9.-]+)(:(?:\d{1,5}|\*))?(\/.*)?$/i;

export function rewriteCsp(value: string, ctx: CspContext): string {
  return value
    .split(',')
    .map((policy) => {
      const directives = policy
        .split(';')
        .map((directive) => rewriteDirective(directive.trim(), ctx))
        .filter((directive) => directive !== '');
      return (ctx.cookieShim ? allowShim(directives, ctx.cookieShim) : directives).join('; ');
    })
    .join(', ');
}

/** Which directive of a policy (directives as written) decides about `<script src>`: its index, or -1 when none does. */
function scriptElementDirective(directives: readonly string[]): number {
  const names = directives.map((d) => (d.split(/\s+/)[0] ?? '').toLowerCase());
  for (const name of ['script-src-elem', 'script-src', 'default-src']) {
    const at = names.indexOf(name); // the first of a repeated directive counts
    if (at >= 0) return at;
  }
  return -1;
}

function allowShim(directives: string[], shim: string): string[] {
  const at = scriptElementDirective(directives);
  const directive = directives[at];
  if (directive === undefined || /\s'none'(\s|$)/i.test(directive)) return directives;
  return directives.map((d, i) => (i === at ? `${d} ${shim}` : d));
}

/** The nonce the cookie shim's tag needs: from the first enforced policy whose script-element directive has 'strict-dynamic' and a nonce. */
export function shimNonce(value: string | undefined): string | undefined {
  if (!value) return undefined;
  for (const policy of value.split(',')) {
    const directives = policy.split(';').map((d) => d.trim());
    const tokens = directives[scriptElementDirective(directives)]?.split(/\s+/) ?? [];
    if (!tokens.some((t) => t.toLowerCase() === "'strict-dynamic'")) continue;
    const nonce = tokens.find((t) => NONCE.test(t));
    if (nonce) return nonce.slice("'nonce-".length, -1);
  }
  return undefined;
}

function rewriteDirective(directive: string, ctx: CspContext): string {
  if (directive === '') return '';
  const [rawName = '', ...tokens] = directive.split(/\s+/);
  const name = rawName.toLowerCase();
  if (HTTPS_ONLY.has(name)) return ctx.secureGateway ? directive : '';
  if (name === 'report-uri') return [rawName, ...tokens.map((t) => ctx.mapUrl(t) ?? t)].join(' ');
  if (!/-src(-elem|-attr)?$/.test(name) && name !== 'form-action' && name !== 'frame-ancestors' && name !== 'base-uri') return directive;

  let sources = tokens.map((token) => mapSource(token, ctx));
  if (INLINE_DIRECTIVES.has(name) && sources.some((s) => HASH.test(s))) {
    sources = sources.filter((s) => !HASH.test(s) && s.toLowerCase() !== "'strict-dynamic'");
    const lower = sources.map((s) => s.toLowerCase());
    if (!sources.some((s) => NONCE.test(s)) && !lower.includes("'unsafe-inline'")) sources.push("'unsafe-inline'");
  }
  return [rawName, ...new Set(sources)].join(' ');
}

function mapSource(token: string, ctx: CspContext): string {
  if (token.startsWith("'") || token === '*' || /^[a-z][a-z0-9+.-]*:$/i.test(token)) return token; // keyword, hash, nonce, scheme
  const m = HOST_SOURCE.exec(token);
  if (!m) return token;
  const [, scheme, wildcard, host, port = '', path = ''] = m;
  if ((scheme && !/^https?$/i.test(scheme)) || port === ':*') return token; // ws(s): not proxied; any port: not one origin
  const schemes = scheme ? [scheme.toLowerCase()] : ['https', 'http'];
  if (wildcard) {
    // A catalogued domain claims every name under it: any one of them maps.
    return schemes.some((s) => ctx.mapUrl(`${s}://passway-csp-probe.${host}${port}/`)) ? ctx.proxiedWildcard + path : token;
  }
  for (const s of schemes) {
    const mapped = ctx.mapUrl(`${s}://${host}${port}/`);
    if (mapped) return new URL(mapped).origin + path;
  }
  return token;
}
