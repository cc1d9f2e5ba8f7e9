import type { ServerResponse } from 'node:http';

/**
 * Vendor JavaScript cookies, scoped to the resource whose page set them.
 *
 * Every proxied host is one label under the proxy domain, so a cookie a vendor script sets for a parent
 * domain (analytics set theirs for the highest domain they may) would be sent by the browser to every
 * other vendor's proxied host too, and the Cookie header does not say who set it. So each proxied HTML
 * page loads this shim first (from its own origin, so `script-src 'self'` allows it; csp.ts adds its exact
 * path to rewritten policies), and the shim wraps `document.cookie`:
 *
 * - set: the name becomes `pw.<resource id>.<name>` (ids are lower-case letters, digits and hyphens, never a
 *   dot, so one resource's prefix is never the start of another's); a non-empty Domain becomes the proxy
 *   domain, so the resource's other hosts (www and cdn of one vendor) see it; everything else stays.
 * - get: only this resource's cookies, under their own names.
 * - `window.cookieStore` is removed, so it cannot go around the scoping (sites fall back to document.cookie).
 *
 * The proxy forwards only the cookies scoped to the requested host's resource (headers.ts browserCookiesFor).
 * A cookie set around the shim is never forwarded. The shim is not a wall against a hostile script (an
 * about:blank frame's own Document.prototype is not wrapped), it keeps ordinary vendor scripts apart.
 */

export const COOKIE_SHIM_PATH = '/.passway/cookies.js';

/** The name prefix of a resource's cookies in the browser. */
export const cookieScope = (resourceId: string): string => `pw.${resourceId}.`;

/** The start of every proxied HTML page: the shim, before any of the vendor's scripts (with the policy's nonce under 'strict-dynamic'). */
export function cookieShimTag(nonce?: string): string {
  return `<script src="${COOKIE_SHIM_PATH}"${nonce ? ` nonce="${nonce.replace(/[^A-Za-z0-9+/=_-]/g, '')}"` : ''}></script>`;
}

/** Dependency-free, ES5: `scope` is the prefix, `domain` the proxy domain. Installs itself once per realm. */
const SHIM = `(function (scope, domain) {
  'use strict';
  var proto = Document.prototype;
  var native = Object.getOwnPropertyDescriptor(proto, 'cookie');
  if (!native && typeof HTMLDocument !== 'undefined') native = Object.getOwnPropertyDescriptor((proto = HTMLDocument.prototype), 'cookie');
  if (!native || !native.get || !native.set || native.get.passwayScope) return;
  function write(text) {
    var parts = String(text).split(';');
    var pair = parts[0];
    var eq = pair.indexOf('=');
    if (pair.trim() === '') return undefined;
    var out = scope + (eq < 0 ? '=' + pair.trim() : pair.slice(0, eq).trim() + '=' + pair.slice(eq + 1).trim());
    for (var i = 1; i < parts.length; i++) {
      var attr = parts[i].trim();
      var at = attr.indexOf('=');
      if (at > 0 && attr.slice(0, at).trim().toLowerCase() === 'domain' && attr.slice(at + 1).trim() !== '') attr = 'domain=' + domain;
      if (attr !== '') out += '; ' + attr;
    }
    return out;
  }
  function read(all) {
    var out = [];
    var list = String(all).split(';');
    for (var i = 0; i < list.length; i++) {
      var c = list[i].trim();
      if (c.indexOf(scope) !== 0) continue;
      c = c.slice(scope.length);
      out.push(c.charAt(0) === '=' ? c.slice(1) : c);
    }
    return out.join('; ');
  }
  var get = function () { return read(native.get.call(this)); };
  get.passwayScope = scope;
  Object.defineProperty(proto, 'cookie', {
    configurable: true,
    enumerable: native.enumerable,
    get: get,
    set: function (value) {
      var scoped = write(value);
      if (scoped !== undefined) native.set.call(this, scoped);
    }
  });
  if ('cookieStore' in window) {
    try { delete window.cookieStore; if (typeof Window !== 'undefined') delete Window.prototype.cookieStore; } catch (e) {}
    if ('cookieStore' in window) Object.defineProperty(window, 'cookieStore', { value: undefined, configurable: true });
  }
})`;

/** The shim for one resource's hosts. */
export function cookieShimScript(resourceId: string, proxyDomain: string): string {
  return `${SHIM}(${JSON.stringify(cookieScope(resourceId))}, ${JSON.stringify(proxyDomain)});\n`;
}

/** Served on every proxied host, without a session (it holds nothing but the resource id); cached briefly, as a catalog change may move a host. */
export function sendCookieShim(res: ServerResponse, resourceId: string, proxyDomain: string): void {
  const body = cookieShimScript(resourceId, proxyDomain);
  res.writeHead(200, {
    'Content-Type': 'text/javascript; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'private, max-age=600',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}
