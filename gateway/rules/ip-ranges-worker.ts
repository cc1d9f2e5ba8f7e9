/** A worker thread that reads the ASN CSV files (workerData: their paths) and hands the tables over (AsnRanges.load). */
import { parentPort, workerData } from 'node:worker_threads';
import { AsnRanges } from './ip-ranges';

try {
  const tables = AsnRanges.readNow(workerData as string[]).tables();
  const buffers = [tables.v4, tables.v6].flatMap((t) => [t.starts.buffer, t.ends.buffer, t.values.buffer]) as ArrayBuffer[];
  parentPort!.postMessage(tables, buffers);
} catch (error) {
  parentPort!.postMessage({ error: (error as Error).message });
}
