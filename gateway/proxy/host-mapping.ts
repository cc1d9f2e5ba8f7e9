import { createHash } from 'node:crypto';
import net from 'node:net';

/**
 * Host mapping: upstream URL ⇄ proxied URL, pure (no I/O, no state), used by the proxy handler,
 * by header rewriting (Location, Link, CORS, Referer/Origin), by the cookie jar and by the rewriters.
 *
 * An upstream origin becomes ONE DNS label under the proxy domain, so a single wildcard DNS
 * record and a single wildcard certificate (`*.p.gw.lib.example.edu`) cover every vendor:
 *
 *   https://www.vendor.com/x        → https://www-vendor-com.p.gw.lib.example.edu/x
 *   https://pubs.a-b.org/           → https://pubs-a--b-org.p.gw…          ("-" doubled, "." becomes "-")
 *   http://localhost:8083/          → http://localhost---http-8083.p.localhost:8080/
 *   https://x.example.com:8443/     → https://x-example-com---8443.p.gw…
 *
 * Body: every "-" of the upstream host name is written "--", every "." is written "-". In a valid
 * host name labels never begin or end with "-", so a "." is never next to a "-": runs of hyphens in
 * the body are either exactly one (a dot) or even (escaped hyphens), never three. That makes "---"
 * a safe separator for the options that follow it, hyphen-separated: the scheme when it is not
 * https ("http") and the port when it is not the scheme's default. Default: https on 443.
 *
 * Labels longer than 63 characters (the DNS limit) use a digest form: the first 40 characters of
 * the body, then "---x" and 16 base32 characters of SHA-256 over the upstream origin. A digest
 * label cannot be decoded by itself: `fromProxied` takes an optional `resolveDigest` that returns
 * the origin for it (the proxy remembers every long origin it has mapped, see long-labels.ts).
 *
 * The proxied URL has the gateway's scheme and port (from its public URL), whatever the upstream's.
 * IPv6 literals and non-http(s) URLs are not mappable (undefined).
 */

export interface GatewayAddress {
  /** Parent domain of proxied hosts, e.g. "p.gw.lib.example.edu" or "p.localhost". */
  proxyDomain: string;
  publicUrl: URL;
}

const MAX_LABEL = 63;
const DIGEST_PREFIX = 40;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
const OPTIONS = /^(?:(http|https)(?:-(\d{1,5}))?|(\d{1,5}))$/;
const DIGEST = /^x[a-z2-7]{16}$/;
const SEPARATOR = /(?<!-)---(?!-)/;

/** Upstream origin → the single DNS label that names it under the proxy domain, or undefined. */
export function labelFor(upstream: URL): string | undefined {
  if (upstream.protocol !== 'https:' && upstream.protocol !== 'http:') return undefined;
  const host = upstream.hostname.toLowerCase();
  if (!HOSTNAME.test(host) || net.isIPv6(host)) return undefined;
  const body = host.replace(/-/g, '--').replace(/\./g, '-');
  const http = upstream.protocol === 'http:';
  const options = [http ? 'http' : '', upstream.port].filter(Boolean).join('-');
  const label = options ? `${body}---${options}` : body;
  if (label.length <= MAX_LABEL) return label;
  return `${body.slice(0, DIGEST_PREFIX).replace(/-+$/, '')}---${digestOf(upstream.origin)}`;
}

/** The digest option ("x" + 16 base32 characters) of a long origin. */
export function digestOf(origin: string): string {
  const bytes = createHash('sha256').update(origin).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = 'x';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 17) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 17) break;
  }
  return out;
}

/** Upstream URL → proxied URL on `<label>.<proxyDomain>` with the gateway's scheme and port. */
export function toProxied(upstream: URL, gw: GatewayAddress): URL | undefined {
  const label = labelFor(upstream);
  if (!label) return undefined;
  const proxied = new URL(upstream.href);
  proxied.protocol = gw.publicUrl.protocol;
  proxied.hostname = `${label}.${gw.proxyDomain}`;
  proxied.port = gw.publicUrl.port;
  return proxied;
}

/** The label of a proxied host ("label.p.domain[:port]"), or undefined when it is not one. */
export function proxiedLabel(host: string, proxyDomain: string): string | undefined {
  const hostname = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${proxyDomain.toLowerCase()}`;
  if (!hostname.endsWith(suffix)) return undefined;
  const label = hostname.slice(0, -suffix.length);
  return label && !label.includes('.') ? label : undefined;
}

/** Decode a label to its upstream origin ("https://www.vendor.com"), or undefined when malformed. */
export function originOf(label: string, resolveDigest?: (label: string) => string | undefined): string | undefined {
  // The separator is a run of exactly three hyphens (escaped hyphens come in even runs).
  const at = SEPARATOR.exec(label)?.index ?? -1;
  const body = at === -1 ? label : label.slice(0, at);
  const options = at === -1 ? '' : label.slice(at + 3);
  if (DIGEST.test(options)) {
    const origin = resolveDigest?.(label);
    return origin && labelFor(new URL(origin)) === label ? origin : undefined;
  }
  let scheme = 'https';
  let port = '';
  if (options) {
    const m = OPTIONS.exec(options);
    if (!m) return undefined;
    scheme = m[1] ?? 'https';
    port = m[2] ?? m[3] ?? '';
  }
  const hostname = decodeBody(body);
  if (hostname === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(`${scheme}://${hostname}${port ? `:${port}` : ''}`);
  } catch {
    return undefined;
  }
  // Canonical forms only: one upstream has exactly one label (no "https-443", no "-0080").
  return labelFor(url) === label ? url.origin : undefined;
}

function decodeBody(body: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '-') out += ch;
    else if (body[i + 1] === '-') {
      out += '-';
      i++;
    } else out += '.';
  }
  return HOSTNAME.test(out) ? out : undefined;
}

/**
 * Proxied URL or Host header → upstream URL (the path and query of a URL carried over), or
 * undefined when it is not a well-formed proxied address.
 */
export function fromProxied(
  proxied: URL | string,
  gw: Pick<GatewayAddress, 'proxyDomain'>,
  resolveDigest?: (label: string) => string | undefined,
): URL | undefined {
  const host = typeof proxied === 'string' ? proxied : proxied.host;
  const label = proxiedLabel(host, gw.proxyDomain);
  if (!label) return undefined;
  const origin = originOf(label, resolveDigest);
  if (!origin) return undefined;
  if (typeof proxied === 'string') return new URL(`${origin}/`);
  const upstream = new URL(origin);
  upstream.pathname = proxied.pathname;
  upstream.search = proxied.search;
  upstream.hash = proxied.hash;
  return upstream;
}
