/** A validation worker thread (validation-pool.ts): verifyResponse() for each job posted to it. */
import { parentPort, workerData } from 'node:worker_threads';
import { LoginError } from '../types';
import type { WorkerAnswer } from './validation-pool';
import { verifyResponse, type VerifierSettings, type VerifyJob } from './verify';

const settings = workerData as VerifierSettings;
const port = parentPort!;

port.on('message', ({ id, job }: { id: number; job: VerifyJob }) => {
  const answer = (message: WorkerAnswer) => port.postMessage(message);
  verifyResponse(settings, job).then(
    (ok) => answer({ id, ok }),
    (error: unknown) =>
      answer(error instanceof LoginError ? { id, refused: { reason: error.reason, message: error.message, details: error.details } } : { id, failed: error instanceof Error ? error.message : String(error) }),
  );
});
