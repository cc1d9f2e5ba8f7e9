import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../logger';
import type { Store } from '../store/types';
import { ncsaLine, type AccessLogEntry } from './access-log';
import { Aggregator } from './aggregator';
import { dayFormatter } from './day';
import { toStored, type StoredUsageEvent, type UsageEvent } from './events';
import { EPOCH_KEY, hwmKey } from './keys';
import { dayLogIn, lastSeqOf, listLogFiles, type LogFile } from './log-files';
import { UsageLogWriter, type LogWriterOptions } from './log-writer';
import { pseudonymizer } from './pseudonym';

export interface UsageLogOptions {
  dir: string;
  store: Store;
  /** Key of the pseudonymous user ids (HMAC-SHA256). */
  pseudonymKey: string;
  /** Reporting days are counted in this time zone, e.g. "Asia/Shanghai". */
  timeZone: string;
  flush?: LogWriterOptions['flush'];
  retentionDays?: number;
  /** Also write the NCSA combined access log of proxied requests. */
  accessLog?: boolean;
  /** How often aggregation retries after the store failed, and the store is checked for a loss. Default 5 s. */
  catchUpIntervalMs?: number;
  logger?: Logger;
  /** Default `<hostname>-<pid>-<start time, base36>`: a fresh node id per process. */
  node?: string;
  now?: () => Date;
}

export interface UsageStatus {
  node: string;
  /** live: events are counted as they are written; catching-up: the store failed, counting resumes from the log. */
  aggregation: 'live' | 'catching-up';
  /** ok, or failing while events cannot be written to the log folder (they wait in memory and are retried). */
  writing: 'ok' | 'failing';
  /** Why writing fails (error code, file), while it does. */
  writeError?: string;
  /** Failed writes since start. */
  writeFailures: number;
  /** Times the store was found to have lost the aggregates (and they were recounted from the log). */
  storeLosses: number;
  recorded: number;
  lastWrittenSeq: number;
  lastAppliedSeq: number;
}

export interface UsageLog {
  /** The one recordUsage entry point: never throws, never blocks on the store. */
  record(event: UsageEvent): void;
  /** One NCSA combined line for a proxied request (when usage.accessLog is on). */
  accessLog(entry: AccessLogEntry): void;
  /**
   * `hook` runs at the start of every write to the log, so what a caller holds in memory (proxy
   * summaries) goes into the same write as the lines recorded with it; `wake` asks for a write soon.
   */
  beforeWrite(hook: () => void): { wake: () => void };
  /** Resolves when everything recorded so far is in the log and, unless the store is failing, counted. */
  settle(): Promise<void>;
  /**
   * Check the store for a loss (recounting from the log files when it lost the aggregates) and,
   * after a store failure, count from the log until live again. The timer runs it every catchUpIntervalMs.
   */
  catchUp(): Promise<void>;
  status(): UsageStatus;
  close(): Promise<void>;
  readonly node: string;
  readonly dir: string;
}

const BATCH = 500;

export function defaultNode(): string {
  return `${hostname().replace(/[^A-Za-z0-9_-]/g, '_') || 'node'}-${process.pid}-${Date.now().toString(36)}`;
}

const describe = (error: unknown, file: string) => `${(error as NodeJS.ErrnoException).code ?? (error as Error).message ?? String(error)} writing ${file}`;

/**
 * Durable log first, aggregates second: record() stamps and pseudonymises the event and hands it to
 * the file writer; only events the writer reports as written are counted in the Store. When the
 * store fails, counting stops and the catch-up re-reads this node's files after the store's
 * high-water marks until it reaches what has been written, then counting goes live again.
 *
 * Store loss: the store holds an epoch (a random id) this process remembers. When it is missing or
 * another (the store came back empty, or another node found that and recounted), every usage
 * file of the folder, of any node and day, whose events the store's marks do not cover is counted
 * again from its first line. The marks keep that exact when several nodes do it at once.
 */
