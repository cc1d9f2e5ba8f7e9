/**
 * Two scanners in one pass over the text (one carry, one copy) when their matches can never overlap,
 * e.g. URLs and HTML attribute fix-ups. The second one's replacements are few: they are collected first and
 * merged into the first one's as those stream out, in position order (the first scanner wins a tie).
 */
import type { Replace, Scanner } from './carry';

export class CombinedScanner implements Scanner {
  readonly lookahead: number;
  readonly lookbehind: number;

  constructor(
    private readonly main: Scanner,
    private readonly sparse: Scanner,
  ) {
    this.lookahead = Math.max(main.lookahead, sparse.lookahead);
    this.lookbehind = Math.max(main.lookbehind, sparse.lookbehind);
  }

  scan(s: string, from: number, limit: number, final: boolean, replace: Replace): void {
    const few: (number | string)[] = [];
    this.sparse.scan(s, from, limit, final, (start, end, text) => few.push(start, end, text));
    if (few.length === 0) {
      this.main.scan(s, from, limit, final, replace);
      return;
    }
    let next = 0;
    let end = 0;
    const emit = (start: number, stop: number, text: string) => {
      if (start < end) return; // overlapping: the earlier one wins (does not happen for disjoint scanners)
      replace(start, stop, text);
      end = stop;
    };
    const flushBefore = (position: number) => {
      while (next < few.length && (few[next] as number) < position) {
        emit(few[next] as number, few[next + 1] as number, few[next + 2] as string);
        next += 3;
      }
    };
    this.main.scan(s, from, limit, final, (start, stop, text) => {
      flushBefore(start);
      emit(start, stop, text);
    });
    flushBefore(Infinity);
  }

  emitted(text: string): void {
    this.main.emitted?.(text);
    this.sparse.emitted?.(text);
  }
}
