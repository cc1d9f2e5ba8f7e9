/**
 * Streaming response rewriting for the proxy, by content type (see README.md in this folder).
 * The pipeline creates one rewriter per response body, after decompression and before re-compression.
 */
import { contentKind } from './content-types';

export { createBodyRewriter, createRewriter, type BodyRewriter, type RewriterOptions } from './rewriter';
export type { FindReplaceRule } from './rules';
export { OriginMap } from './origin-map';

/** text/html, application/xhtml+xml, text/css, JavaScript types, JSON types (incl. +json). */
export function isRewritable(contentType: string): boolean {
  return contentKind(contentType) !== undefined;
}
