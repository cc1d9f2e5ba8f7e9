import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { cookieScope } from './cookie-shim';
import { rewriteCsp, type CspContext } from './csp';

/**
 * Header rules of the proxy, both directions. Pure functions; the URL mapping is passed in.
 */

/** RFC 9110 §7.6.1 connection-specific fields, plus the non-standard ones proxies must not forward. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function hopByHop(headers: IncomingHttpHeaders): ReadonlySet<string> {
  if (headers.connection === undefined) return HOP_BY_HOP;
  const named = String(headers.connection)
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t && !HOP_BY_HOP.has(t));
  return named.length === 0 ? HOP_BY_HOP : new Set([...HOP_BY_HOP, ...named]);
}

/** Request headers the proxy always decides itself: never copied from the browser. */
const REQUEST_OWN = new Set(['host', 'cookie', 'accept-encoding', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'forwarded', 'x-real-ip', 'referer', 'origin']);

export type ForwardedFor = 'none' | 'append' | 'replace';

export interface RequestHeaderInput {
  headers: IncomingHttpHeaders;
  upstreamHost: string;
  /** Cookie header for the vendor (jar first, then allowed browser cookies), '' for none. */
  cookie: string;
  clientAddress: string | undefined;
  forwardedFor: ForwardedFor;
  /** Proxied URL → upstream URL (Referer, Origin). */
  toUpstream: (proxied: string) => string | undefined;
}

/** What the vendor gets: the browser's end-to-end headers, with Host, Cookie, encodings, Referer/Origin and X-Forwarded-For set by us. */
export function upstreamRequestHeaders(input: RequestHeaderInput): Record<string, string | string[]> {
  const drop = hopByHop(input.headers);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (value === undefined || drop.has(name) || REQUEST_OWN.has(name)) continue;
    out[name] = value;
  }
  out.host = input.upstreamHost;
  out['accept-encoding'] = 'gzip, br';
  if (input.cookie) out.cookie = input.cookie;
  const referer = typeof input.headers.referer === 'string' ? input.toUpstream(input.headers.referer) : undefined;
  if (referer) out.referer = referer;
  const origin = input.headers.origin;
  if (origin) {
    const mapped = origin === 'null' ? 'null' : input.toUpstream(origin);
    if (mapped) out.origin = mapped === 'null' ? 'null' : new URL(mapped).origin;
  }
  if (input.forwardedFor !== 'none' && input.clientAddress) {
    const incoming = input.headers['x-forwarded-for'];
    const previous = input.forwardedFor === 'append' && incoming ? `${String(incoming)}, ` : '';
    out['x-forwarded-for'] = previous + input.clientAddress.replace(/^::ffff:/, '');
  }
  return out;
}

/**
 * The browser cookies a proxied request takes to its vendor (`proxy.browserCookies`): with `forward`, only
 * those the cookie shim scoped to the requested host's resource, under their own names, in the order sent;
 * cookies set around the shim, other resources' and the gateway's own (never scoped) are dropped. `drop`: none.
 */
export function browserCookiesFor(mode: 'forward' | 'drop', cookieHeader: string | undefined, resourceId: string): string[] {
  if (mode === 'drop' || !cookieHeader) return [];
  const scope = cookieScope(resourceId);
  const out: string[] = [];
  for (const pair of cookieHeader.split(';')) {
    const cookie = pair.trim();
    if (!cookie.startsWith(scope)) continue;
    const own = cookie.slice(scope.length);
    // `pw.<id>.=v` is a nameless cookie, which browsers send as its value alone
    if (own.startsWith('=')) {
      if (own.length > 1) out.push(own.slice(1));
    } else if (own.includes('=')) out.push(own);
  }
  return out;
}

/** Jar cookies first; browser cookies only for names the jar does not hold (the jar wins a clash). */
export function mergeCookies(jar: string, browser: readonly string[]): string {
  const jarPairs = jar ? jar.split(';').map((c) => c.trim()).filter(Boolean) : [];
  const names = new Set(jarPairs.map((c) => c.slice(0, c.indexOf('='))));
  return [...jarPairs, ...browser.filter((c) => !names.has(c.slice(0, c.indexOf('='))))].join('; ');
}

/** Response headers never passed to the browser: hop-by-hop, vendor cookies (they go to the jar), and vendor-specific transport hints. */
const RESPONSE_DROP = new Set(['set-cookie', 'alt-svc', 'public-key-pins', 'public-key-pins-report-only']);

export interface ResponseHeaderInput {
  headers: IncomingHttpHeaders;
  /** Absolute or relative URL as found in a header → the proxied URL, or undefined to leave it. */
  mapUrl: (url: string) => string | undefined;
  /** Body is re-encoded (rewritten or decoded): drop the vendor's length and encoding. */
  bodyChanged: boolean;
  /** How Content-Security-Policy headers are fitted to proxied pages (absent: left as sent). */
  csp?: Omit<CspContext, 'mapUrl'>;
}

export function browserResponseHeaders(input: ResponseHeaderInput): OutgoingHttpHeaders {
  const drop = hopByHop(input.headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (value === undefined || drop.has(name) || RESPONSE_DROP.has(name)) continue;
    if (input.bodyChanged && (name === 'content-length' || name === 'content-encoding' || name === 'content-md5' || name === 'digest')) continue;
    out[name] = value;
  }
  for (const name of ['location', 'content-location'] as const) {
    const value = out[name];
    if (typeof value === 'string') out[name] = input.mapUrl(value) ?? value;
  }
  if (typeof out.refresh === 'string') out.refresh = mapRefresh(out.refresh, input.mapUrl);
  if (input.csp) {
    const csp = { ...input.csp, mapUrl: input.mapUrl };
    for (const name of ['content-security-policy', 'content-security-policy-report-only'] as const) {
      const policy = out[name]; // several headers arrive joined with ", ", which CSP reads as several policies
      if (typeof policy === 'string') out[name] = rewriteCsp(policy, csp);
    }
  }
  if (out.link !== undefined) out.link = [out.link].flat().map((v) => mapLink(String(v), input.mapUrl));
  const acao = out['access-control-allow-origin'];
  if (typeof acao === 'string' && acao !== '*' && acao !== 'null') out['access-control-allow-origin'] = originOf(input.mapUrl(acao)) ?? acao;
  if (input.bodyChanged && out.etag !== undefined && !String(out.etag).startsWith('W/')) out.etag = `W/${String(out.etag)}`;
  return out;
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** `Refresh: 5; url=https://vendor/x` */
export function mapRefresh(value: string, mapUrl: (url: string) => string | undefined): string {
  return value.replace(/(url\s*=\s*['"]?)([^'";\s]+)/i, (whole, lead: string, url: string) => {
    const mapped = mapUrl(url);
    return mapped ? lead + mapped : whole;
  });
}

/** `Link: <https://vendor/style.css>; rel=preload, <…>` */
export function mapLink(value: string, mapUrl: (url: string) => string | undefined): string {
  return value.replace(/<([^>]*)>/g, (whole, url: string) => {
    const mapped = mapUrl(url);
    return mapped ? `<${mapped}>` : whole;
  });
}
