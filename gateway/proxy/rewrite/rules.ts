/**
 * Per-resource Find/Replace rules (EZproxy's `Find`/`Replace`), applied as literal byte strings before URL
 * rewriting, so a rule may produce an upstream URL (`'https://' + 'www.vendor.com'` → `'https://www.vendor.com'`)
 * which the URL scanner then maps: rules never need to know the gateway's host name.
 * At each position the earliest match wins; on a tie, the rule listed first. Replaced text is not re-scanned by rules.
 */
import type { Replace, Scanner } from './carry';

export interface FindReplaceRule {
  find: string;
  replace: string;
}

/** Rules hold byte strings; the stream is latin1 text, so UTF-8 rule text is converted to its latin1 view. */
function asLatin1(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export class RulesScanner implements Scanner {
  readonly lookahead: number;
  readonly lookbehind = 0;
  private readonly rules: FindReplaceRule[];

  constructor(rules: FindReplaceRule[]) {
    this.rules = rules.filter((r) => r.find.length > 0).map((r) => ({ find: asLatin1(r.find), replace: asLatin1(r.replace) }));
    this.lookahead = Math.max(0, ...this.rules.map((r) => r.find.length));
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  scan(s: string, from: number, limit: number, _final: boolean, replace: Replace): void {
    const next = this.rules.map((r) => s.indexOf(r.find, from));
    let pos = from;
    for (;;) {
      let best = -1;
      let rule: FindReplaceRule | undefined;
      for (let i = 0; i < this.rules.length; i++) {
        const r = this.rules[i] as FindReplaceRule;
        let at = next[i] as number;
        if (at !== -1 && at < pos) next[i] = at = s.indexOf(r.find, pos);
        if (at !== -1 && (best === -1 || at < best)) {
          best = at;
          rule = r;
        }
      }
      if (best === -1 || best >= limit || !rule) return;
      replace(best, best + rule.find.length, rule.replace);
      pos = best + rule.find.length;
    }
  }
}
