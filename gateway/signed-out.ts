/**
 * The signed-out page's address carries the outcome of the campus sign-out (ended or not, and
 * which login), HMAC-signed with a key derived from the session secret: a link from elsewhere
 * cannot make the page claim that a campus sign-in was ended.
 */
import { createHmac } from 'node:crypto';
import { sign, unsign } from 'cookie-signature';
import type { SignedOutUrl } from '../idp-adapters/types';

export type SignOutOutcome = 'ended' | 'not-ended';

export class SignedOutPage {
  static readonly PATH = '/signed-out';
  private readonly key: string;

  constructor(secret: string, private readonly publicUrl: URL) {
    this.key = createHmac('sha256', secret).update('passway signed-out outcome v1').digest('base64url');
  }

  /** The page's absolute URL (the campus sends the browser back to it). */
  readonly url: SignedOutUrl = (outcome, loginId) => {
    const url = new URL(SignedOutPage.PATH, this.publicUrl);
    url.searchParams.set('o', sign(`${outcome}:${loginId}`, this.key));
    return url.href;
  };

  /** The outcome a signed value names, or undefined when it is missing or forged. */
  read(value: unknown): { outcome: SignOutOutcome; loginId: string } | undefined {
    if (typeof value !== 'string') return undefined;
    const plain = unsign(value, this.key);
    const match = plain === false ? null : /^(ended|not-ended):(.+)$/.exec(plain);
    return match ? { outcome: match[1] as SignOutOutcome, loginId: match[2]! } : undefined;
  }
}
