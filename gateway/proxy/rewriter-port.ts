/**
 * The seam between the proxy pipeline and the streaming rewriters (gateway/proxy/rewrite/, built
 * in parallel by the rewriter issue). The pipeline only ever uses these two functions:
 * `isRewritable(contentType)` and `createRewriter({ contentType, charset, mapUrl, mapHost, baseUrl, rules })`,
 * a byte Transform that preserves the charset. (Until ./rewrite/index.ts existed, a pass-through
 * stand-in with the same signatures lived here.)
 */
export { createRewriter, isRewritable, type RewriterOptions } from './rewrite';
