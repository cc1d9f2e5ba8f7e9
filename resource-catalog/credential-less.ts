import type { Decision } from './policy';
import type { Resource } from './schema';

/**
 * Requests that arrive at a proxied host without the reader's session: browsers send no cookie with
 * `crossorigin="anonymous"` stylesheets and scripts, `@font-face` fonts, `fetch(…, {credentials: 'omit'})`
 * and every CORS preflight. Pure, like decide(): Access.authorize() asks here for a request without a
 * signed-in session. What may pass, in this order:
 *
 * - never a URL matching the resource's item patterns (a licensed full-text item), nor one an
 *   anonymous exception ("-https://…") names;
 * - a CORS preflight (OPTIONS with Access-Control-Request-Method): relayed without its body, so only
 *   the vendor's CORS headers come back;
 * - GET/HEAD of a URL matching one of the resource's anonymous patterns (EZproxy AnonymousURL);
 * - GET/HEAD of a stylesheet or web font by its path's extension (not by the browser's Sec-Fetch-Dest,
 *   which anyone can send: a PDF asked for "as a font" would still reach the vendor, count there as a
 *   download and could trip its robot limits for the whole library), and only when the response turns
 *   out to be CSS or a font: a `.css` URL that answers with an article page is refused before any byte
 *   of it reaches the browser (a 304 revalidation, which has no body, passes).
 *
 * The request only ever reaches a host of `resource` (the proxy found the resource by the URL's host),
 * and a pattern's host must be one of its hosts (checked when the catalog is parsed), so no pattern
 * opens an uncatalogued host.
 */

export interface CredentialLessRequest {
  /** The upstream URL. */
  url: URL;
  method: string;
  /** OPTIONS with an Access-Control-Request-Method header. */
  preflight: boolean;
}

/** Why a credential-less request may pass, and what the proxy must still check. */
export interface CredentialLessGrant {
  why: 'preflight' | 'anonymous-pattern' | 'style-or-font';
  /** The response body is not relayed (a preflight). */
  bodyless?: true;
  /** The response must have one of these media types, else it is refused. */
  contentTypes?: RegExp;
}

/** Stylesheets and web fonts (RFC 8081 font/*, and the older names servers still send). */
export const STYLE_OR_FONT_TYPE = /^(?:text\/css|font\/[a-z0-9.+-]+|application\/(?:font-woff2?|font-sfnt|x-font-[a-z0-9.+-]+|vnd\.ms-fontobject))$/i;
const STYLE_OR_FONT_PATH = /\.(?:css|woff2?|ttf|otf|eot)$/i;

interface Compiled {
  allow: RegExp[];
  except: RegExp[];
  items: RegExp[];
}

const compiled = new WeakMap<Resource, Compiled>();

/** An anonymous pattern as a regular expression over `scheme://host[:port]/path?query` (default ports left out). */
export function anonymousPatternRegExp(pattern: string): RegExp {
  const m = /^-?(https?):\/\/(\*\.)?([^/]+)(\/.*)?$/i.exec(pattern);
  if (!m) throw new Error(`not an anonymous URL pattern: ${pattern}`);
  const [, scheme = '', wildcard, rawHost = '', path = '/'] = m;
  const defaultPort = scheme.toLowerCase() === 'https' ? ':443' : ':80';
  const host = rawHost.toLowerCase().endsWith(defaultPort) ? rawHost.slice(0, -defaultPort.length) : rawHost;
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const glob = path.split('*').map(escape).join('.*');
  return new RegExp(`^${scheme}://${wildcard ? '(?:[a-z0-9-]+\\.)+' : ''}${escape(host)}${glob}$`, 'i');
}

function compile(resource: Resource): Compiled {
  let patterns = compiled.get(resource);
  if (!patterns) {
    const anonymous = resource.anonymous ?? [];
    patterns = {
      allow: anonymous.filter((p) => !p.startsWith('-')).map(anonymousPatternRegExp),
      except: anonymous.filter((p) => p.startsWith('-')).map(anonymousPatternRegExp),
      items: (resource.patterns?.item ?? []).map((source) => new RegExp(source)),
    };
    compiled.set(resource, patterns);
  }
  return patterns;
}

/** May this request without a session pass, and on what terms? */
export function decideCredentialLess(resource: Resource, request: CredentialLessRequest): Decision {
  const method = resource.access.find((m) => m.kind === 'proxy');
  const refused: Decision = { allow: false, reason: 'sign-in-required' };
  if (!method) return refused;
  const patterns = compile(resource);
  const href = `${request.url.protocol}//${request.url.host}${request.url.pathname}${request.url.search}`;
  if (patterns.items.some((p) => p.test(request.url.href)) || patterns.except.some((p) => p.test(href))) return refused;
  if (request.preflight && request.method === 'OPTIONS') return { allow: true, method, credentialLess: { why: 'preflight', bodyless: true } };
  if (request.method !== 'GET' && request.method !== 'HEAD') return refused;
  if (patterns.allow.some((p) => p.test(href))) return { allow: true, method, credentialLess: { why: 'anonymous-pattern' } };
  if (STYLE_OR_FONT_PATH.test(request.url.pathname)) {
    return { allow: true, method, credentialLess: { why: 'style-or-font', contentTypes: STYLE_OR_FONT_TYPE } };
  }
  return refused;
}
