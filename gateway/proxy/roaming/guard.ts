import type { IncomingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import type { RoamingLogin } from '../../../resource-catalog/roaming';
import type { Credential } from './credentials';

/**
 * What a reader of a roaming account must never see, judged on what the vendor sends: the
 * credential echoed (a "welcome, libuser01" banner, an account page), the recipe's block patterns,
 * and the account, password-change and sign-out pages. Also the signs of an ended vendor session.
 */

/** The vendor showed something of the account: the response is refused with a page. */
export class CredentialEcho extends Error {
  readonly code = 'PASSWAY_ROAMING_ECHO';
}

/** The vendor session ended (redirected to sign-in, or its text says so): sign in again once and repeat. */
export class VendorSessionEnded extends Error {
  readonly code = 'PASSWAY_ROAMING_EXPIRED';
}

/** Text types a vendor page, script or API answer comes in: held and checked before the browser sees them. */
export function isCheckedType(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type.startsWith('text/') || /(?:json|javascript|ecmascript|xml)/.test(type) || type === '';
}

/** The forms a value takes in a vendor response: as is, URL-encoded, HTML-escaped. */
function formsOf(value: string): string[] {
  const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return [...new Set([value, encodeURIComponent(value), escaped])].map((v) => v.toLowerCase());
}

export class RoamingGuard {
  private readonly paths: RegExp[];
  private readonly patterns: RegExp[];
  private readonly endedRedirect?: RegExp;
  private readonly signInPath?: { origin: string; path: string };

  constructor(private readonly recipe: RoamingLogin) {
    this.paths = recipe.block.paths.map((p) => new RegExp(p, 'i'));
    this.patterns = recipe.block.patterns.map((p) => new RegExp(p, 'i'));
    this.endedRedirect = recipe.expired.redirect ? new RegExp(recipe.expired.redirect) : undefined;
    const page = recipe.form ?? recipe.action;
    if (page) this.signInPath = { origin: new URL(page).origin, path: new URL(page).pathname };
  }

  /** An account, password-change or sign-out page of the vendor: never fetched through the proxy. */
  blockedPath(url: URL): boolean {
    const pathAndQuery = url.pathname + url.search;
    return this.paths.some((p) => p.test(pathAndQuery));
  }

  /** The head of a vendor response: an ended session (redirect to the sign-in page), or the credential in a header. */
  checkHead(status: number, headers: IncomingHttpHeaders, credential: Credential, base: URL): void {
    const location = headers.location ? new URL(String(headers.location), base) : undefined;
    if (location && status >= 300 && status < 400) {
      const ended = this.endedRedirect ? this.endedRedirect.test(location.href) : !!this.signInPath && location.origin === this.signInPath.origin && location.pathname === this.signInPath.path;
      if (ended) throw new VendorSessionEnded('the vendor sent the reader to its sign-in page');
    }
    if (status === 401) throw new VendorSessionEnded('the vendor answered 401');
    const text = Object.entries(headers)
      .filter(([name]) => name !== 'set-cookie') // kept in the server-side jar, never sent to the browser
      .map(([, value]) => [value ?? ''].flat().join('\n'))
      .join('\n');
    this.checkText(text, credential);
  }

  /** A held body (decoded here): the credential, a block pattern, or a text that means the session ended. */
  checkBody(raw: Buffer, contentEncoding: string | undefined, credential: Credential): void {
    const text = decode(raw, contentEncoding).toString('latin1'); // ASCII credentials match in UTF-8 and GBK bytes alike
    if (this.recipe.expired.text.some((t) => text.includes(Buffer.from(t, 'utf8').toString('latin1')))) throw new VendorSessionEnded('the vendor page says the session ended');
    this.checkText(text, credential);
  }

  private checkText(text: string, credential: Credential): void {
    const lower = text.toLowerCase();
    for (const value of [credential.username, credential.password]) {
      if (formsOf(value).some((form) => lower.includes(form))) throw new CredentialEcho('the vendor response shows the roaming account');
    }
    if (this.patterns.some((p) => p.test(text))) throw new CredentialEcho('the vendor response matches a block pattern');
  }
}

function decode(raw: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return raw;
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(raw);
    case 'br':
      return zlib.brotliDecompressSync(raw);
    case 'deflate':
      return zlib.inflateSync(raw);
    default:
      throw new CredentialEcho(`a body in ${encoding} cannot be checked for the account`);
  }
}
