import type { Transform } from 'node:stream';
import zlib from 'node:zlib';

/**
 * What happens to a response body: decode (gzip, br, deflate), rewrite, re-encode at a fast level
 * (brotli quality 4 or gzip level 1, as the browser accepts), or nothing at all. Bodies that are not
 * rewritten pass untouched, encoding included, unless the browser cannot read their encoding.
 */
export type Coding = 'gzip' | 'br' | 'deflate';

export interface BodyPlan {
  /** The body reaches the browser as the vendor sent it: length, encoding, Range and 206 kept. */
  untouched: boolean;
  decode?: Coding;
  rewrite: boolean;
  encode?: 'gzip' | 'br';
}

const CODINGS: Record<string, Coding | 'identity'> = { gzip: 'gzip', 'x-gzip': 'gzip', br: 'br', deflate: 'deflate', identity: 'identity', '': 'identity' };

/** Does an Accept-Encoding header accept this coding (q > 0, or `*`)? */
export function accepts(acceptEncoding: string | undefined, coding: string): boolean {
  if (!acceptEncoding) return false;
  let star = false;
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [token = '', ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const ok = !q || Number(q.slice(2)) > 0;
    if (token.trim() === coding) return ok;
    if (token.trim() === '*') star = ok;
  }
  return star;
}

export function planBody(input: { hasBody: boolean; contentEncoding: string | undefined; rewritable: boolean; acceptEncoding: string | undefined }): BodyPlan {
  if (!input.hasBody) return { untouched: true, rewrite: false };
  const coding = CODINGS[(input.contentEncoding ?? '').trim().toLowerCase()];
  if (coding === undefined) return { untouched: true, rewrite: false }; // stacked or unknown (zstd, compress): leave alone
  const decode = coding === 'identity' ? undefined : coding;
  if (input.rewritable) {
    const encode = accepts(input.acceptEncoding, 'br') ? 'br' : accepts(input.acceptEncoding, 'gzip') ? 'gzip' : undefined;
    return { untouched: false, decode, rewrite: true, encode };
  }
  if (decode && !accepts(input.acceptEncoding, decode)) return { untouched: false, decode, rewrite: false };
  return { untouched: true, rewrite: false };
}

export function decoder(coding: Coding): Transform {
  if (coding === 'gzip') return zlib.createGunzip();
  if (coding === 'br') return zlib.createBrotliDecompress();
  return zlib.createInflate();
}

export function encoder(coding: 'gzip' | 'br'): Transform {
  return coding === 'br'
    ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })
    : zlib.createGzip({ level: 1 });
}

/** `text/html; charset=GBK` → { type: 'text/html', charset: 'gbk' } */
export function parseContentType(value: string | undefined): { type: string; charset?: string } {
  const [type = '', ...params] = (value ?? '').split(';');
  const charset = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('charset='));
  return { type: type.trim().toLowerCase(), charset: charset?.slice(8).replace(/^"|"$/g, '').toLowerCase() };
}
