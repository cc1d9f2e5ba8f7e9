/**
 * Several scanners in one pass over the text (one carry, one copy) when their matches can never overlap,
 * e.g. URLs and HTML attribute fix-ups. Replacements are merged in position order.
 */
import type { Replacement, Scanner } from './carry';

export class CombinedScanner implements Scanner {
  readonly lookahead: number;
  readonly lookbehind: number;

  constructor(private readonly scanners: Scanner[]) {
    this.lookahead = Math.max(...scanners.map((s) => s.lookahead));
    this.lookbehind = Math.max(...scanners.map((s) => s.lookbehind));
  }

  scan(s: string, from: number, limit: number, final: boolean, replace: (r: Replacement) => void): void {
    const found: Replacement[] = [];
    for (const scanner of this.scanners) scanner.scan(s, from, limit, final, (r) => found.push(r));
    if (this.scanners.length > 1) found.sort((a, b) => a.start - b.start);
    let end = 0;
    for (const r of found) {
      if (r.start < end) continue; // overlapping: the earlier one wins (does not happen for disjoint scanners)
      replace(r);
      end = r.end;
    }
  }

  emitted(text: string): void {
    for (const scanner of this.scanners) scanner.emitted?.(text);
  }
}
