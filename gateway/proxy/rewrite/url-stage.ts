/**
 * The URL stage of one response (with the HTML fix-ups for HTML): bytes in, bytes out, in rounds of the
 * compiled scanner. Each round is the carried tail of the last one plus the new chunk, so no chunk boundary
 * splits a match: anchors are taken only with LOOKAHEAD bytes after them (or at the end of the body).
 */
import type { ContentKind } from './content-types';
import type { OriginMap, OriginReporter } from './origin-map';
import { wasmScanner, type RoundHosts } from './wasm-scanner';

const KIND_CODE: Record<ContentKind, number> = { html: 0, css: 1, js: 2, json: 3 };
const EMPTY: Buffer = Buffer.alloc(0);
let lastToken = 0;

export class UrlStage {
  private pending = EMPTY;
  /** First anchor of the next round, in its window. */
  private from = 0;
  private readonly state: Uint8Array;
  private readonly flags: number;
  /** Tells the scanner which response a round belongs to (it reports an unknown host once per response). */
  private readonly token = (lastToken = (lastToken % 0xfffffffe) + 1);
  private readonly hosts: RoundHosts;

  constructor(origins: OriginMap, kind: ContentKind, baseScheme: string, reporter?: OriginReporter) {
    const k = wasmScanner().k;
    this.state = new Uint8Array(k.STATE_SIZE);
    this.flags = (baseScheme === 'https' ? k.BASE_HTTPS : 0) | (kind === 'html' ? k.HTML : 0) | (KIND_CODE[kind] << k.KIND_SHIFT);
    this.hosts = { owner: origins, resolve: (https, host) => origins.resolve(https, host), unknown: reporter && ((host) => reporter.note(host)) };
  }

  /** Feeds bytes; returns the bytes that are final (possibly none). */
  push(chunk: Buffer): Buffer {
    if (this.pending.length + chunk.length - wasmScanner().k.LOOKAHEAD <= this.from) {
      this.pending = Buffer.concat([this.pending, chunk]);
      return EMPTY;
    }
    return this.round(chunk, 0);
  }

  /** Feeds the last bytes and returns everything still held. */
  end(chunk: Buffer = EMPTY): Buffer {
    return this.round(chunk, wasmScanner().k.FINAL);
  }

  private round(chunk: Buffer, final: number): Buffer {
    const scanner = wasmScanner();
    const { out, tail } = scanner.round(this.hosts, this.pending, chunk, this.from, this.flags | final, this.token, this.state);
    this.pending = final ? EMPTY : tail;
    // the next round's anchors start where this round's stopped: LOOKAHEAD bytes before the window's end
    this.from = final ? 0 : Math.max(0, tail.length - scanner.k.LOOKAHEAD);
    return out;
  }
}
