/** Assembles the stages for a content type: Find/Replace rules (if any), then URLs (+ HTML fix-ups), then the head snippet for HTML, bytes in and out. */
import { PassThrough, Transform } from 'node:stream';
import { ChunkCarry } from './carry';
import { charsetOf, contentKind, isAsciiCompatible } from './content-types';
import { HeadInsert, ThenHeadInsert } from './head-insert';
import { OriginMap, OriginReporter, type OriginMapOptions } from './origin-map';
import { RulesScanner, type FindReplaceRule } from './rules';
import { UrlStage } from './url-stage';

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
  /** HTML documents only: inserted as the first thing in <head>, after the other stages (head-insert.ts). */
  headHtml?: string;
}

/**
 * The URL mapping: an OriginMap kept by the caller across responses (the proxy keeps one per catalog snapshot),
 * or its two callbacks (mapUrl: upstream absolute URL → proxied one, or undefined when not catalogued; mapHost:
 * host[:port] → proxied host[:port], used when mapUrl does not keep the path as is), cached for this response only.
 */
type Mapping = { origins: OriginMap } | (OriginMapOptions & { origins?: undefined });

export type RewriterOptions = RewriteOf & Mapping;

/** One response body's rewriter: push() each chunk, end() once; each returns the bytes that are final. */
export interface BodyRewriter {
  push(chunk: Buffer): Buffer;
  end(): Buffer;
}

const EMPTY: Buffer = Buffer.alloc(0);

/** The rewriter for a body, or undefined when this body is not rewritten (its type or charset). */
export function createBodyRewriter(options: RewriterOptions): BodyRewriter | undefined {
  const kind = contentKind(options.contentType);
  if (!kind || !isAsciiCompatible(options.charset ?? charsetOf(options.contentType))) return undefined;
  const reporter = options.onUnknownHost && new OriginReporter(options.onUnknownHost);
  const urls = new UrlStage(options.origins ?? new OriginMap(options), kind, schemeOf(options.baseUrl), reporter);
  const rules = new RulesScanner(options.rules ?? []);
  const rewriter = rules.empty ? urls : new RulesThenUrls(new ChunkCarry(rules), urls);
  return kind === 'html' && options.headHtml ? new ThenHeadInsert(rewriter, new HeadInsert(Buffer.from(options.headHtml, 'latin1'))) : rewriter;
}

/** The same as a byte Transform (for bodies that are also decoded or encoded). */
export function createRewriter(options: RewriterOptions): Transform {
  const rewriter = createBodyRewriter(options);
  if (!rewriter) return new PassThrough();
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        const out = rewriter.push(chunk);
        done(null, out.length > 0 ? out : undefined);
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done) {
      try {
        const out = rewriter.end();
        done(null, out.length > 0 ? out : undefined);
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

/** Rules run over latin1 text (one char per byte), so any ASCII-compatible charset comes out byte for byte. */
class RulesThenUrls implements BodyRewriter {
  constructor(
    private readonly rules: ChunkCarry,
    private readonly urls: UrlStage,
  ) {}

  push(chunk: Buffer): Buffer {
    const text = this.rules.push(chunk.toString('latin1'));
    return text.length === 0 ? EMPTY : this.urls.push(Buffer.from(text, 'latin1'));
  }

  end(): Buffer {
    return this.urls.end(Buffer.from(this.rules.end(), 'latin1'));
  }
}

function schemeOf(url: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url);
  return m?.[1]?.toLowerCase() ?? 'https';
}
