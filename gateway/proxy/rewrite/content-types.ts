/** Which response bodies the rewriter understands, from the Content-Type header. */

export type ContentKind = 'html' | 'css' | 'js' | 'json';

const KINDS: Record<string, ContentKind> = {
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/css': 'css',
  'text/javascript': 'js',
  'application/javascript': 'js',
  'application/x-javascript': 'js',
  'text/x-javascript': 'js',
  'text/ecmascript': 'js',
  'application/ecmascript': 'js',
  'application/x-ecmascript': 'js',
  'text/jscript': 'js',
  'application/json': 'json',
  'text/json': 'json',
  'text/x-json': 'json',
  'application/x-json': 'json',
};

/** `text/html; charset=GBK` → `text/html`. */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

export function contentKind(contentType: string): ContentKind | undefined {
  const type = mediaType(contentType);
  return KINDS[type] ?? (type.endsWith('+json') ? 'json' : undefined);
}

/** The `charset` parameter of a Content-Type, lower-cased, when present. */
export function charsetOf(contentType: string): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType);
  return m?.[1]?.toLowerCase();
}

/**
 * The scanner works on the bytes read as latin1, which is exact for every charset in which ASCII bytes
 * only ever mean ASCII characters (UTF-8, GBK, GB18030, Big5, Shift_JIS, EUC-*, ISO-8859-*, windows-125x).
 * UTF-16 and UTF-32 are not: their bodies pass through untouched.
 */
export function isAsciiCompatible(charset: string | undefined): boolean {
  if (!charset) return true;
  const c = charset.toLowerCase();
  return !(c.startsWith('utf-16') || c.startsWith('utf-32') || c.startsWith('ucs-2') || c.startsWith('ucs-4') || c === 'utf16' || c === 'utf32');
}
