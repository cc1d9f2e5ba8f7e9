/**
 * SAML response verification on worker threads (node:worker_threads), so sign-ins use every core:
 * the XML work (parsing, canonicalisation, XPath) is most of an ACS request and blocks the event
 * loop. `validate(job)` answers what verifyResponse() would on this thread; with size 0 (or without
 * the compiled worker script) it is verifyResponse() on this thread. Workers start on first use.
 */
import { Worker } from 'node:worker_threads';
import { compiledScript } from '../../config/paths';
import { LoginError, type LoginErrorReason } from '../types';
import { verifyResponse, type VerifiedAssertion, type VerifierSettings, type VerifyJob } from './verify';

/** What a worker answers for job `id`. */
export type WorkerAnswer =
  | { id: number; ok: VerifiedAssertion }
  | { id: number; refused: { reason: LoginErrorReason; message: string; details: Record<string, unknown> } }
  | { id: number; failed: string };

export interface Validator {
  validate(job: VerifyJob): Promise<VerifiedAssertion>;
  close(): void;
}

interface Pending {
  resolve(value: VerifiedAssertion): void;
  reject(error: Error): void;
}

class PooledWorker {
  readonly pending = new Map<number, Pending>();
  private readonly worker: Worker;

  constructor(script: string, settings: VerifierSettings, onExit: () => void) {
    this.worker = new Worker(script, { workerData: settings });
    this.worker.unref(); // an idle pool never keeps the process alive
    this.worker.on('message', (answer: WorkerAnswer) => {
      const job = this.pending.get(answer.id);
      if (!job) return;
      this.pending.delete(answer.id);
      if ('ok' in answer) job.resolve(answer.ok);
      else if ('refused' in answer) job.reject(new LoginError(answer.refused.reason, answer.refused.message, answer.refused.details));
      else job.reject(new Error(answer.failed));
    });
    const fail = (error: Error) => {
      for (const job of this.pending.values()) job.reject(error);
      this.pending.clear();
      onExit();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`SAML validation worker exited (${code})`)));
  }

  post(id: number, job: VerifyJob, pending: Pending): void {
    this.pending.set(id, pending);
    this.worker.postMessage({ id, job });
  }

  terminate(): void {
    void this.worker.terminate();
  }
}

export class ValidationPool implements Validator {
  private readonly workers: (PooledWorker | undefined)[];
  private readonly script: string | undefined;
  private nextId = 0;

  constructor(
    private readonly settings: VerifierSettings,
    size: number,
  ) {
    this.script = size > 0 ? compiledScript(__filename, 'validation-worker.js') : undefined;
    this.workers = this.script ? new Array<PooledWorker | undefined>(size).fill(undefined) : [];
  }

  /** How many worker threads verify (0: this thread does). */
  get size(): number {
    return this.workers.length;
  }

  validate(job: VerifyJob): Promise<VerifiedAssertion> {
    if (this.workers.length === 0) return verifyResponse(this.settings, job);
    return new Promise((resolve, reject) => this.leastBusy().post(this.nextId++, job, { resolve, reject }));
  }

  close(): void {
    for (const worker of this.workers) worker?.terminate();
    this.workers.fill(undefined);
  }

  /** The worker with the fewest jobs in flight, started if it is not running. */
  private leastBusy(): PooledWorker {
    let best = 0;
    for (let i = 0; i < this.workers.length; i++) {
      const load = this.workers[i]?.pending.size ?? 0;
      if (load === 0) {
        best = i;
        break;
      }
      if (load < this.workers[best]!.pending.size) best = i;
    }
    let worker = this.workers[best];
    if (!worker) {
      const index = best;
      worker = new PooledWorker(this.script!, this.settings, () => {
        if (this.workers[index] === worker) this.workers[index] = undefined; // started again on next use
      });
      this.workers[index] = worker;
    }
    return worker;
  }
}
