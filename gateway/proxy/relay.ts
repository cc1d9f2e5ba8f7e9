import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline, type Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { BodyRewriter } from './rewrite';

/**
 * How a response body reaches the browser:
 * - `raw`: the vendor's bytes as they are (PDF, images, downloads; Range and 206 kept);
 * - `rewrite`: a synchronous rewriter (push/end, bytes in and out), its output written straight to the socket;
 * - `streams`: Transform stages (decode, rewrite, encode) piped to the browser;
 * - `none`: the head only, the vendor's body read and dropped (a CORS preflight relayed without a session).
 */
export type BodyPlan = { kind: 'raw' } | { kind: 'rewrite'; rewriter: BodyRewriter } | { kind: 'streams'; stages: Transform[] } | { kind: 'none' };

export interface RelayHead {
  status: number;
  headers: OutgoingHttpHeaders;
  body: BodyPlan;
  /**
   * Hold the whole body (as the vendor sent it) until it has ended and `check` has passed it, then
   * relay it; a rejection (or more than maxBytes) fails the exchange before anything reaches the browser.
   */
  hold?: { maxBytes: number; check(body: Buffer): void | Promise<void> };
}

/** A held body grew past its limit. */
export class HeldTooLarge extends Error {}

export interface RelayHooks {
  /** The vendor's status and headers arrived: what goes to the browser. May wait (the cookie jar is written first). */
  head(status: number, headers: IncomingHttpHeaders): RelayHead | Promise<RelayHead>;
  /** Failed before anything reached the browser: the caller answers with an error page (`done` is not called). */
  failedBeforeHead(error: Error): void;
  /** After the head: the browser has the whole body (error null), or the exchange broke off. Bytes sent to the browser. */
  done(error: Error | null, bytes: number): void;
}

/**
 * One upstream exchange relayed to the browser, as an undici dispatch handler. Compared with
 * `agent.request()` piped to the response, there is no body stream object, no promise and no
 * AbortController per request; chunks go straight to the socket with undici's pause/resume as the
 * backpressure. The head is corked until the end of its event-loop turn, so it leaves with the first body
 * bytes in one write (Node sends a head on its own otherwise: one more packet and wake-up per response).
 */
