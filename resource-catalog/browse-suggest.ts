/**
 * Fixes that `passway vendor check --browse` suggests for a request that left the proxy (pure).
 *
 * - A host no resource claims gets a host rule.
 * - A URL of a claimed host that still left the proxy was built by a script from pieces the rewriter cannot
 *   see as one URL (`'http://' + 'cdn.vendor.com'`). The suggested Find/Replace puts the whole URL (or origin)
 *   in one string literal, which the proxy then maps like any other (the rule runs before URLs are rewritten).
 */

export interface HostRuleSuggestion {
  host: string;
  /** Only when the host resolves to a private or loopback address (on-campus or test services). */
  allowPrivate?: true;
}

export interface FindReplaceSuggestion {
  find: string;
  replace: string;
  /** False when the pieces include variables: the suggestion assumes what they held at run time, check before use. */
  exact: boolean;
}

export function suggestHostRule(host: string, privateAddress: boolean): HostRuleSuggestion {
  return privateAddress ? { host, allowPrivate: true } : { host };
}

const LITERAL = String.raw`'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"`;
const NAME = String.raw`[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*`;
const PLUS = String.raw`\s*\+\s*`;
/** A string literal followed by one or more `+ literal` / `+ name` operands. */
const CHAIN = new RegExp(`(?:${LITERAL})(?:${PLUS}(?:${LITERAL}|${NAME}))+`, 'g');
const OPERAND = new RegExp(`${PLUS}|(${LITERAL})|(${NAME})`, 'y');

interface Operand {
  literal?: string;
  name?: string;
}

function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, '$1');
}

function operands(chain: string): Operand[] {
  const out: Operand[] = [];
  OPERAND.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (OPERAND.lastIndex < chain.length && (m = OPERAND.exec(chain))) {
    if (m[1] !== undefined) out.push({ literal: unquote(m[1]) });
    else if (m[2] !== undefined) out.push({ name: m[2] });
  }
  return out;
}

/** The literal text the chain starts with, up to its first variable. */
function leadingText(parts: Operand[]): string {
  let text = '';
  for (const part of parts) {
    if (part.literal === undefined) break;
    text += part.literal;
  }
  return text;
}

function proposal(chain: string, url: URL): FindReplaceSuggestion | undefined {
  const parts = operands(chain);
  const href = url.href;
  const lead = leadingText(parts);
  const schemeLess = href.slice(url.protocol.length);
  // The chain must start the URL, from its scheme ("http:/", "https://") or its "//" on.
  const starts = /^(https?:\/|\/\/)/i.test(lead) && (href.startsWith(lead) || (lead.startsWith('//') && schemeLess.startsWith(lead)));
  if (!starts) return undefined;
  const quote = chain[0]!;
  const literal = (text: string) => `${quote}${text.replaceAll('\\', '\\\\').replaceAll(quote, `\\${quote}`)}${quote}`;
  if (parts.every((p) => p.literal !== undefined)) {
    // Only literals: the rule is exact (a prefix of the URL, scheme and all).
    return lead.startsWith('//') ? { find: chain, replace: literal(`${url.protocol}${lead}`), exact: true } : { find: chain, replace: literal(lead), exact: true };
  }
  // Variables in the chain: ending in a literal that ends the URL's path, it built the whole URL; else the origin.
  const last = parts[parts.length - 1]!;
  const tail = last.literal;
  const path = href.slice(url.origin.length).split(/[?#]/)[0]!;
  const whole = tail !== undefined && tail.length > 0 && path.endsWith(tail.split(/[?#]/)[0]!);
  return { find: chain, replace: literal(whole ? url.origin + path : url.origin), exact: false };
}

/**
 * A Find/Replace that makes `escaped` (an absolute URL) one string literal in `source`, found on `line`
 * (0-based) when given and else anywhere in it; undefined when no string concatenation builds it.
 */
export function suggestFindReplace(escaped: string, source: string, line?: number, column?: number): FindReplaceSuggestion | undefined {
  let url: URL;
  try {
    url = new URL(escaped);
  } catch {
    return undefined;
  }
  const lines = source.split('\n');
  const candidates = (text: string) => [...text.matchAll(CHAIN)].map((m) => ({ at: m.index, chain: m[0] }));
  if (line !== undefined && lines[line] !== undefined) {
    const here = candidates(lines[line]!)
      .map((c) => ({ ...c, suggestion: proposal(c.chain, url) }))
      .filter((c) => c.suggestion);
    // The chain nearest before the column the request came from, else the first on the line.
    const near = column === undefined ? undefined : here.filter((c) => c.at <= column).at(-1);
    const pick = near ?? here[0];
    if (pick) return pick.suggestion;
  }
  for (const c of candidates(source)) {
    const suggestion = proposal(c.chain, url);
    if (suggestion) return suggestion;
  }
  return undefined;
}
