/**
 * Chunk carry (for the Find/Replace rules): runs a Scanner over a stream of latin1 text so that a chunk boundary never splits a match.
 * Each round scans only anchors that have `lookahead` characters of text after them; the rest of the text
 * (plus `lookbehind` characters a later anchor may still read or replace) is carried into the next round.
 */

/** Text [start, end) of the scanned string is replaced by `text`. */
export type Replace = (start: number, end: number, text: string) => void;

export interface Scanner {
  /** Most characters after an anchor's position the scanner needs to see to decide about it. */
  readonly lookahead: number;
  /** Most characters before an anchor's position the scanner may read or replace. */
  readonly lookbehind: number;
  /**
   * Visit anchors at positions in [from, limit) of `s`, reporting replacements in increasing, non-overlapping
   * order. Replacements never start before 0. `final` is true when no text follows `s`.
   */
  scan(s: string, from: number, limit: number, final: boolean, replace: Replace): void;
}

export class ChunkCarry {
  private pending = '';
  private scanFrom = 0;

  constructor(private readonly scanner: Scanner) {}

  /** Feeds text; returns the text that is final (possibly empty). */
  push(text: string): string {
    return this.run(this.pending.length === 0 ? text : this.pending + text, false);
  }

  /** Feeds the last text and returns everything still held. */
  end(text = ''): string {
    return this.run(this.pending + text, true);
  }

  private run(s: string, final: boolean): string {
    const { lookahead, lookbehind } = this.scanner;
    const limit = final ? s.length : s.length - lookahead;
    if (!final && limit <= this.scanFrom) {
      this.pending = s;
      return '';
    }
    const parts: string[] = [];
    let pointer = 0;
    this.scanner.scan(s, this.scanFrom, limit, final, (start, end, text) => {
      parts.push(s.slice(pointer, start), text);
      pointer = end;
    });
    const keep = final ? s.length : Math.max(pointer, limit - lookbehind);
    // join() gives a flat string: the next stage's scans and the socket write would otherwise flatten a deep rope
    const out = parts.length === 0 ? s.slice(0, keep) : (parts.push(s.slice(pointer, keep)), parts.join(''));
    this.pending = final ? '' : s.slice(keep);
    this.scanFrom = final ? 0 : Math.max(0, limit - keep);
    return out;
  }
}