export class Relay implements Dispatcher.DispatchHandler {
  private controller?: Dispatcher.DispatchController;
  private plan?: BodyPlan;
  /** Until the head is written; chunks that arrive meanwhile wait in `early`. */
  private waiting = true;
  private early?: Buffer[];
  private ended = false;
  /** The vendor side failed after the head was sent (told to `done` instead of "the browser closed"). */
  private upstreamError?: Error;
  private finished = false;
  private corked = false;
  private bytes = 0;
  private streamHead?: Transform;
  /** A head whose body is held until it ends (RelayHead.hold), and the bytes held so far. */
  private held?: RelayHead;
  private heldBytes = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly hooks: RelayHooks,
  ) {
    res.once('close', this.onClose);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.res.destroyed) controller.abort(new Error('the browser closed the connection'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200) return; // 1xx informational (100 Continue, 103 Early Hints): not relayed
    let head: RelayHead | Promise<RelayHead>;
    try {
      head = this.hooks.head(status, headers);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (head instanceof Promise) {
      controller.pause();
      head.then(
        (h) => {
          if (this.finished) return;
          this.start(h);
          controller.resume();
        },
        (error: Error) => this.fail(error),
      );
    } else {
      this.start(head);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.waiting) {
      (this.early ??= []).push(chunk);
      if (this.held && (this.heldBytes += chunk.length) > this.held.hold!.maxBytes) this.fail(new HeldTooLarge('held body too large'));
      return;
    }
    if (!this.write(chunk)) {
      controller.pause();
      this.onceDrain(() => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.ended = true;
    if (!this.waiting) this.end();
    else if (this.held) this.release(this.held);
  }

  /** The held body is complete: checked, then relayed as any other. */
  private release(head: RelayHead): void {
    const body = Buffer.concat(this.early ?? []);
    Promise.resolve()
      .then(() => head.hold!.check(body))
      .then(
        () => {
          this.held = undefined;
          this.start({ ...head, hold: undefined });
        },
        (error: Error) => this.fail(error),
      );
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.finished) return;
    if (this.waiting && !this.res.headersSent) {
      this.fail(error);
      return;
    }
    this.upstreamError = error;
    this.res.destroy(error);
  }

  private start(head: RelayHead): void {
    if (this.finished || this.res.destroyed) return;
    if (head.hold) {
      this.held = head;
      this.heldBytes = (this.early ?? []).reduce((n, c) => n + c.length, 0);
      if (this.ended) this.release(head);
      return;
    }
    this.plan = head.body;
    this.res.writeHead(head.status, head.headers);
    this.cork();
    if (this.plan.kind === 'streams') this.startStreams(this.plan.stages);
    this.waiting = false;
    const early = this.early;
    this.early = undefined;
    if (early) for (const chunk of early) this.write(chunk);
    if (this.ended) this.end();
  }

  private startStreams(stages: Transform[]): void {
    stages.at(-1)!.on('data', (chunk: Buffer) => (this.bytes += chunk.length));
    this.streamHead = stages[0];
    pipeline([...stages, this.res], (error) => {
      if (error && !this.res.destroyed) this.res.destroy(error);
    });
  }

  /** False when the browser side is full: wait for drain. */
  private write(chunk: Buffer): boolean {
    const plan = this.plan!;
    if (plan.kind === 'streams') return this.streamHead!.write(chunk);
    if (plan.kind === 'raw') {
      this.bytes += chunk.length;
      return this.res.write(chunk);
    }
    if (plan.kind === 'none') return true;
    let out: Buffer;
    try {
      out = plan.rewriter.push(chunk);
    } catch (error) {
      this.abort(error as Error);
      return true;
    }
    if (out.length === 0) return true;
    this.bytes += out.length;
    return this.res.write(out);
  }

  private end(): void {
    const plan = this.plan!;
    if (plan.kind === 'streams') {
      this.streamHead!.end();
      return;
    }
    if (plan.kind === 'rewrite') {
      let out: Buffer;
      try {
        out = plan.rewriter.end();
      } catch (error) {
        this.abort(error as Error);
        return;
      }
      this.bytes += out.length;
      this.res.end(out);
    } else {
      this.res.end();
    }
    this.corked = false; // end() flushes and uncorks the socket
  }

  private onceDrain(resume: () => void): void {
    if (this.plan!.kind === 'streams') this.streamHead!.once('drain', resume);
    else this.res.once('drain', resume);
  }

  /**
   * Hold the head until the end of this event-loop turn, so it leaves with the first body bytes in one write
   * (only then: corking later writes too would hold a large body back one turn per chunk).
   * The socket is corked, not the response: ServerResponse.cork() buffers chunked writes on its own and
   * flushes them after end()'s terminating chunk, so a browser would lose the body's tail (Node 24).
   */
  private cork(): void {
    const socket = this.res.socket;
    if (this.corked || !socket) return;
    this.corked = true;
    socket.cork();
    setImmediate(this.uncork);
  }

  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.res.socket?.uncork();
  };

  private abort(error: Error): void {
    if (this.controller && !this.controller.aborted) this.controller.abort(error);
    this.res.destroy(error);
  }

  /** Before the head: the caller's error page; after it, the browser's connection is cut. */
  private fail(error: Error): void {
    if (this.finished) return;
    if (this.res.headersSent) {
      this.abort(error);
      return;
    }
    this.finished = true;
    this.res.off('close', this.onClose);
    if (this.controller && !this.controller.aborted) this.controller.abort(error);
    this.hooks.failedBeforeHead(error);
  }

  private readonly onClose = (): void => {
    if (this.finished) return;
    this.finished = true;
    this.corked = false;
    const complete = this.res.writableFinished;
    const error = complete ? null : (this.upstreamError ?? new Error('the browser closed the connection'));
    if (error && this.controller && !this.controller.aborted) this.controller.abort(error);
    if (!this.waiting) this.hooks.done(error, this.bytes); // closed before the head: nothing was relayed
  };
}
