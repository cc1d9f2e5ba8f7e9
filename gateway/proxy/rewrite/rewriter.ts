/** Assembles the stages for a content type and runs them as a byte Transform over latin1 text. */
import { PassThrough, Transform } from 'node:stream';
import { ChunkCarry, StageChain } from './carry';
import { CombinedScanner } from './combined';
import { charsetOf, contentKind, isAsciiCompatible, type ContentKind } from './content-types';
import { HtmlFixupScanner } from './html-fixups';
import { OriginMap, OriginReporter, type OriginMapOptions } from './origin-map';
import { RulesScanner, type FindReplaceRule } from './rules';
import { PROTOCOL_RELATIVE_LEADS, UrlScanner } from './url-scanner';

interface RewriteOf {
  /** The response Content-Type (with parameters). */
  contentType: string;
  /** From Content-Type, when known; overrides its charset parameter. */
  charset?: string;
  /** The upstream URL of this response: its scheme is the scheme of protocol-relative `//host` forms. */
  baseUrl: string;
  /** Per-resource Find/Replace (EZproxy), literal byte strings, applied before URL rewriting. */
  rules?: FindReplaceRule[];
  /** Called once per response for each host of an absolute URL that is not catalogued. */
  onUnknownHost?: (host: string) => void;
}

/**
 * The URL mapping: an OriginMap kept by the caller across responses (the proxy keeps one per catalog snapshot),
 * or its two callbacks (mapUrl: upstream absolute URL → proxied one, or undefined when not catalogued; mapHost:
 * host[:port] → proxied host[:port], used when mapUrl does not keep the path as is), cached for this response only.
 */
type Mapping = { origins: OriginMap } | (OriginMapOptions & { origins?: undefined });

export type RewriterOptions = RewriteOf & Mapping;

/**
 * The rewriter as a plain object over latin1 text (one char per byte): push() each chunk, end() once;
 * each returns the text that is final. Undefined when this body is not rewritten (type or charset).
 */
export function createTextRewriter(options: RewriterOptions): StageChain | undefined {
  const kind = contentKind(options.contentType);
  if (!kind || !isAsciiCompatible(options.charset ?? charsetOf(options.contentType))) return undefined;
  return new StageChain(stagesFor(kind, options));
}

/** The same as a byte Transform (for bodies that are also decoded or encoded). */
export function createRewriter(options: RewriterOptions): Transform {
  const chain = createTextRewriter(options);
  if (!chain) return new PassThrough();
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        const out = chain.push(chunk.toString('latin1'));
        done(null, out.length > 0 ? Buffer.from(out, 'latin1') : undefined);
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done) {
      try {
        const out = chain.end();
        done(null, out.length > 0 ? Buffer.from(out, 'latin1') : undefined);
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

function stagesFor(kind: ContentKind, options: RewriterOptions): ChunkCarry[] {
  const stages: ChunkCarry[] = [];
  const rules = new RulesScanner(options.rules ?? []);
  if (!rules.empty) stages.push(new ChunkCarry(rules));
  const urls = new UrlScanner({
    origins: options.origins ?? new OriginMap(options),
    reporter: options.onUnknownHost && new OriginReporter(options.onUnknownHost),
    baseScheme: schemeOf(options.baseUrl),
    protocolRelativeLeads: PROTOCOL_RELATIVE_LEADS[kind],
  });
  // URLs and HTML fix-ups never overlap: one pass over the text for both
  stages.push(new ChunkCarry(kind === 'html' ? new CombinedScanner(urls, new HtmlFixupScanner()) : urls));
  return stages;
}

function schemeOf(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  return m?.[1]?.toLowerCase() ?? 'https';
}