export function createUsageLog(options: UsageLogOptions): UsageLog {
  const node = options.node ?? defaultNode();
  const now = options.now ?? (() => new Date());
  const dayOf = dayFormatter(options.timeZone);
  const pseudonym = pseudonymizer(options.pseudonymKey);
  const { store } = options;
  const aggregator = new Aggregator(store, dayLogIn([options.dir]));
  const logger = options.logger?.child({ usage: true });
  let seq = 0;
  let mode: UsageStatus['aggregation'] = 'live';
  let lastAppliedSeq = 0;
  let queue: StoredUsageEvent[] = [];
  let draining: Promise<void> | undefined;
  let catchingUp: Promise<void> | undefined;
  let catchUpFrom = '';
  let closed = false;
  let knownEpoch: string | undefined;
  let storeLosses = 0;
  let writeFailures = 0;
  const hooks: (() => void)[] = [];

  const warn = (error: unknown, what: string) => logger?.warn({ err: error }, `usage log: ${what} failed`);

  const fail = (error: unknown, firstDay: string) => {
    if (mode === 'live') {
      warn(error, 'counting (the store); events stay in the log and are counted when it answers');
      mode = 'catching-up';
      catchUpFrom = firstDay;
    }
    queue = [];
  };

  const drain = async () => {
    while (queue.length > 0 && mode === 'live') {
      const batch = queue.splice(0, BATCH);
      try {
        await aggregator.apply(batch);
        lastAppliedSeq = Math.max(lastAppliedSeq, batch[batch.length - 1]!.seq);
      } catch (error) {
        fail(error, batch[0]!.day);
      }
    }
    draining = undefined;
  };

  const writer = new UsageLogWriter({
    dir: options.dir,
    node,
    flush: options.flush ?? { mode: 'every-event' },
    retentionDays: options.retentionDays ?? 400,
    beforeWrite: () => {
      for (const hook of hooks) hook();
    },
    onError: (error, what) => {
      if (what === 'retention') {
        warn(error, 'deleting expired log files');
        return;
      }
      writeFailures++;
      if (writeFailures === 1 || writeFailures % 100 === 0) {
        logger?.error({ err: error, dir: options.dir, failures: writeFailures }, `usage log: cannot ${what} (full disk or unwritable folder?); events wait in memory and are written when it works again`);
      }
    },
    onRecovered: () => logger?.warn({ failures: writeFailures }, 'usage log: writing works again; the events kept in memory are in the log'),
    onWritten: (events) => {
      if (mode !== 'live') return;
      queue.push(...events);
      draining ??= drain();
    },
  });

  /** Count one usage file unless the store's mark already covers its last event; its last seq. */
  const countFile = async (f: LogFile): Promise<number> => {
    const last = await lastSeqOf(f.file);
    const mark = await store.get(hwmKey(f.day, f.node));
    if (mark === null || Number(mark) < last) await aggregator.recount(f.day, f.node);
    return last;
  };

  /** After a store loss (or at start): count whatever in the folder the store does not hold. */
  const healIfLost = async () => {
    const epoch = await store.get(EPOCH_KEY);
    if (epoch !== null && epoch === knownEpoch) return;
    if (knownEpoch !== undefined) {
      storeLosses++;
      logger?.warn({ dir: options.dir }, 'usage log: the store lost the usage aggregates; recounting them from the log files');
    }
    aggregator.forgetIndex();
    for (const f of await listLogFiles(options.dir)) {
      if (f.kind !== 'usage') continue;
      const last = await countFile(f);
      if (f.node === node) lastAppliedSeq = Math.max(lastAppliedSeq, last);
    }
    if (epoch === null) await store.incrGuarded(EPOCH_KEY, null, randomUUID(), {});
    knownEpoch = (await store.get(EPOCH_KEY)) ?? undefined;
  };

  const catchUpOnce = async () => {
    await writer.flush();
    const target = writer.lastWrittenSeq;
    await healIfLost();
    for (const f of await listLogFiles(options.dir)) {
      if (f.kind === 'usage' && f.node === node && f.day >= catchUpFrom) await countFile(f);
    }
    lastAppliedSeq = Math.max(lastAppliedSeq, target);
    // Synchronously: nothing written after `target` can slip between reading and going live.
    if (writer.lastWrittenSeq === target) {
      mode = 'live';
      logger?.info({ lastAppliedSeq }, 'usage log: counting caught up with the log');
    }
  };

  const catchUp = (): Promise<void> => {
    catchingUp ??= (async () => {
      try {
        if (mode === 'live') await healIfLost();
        for (let rounds = 0; mode !== 'live' && rounds < 10; rounds++) await catchUpOnce();
      } catch (error) {
        logger?.debug({ err: error }, 'usage log: catch-up failed; retrying later');
      } finally {
        catchingUp = undefined;
      }
    })();
    return catchingUp;
  };
  void catchUp(); // at start: count what earlier processes wrote to this folder but did not get counted

  const timer = setInterval(() => void catchUp(), options.catchUpIntervalMs ?? 5_000);
  timer.unref();

  const record = (event: UsageEvent) => {
    try {
      if (closed) return;
      const when = now();
      const stored = toStored(event, { node, seq: ++seq, now: when, day: dayOf(when), pseudonym });
      writer.write(stored);
    } catch (error) {
      warn(error, 'recording an event');
    }
  };

  const accessLog = (entry: AccessLogEntry) => {
    try {
      if (closed || !options.accessLog) return;
      const user = entry.user ?? (entry.subject ? pseudonym(entry.institution ?? '', entry.subject) : undefined);
      writer.writeAccess(dayOf(entry.time), ncsaLine(entry, user));
    } catch (error) {
      warn(error, 'writing the access log');
    }
  };

  const settle = async () => {
    await writer.flush();
    while (draining) await draining;
    while (catchingUp) await catchingUp;
    while (draining) await draining;
  };

  return {
    node,
    dir: options.dir,
    record,
    accessLog,
    beforeWrite: (hook) => {
      hooks.push(hook);
      return { wake: () => writer.wake() };
    },
    settle,
    catchUp,
    status: () => {
      const failure = writer.failure;
      return {
        node,
        aggregation: mode,
        writing: failure ? 'failing' : 'ok',
        ...(failure ? { writeError: describe(failure.error, failure.file) } : {}),
        writeFailures,
        storeLosses,
        recorded: seq,
        lastWrittenSeq: writer.lastWrittenSeq,
        lastAppliedSeq,
      };
    },
    close: async () => {
      closed = true;
      clearInterval(timer);
      await settle();
      if (mode !== 'live') await catchUp();
      await writer.close();
    },
  };
}
