import { rewriteCsp, shimNonce, type CspContext } from '../../gateway/proxy/csp';
import { browserResponseHeaders } from '../../gateway/proxy/headers';

/** Vendor CSP headers fitted to proxied pages (gateway/proxy/csp.ts). Catalogued: www.vendor.com, cdn.vendor.com:8443, *.vendor-cdn.com. */
function mapUrl(url: string): string | undefined {
  const u = new URL(url);
  const claimed = ['www.vendor.com', 'cdn.vendor.com:8443'].includes(u.host) || u.hostname.endsWith('.vendor-cdn.com');
  return claimed ? `https://${u.host.replace(/-/g, '--').replace(/[.:]/g, '-')}.p.gw.example.edu${u.pathname}${u.search}` : undefined;
}
const ctx: CspContext = { mapUrl, proxiedWildcard: 'https://*.p.gw.example.edu', secureGateway: true };

describe('Content-Security-Policy of proxied pages', () => {
  it('names the proxied origins of catalogued hosts, with or without scheme, port or path, and keeps the rest', () => {
    expect(rewriteCsp("default-src 'self' https://www.vendor.com cdn.vendor.com:8443/js/ https://fonts.example.net data: blob: *", ctx)).toBe(
      "default-src 'self' https://www-vendor-com.p.gw.example.edu https://cdn-vendor-com-8443.p.gw.example.edu/js/ https://fonts.example.net data: blob: *",
    );
  });

  it('turns a wildcard over a catalogued domain into the proxy wildcard, and only then', () => {
    expect(rewriteCsp('img-src *.vendor-cdn.com https://*.vendor-cdn.com/img/ *.other.example', ctx)).toBe(
      'img-src https://*.p.gw.example.edu https://*.p.gw.example.edu/img/ *.other.example',
    );
  });

  it('drops hashes of inline code the rewriter may change, allowing inline code unless a nonce is left', () => {
    expect(rewriteCsp("script-src 'self' 'sha256-abc=' 'strict-dynamic'; style-src 'sha384-def=' 'nonce-r4nd0m'; img-src 'self'", ctx)).toBe(
      "script-src 'self' 'unsafe-inline'; style-src 'nonce-r4nd0m'; img-src 'self'",
    );
    expect(rewriteCsp("script-src 'self' 'nonce-a' 'sha256-abc='", ctx)).toBe("script-src 'self' 'nonce-a'");
    expect(rewriteCsp("script-src 'self' 'unsafe-inline'", ctx)).toBe("script-src 'self' 'unsafe-inline'");
  });

  it('maps report-uri and drops https-only directives behind a plain-http gateway', () => {
    const http = { ...ctx, secureGateway: false };
    expect(rewriteCsp('upgrade-insecure-requests; block-all-mixed-content; report-uri https://www.vendor.com/csp', http)).toBe(
      'report-uri https://www-vendor-com.p.gw.example.edu/csp',
    );
    expect(rewriteCsp('upgrade-insecure-requests', ctx)).toBe('upgrade-insecure-requests');
  });

  it('rewrites each of several policies and leaves other directives and schemes alone', () => {
    expect(rewriteCsp("frame-ancestors 'none'; sandbox allow-scripts, connect-src wss://www.vendor.com ftp://www.vendor.com https://www.vendor.com:*", ctx)).toBe(
      "frame-ancestors 'none'; sandbox allow-scripts, connect-src wss://www.vendor.com ftp://www.vendor.com https://www.vendor.com:*",
    );
  });

  it('is applied to both CSP response headers by the proxy', () => {
    const out = browserResponseHeaders({
      headers: { 'content-security-policy': 'script-src https://www.vendor.com', 'content-security-policy-report-only': 'img-src www.vendor.com' },
      mapUrl,
      bodyChanged: true,
      csp: { proxiedWildcard: ctx.proxiedWildcard, secureGateway: true },
    });
    expect(out['content-security-policy']).toBe('script-src https://www-vendor-com.p.gw.example.edu');
    expect(out['content-security-policy-report-only']).toBe('img-src https://www-vendor-com.p.gw.example.edu');
  });

  describe('the cookie shim', () => {
    const shim = 'https://www-vendor-com.p.gw.example.edu/.passway/cookies.js';
    const withShim = { ...ctx, cookieShim: shim };

    it('is allowed by its exact URL in the directive that governs script elements, in every policy', () => {
      expect(rewriteCsp("default-src 'self'; img-src *", withShim)).toBe(`default-src 'self' ${shim}; img-src *`);
      expect(rewriteCsp("default-src 'none'; script-src 'unsafe-inline'", withShim)).toBe(`default-src 'none'; script-src 'unsafe-inline' ${shim}`);
      expect(rewriteCsp("script-src 'self'; script-src-elem https://www.vendor.com", withShim)).toBe(`script-src 'self'; script-src-elem https://www-vendor-com.p.gw.example.edu ${shim}`);
      expect(rewriteCsp("script-src 'self', img-src 'self'", withShim)).toBe(`script-src 'self' ${shim}, img-src 'self'`);
    });

    it('is not added where no script may run, or where scripts are not restricted', () => {
      expect(rewriteCsp("script-src 'none'", withShim)).toBe("script-src 'none'");
      expect(rewriteCsp("default-src 'none'", withShim)).toBe("default-src 'none'");
      expect(rewriteCsp("img-src 'self'; frame-ancestors 'none'", withShim)).toBe("img-src 'self'; frame-ancestors 'none'");
    });

    it('takes the policy’s nonce under strict-dynamic (where URLs do not count), and only there', () => {
      expect(shimNonce("script-src 'nonce-r4nd0m' 'strict-dynamic'; object-src 'none'")).toBe('r4nd0m');
      expect(shimNonce("default-src 'self' 'nonce-a+b/c=' 'strict-dynamic'")).toBe('a+b/c=');
      expect(shimNonce("img-src 'self', script-src-elem 'strict-dynamic' 'nonce-second'")).toBe('second');
      expect(shimNonce("script-src 'self' 'nonce-r4nd0m'")).toBeUndefined();
      expect(shimNonce("script-src 'nonce-x'; script-src-elem 'strict-dynamic' 'sha256-abc='")).toBeUndefined();
      expect(shimNonce(undefined)).toBeUndefined();
    });
  });
});
