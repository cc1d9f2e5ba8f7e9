/**
 * Inserts a snippet (the proxy's cookie shim) as the first thing in an HTML document's <head>: after the
 * doctype (anything before it but a BOM, whitespace and comments switches the page to quirks mode), after
 * `<html …>` and `<head …>` when they are there, else before the first other tag or text (the parser then
 * opens the head itself). Only documents get it: without a doctype, `<html` or `<head` the body is taken
 * for a fragment (HTML an XHR puts into a page) and left as it is. Bytes are read as latin1 (ASCII-compatible
 * charsets only, as in the rest of the rewriter); after the insertion the stage passes bytes through.
 */

import type { BodyRewriter } from './rewriter';

const EMPTY: Buffer = Buffer.alloc(0);
/** A document whose first tag is further in than this is left alone (no real page has that much before it). */
const MAX_HELD = 64 * 1024;
const SPACE = /[\t\n\f\r ]/;
const OPEN_TAG = /<(html|head)(?=[\t\n\f\r />])/iy;
const DOCUMENT_START = /<(?:!doctype|html|head)[\t\n\f\r />]/iy;

type Point = number | 'more' | 'none';

/** Where `snippet` goes in the document that starts with `s` (latin1), 'more' when that is not known yet, 'none' for nowhere. */
export function insertionPoint(s: string, final: boolean): Point {
  const more: Point = final ? 'none' : 'more';
  if (s.startsWith('\xfe\xff') || s.startsWith('\xff\xfe')) return 'none'; // UTF-16 with a BOM, read as latin1
  let i = s.startsWith('\xef\xbb\xbf') ? 3 : 0;
  let document = false;
  for (;;) {
    while (i < s.length && SPACE.test(s.charAt(i))) i++;
    if (i >= s.length) return more;
    if (s.length - i < 10 && !final) return more; // enough to tell `<!doctype ` / `<head>` / `<!-->` apart
    if (s.charAt(i) !== '<') return document ? i : 'none';
    if (s.startsWith('<!--', i)) {
      const end = commentEnd(s, i);
      if (end < 0) return more;
      i = end;
      continue;
    }
    DOCUMENT_START.lastIndex = i;
    if (DOCUMENT_START.test(s)) document = true;
    if (s.startsWith('<!', i) || s.startsWith('<?', i)) {
      const end = s.indexOf('>', i);
      if (end < 0) return more;
      i = end + 1;
      continue;
    }
    OPEN_TAG.lastIndex = i;
    const tag = OPEN_TAG.exec(s)?.[1]?.toLowerCase();
    if (!tag) return document ? i : 'none';
    const end = tagEnd(s, i);
    if (end < 0) return more;
    if (tag === 'head') return end;
    i = end;
  }
}

/** After `<!-- … -->` at i (also the abrupt `<!-->` and `<!--->`), or -1 when it does not end in `s`. */
function commentEnd(s: string, i: number): number {
  if (s.startsWith('<!-->', i)) return i + 5;
  if (s.startsWith('<!--->', i)) return i + 6;
  const end = s.indexOf('-->', i + 4);
  return end < 0 ? -1 : end + 3;
}

/** After the `>` of the tag at i, quoted attribute values skipped, or -1. */
function tagEnd(s: string, i: number): number {
  let quote = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charAt(j);
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return j + 1;
  }
  return -1;
}

/** The stage: holds the start of the body until the insertion point is known, then passes everything through. */
export class HeadInsert implements BodyRewriter {
  private held = EMPTY;
  private done = false;

  constructor(private readonly snippet: Buffer) {}

  push(chunk: Buffer): Buffer {
    return this.done ? chunk : this.decide(chunk, false);
  }

  end(chunk: Buffer = EMPTY): Buffer {
    return this.done ? chunk : this.decide(chunk, true);
  }

  private decide(chunk: Buffer, final: boolean): Buffer {
    const s = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const seen = Math.min(s.length, MAX_HELD);
    let at = insertionPoint(s.toString('latin1', 0, seen), final && seen === s.length);
    if (at === 'more' && seen < s.length) at = 'none';
    if (at === 'more') {
      this.held = s;
      return EMPTY;
    }
    this.done = true;
    this.held = EMPTY;
    return at === 'none' ? s : Buffer.concat([s.subarray(0, at), this.snippet, s.subarray(at)]);
  }
}

/** Runs the body through `inner`, then inserts the snippet into its output. */
export class ThenHeadInsert implements BodyRewriter {
  constructor(
    private readonly inner: BodyRewriter,
    private readonly head: HeadInsert,
  ) {}

  push(chunk: Buffer): Buffer {
    const out = this.inner.push(chunk);
    return out.length === 0 ? EMPTY : this.head.push(out);
  }

  end(): Buffer {
    return this.head.end(this.inner.end());
  }
}
