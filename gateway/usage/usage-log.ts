import { hostname } from 'node:os';
import type { Logger } from '../logger';
import type { Store } from '../store/types';
import { ncsaLine, type AccessLogEntry } from './access-log';
import { Aggregator } from './aggregator';
import { addDays, dayFormatter } from './day';
import { toStored, type StoredUsageEvent, type UsageEvent } from './events';
import { listLogFiles, readUsageFile } from './log-files';
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
  /** How often aggregation retries after the store failed. Default 5 s. */
  catchUpIntervalMs?: number;
  /** Days (before today) whose files in `dir` are reconciled at start, for processes that stopped before their events were counted. Default 1. */
  reconcileDays?: number;
  logger?: Logger;
  /** Default `<hostname>-<pid>-<start time, base36>`: a fresh node id per process. */
  node?: string;
  now?: () => Date;
}

export interface UsageStatus {
  node: string;
  /** live: events are counted as they are written; catching-up: the store failed, counting resumes from the log. */
  aggregation: 'live' | 'catching-up';
  recorded: number;
  lastWrittenSeq: number;
  lastAppliedSeq: number;
}

export interface UsageLog {
  /** The one recordUsage entry point: never throws, never blocks on the store. */
  record(event: UsageEvent): void;
  /** One NCSA combined line for a proxied request (when usage.accessLog is on). */
  accessLog(entry: AccessLogEntry): void;
  /** Resolves when everything recorded so far is in the log and, unless the store is failing, counted. */
  settle(): Promise<void>;
  /** Run the catch-up from the log now (it also runs on its own every catchUpIntervalMs). */
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

/**
 * Durable log first, aggregates second: record() stamps and pseudonymises the event and hands it to
 * the file writer; only events the writer reports as written are counted in the Store. When the
 * store fails, counting stops and the catch-up loop re-reads this node's files after the
 * high-water mark until it reaches what has been written, then counting goes live again.
 */
export function createUsageLog(options: UsageLogOptions): UsageLog {
  const node = options.node ?? defaultNode();
  const now = options.now ?? (() => new Date());
  const dayOf = dayFormatter(options.timeZone);
  const pseudonym = pseudonymizer(options.pseudonymKey);
  const aggregator = new Aggregator(options.store);
  const logger = options.logger?.child({ usage: true });
  let seq = 0;
  let mode: UsageStatus['aggregation'] = 'live';
  let lastAppliedSeq = 0;
  let queue: StoredUsageEvent[] = [];
  let draining: Promise<void> | undefined;
  let catchingUp: Promise<void> | undefined;
  let catchUpFrom = '';
  let closed = false;

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
    onError: (error, what) => {
      warn(error, what);
      // Whatever was written after a failed write is found by the catch-up, in order.
      if (what.startsWith('write usage-')) fail(error, catchUpFrom || dayOf(now()));
    },
    onWritten: (events) => {
      if (mode !== 'live') return;
      queue.push(...events);
      draining ??= drain();
    },
  });

  const catchUpOnce = async () => {
    if (mode === 'live') return;
    await writer.flush();
    const target = writer.lastWrittenSeq;
    let maxSeq = lastAppliedSeq;
    const files = (await listLogFiles(options.dir)).filter((f) => f.kind === 'usage' && f.node === node && f.day >= catchUpFrom);
    for (const f of files) {
      let batch: StoredUsageEvent[] = [];
      for await (const e of readUsageFile(f.file)) {
        if (e.seq <= lastAppliedSeq) continue;
        batch.push(e);
        if (batch.length >= BATCH) {
          await aggregator.apply(batch);
          maxSeq = Math.max(maxSeq, batch[batch.length - 1]!.seq);
          batch = [];
        }
      }
      if (batch.length > 0) await aggregator.apply(batch);
      maxSeq = Math.max(maxSeq, batch[batch.length - 1]?.seq ?? 0);
    }
    lastAppliedSeq = Math.max(lastAppliedSeq, Math.min(maxSeq, target));
    // Synchronously: nothing written after `target`'s check can slip between reading and going live.
    if (maxSeq >= writer.lastWrittenSeq) {
      mode = 'live';
      logger?.info({ lastAppliedSeq }, 'usage log: counting caught up with the log');
    }
  };

  const catchUp = (): Promise<void> => {
    catchingUp ??= (async () => {
      try {
        for (let rounds = 0; mode !== 'live' && rounds < 10; rounds++) await catchUpOnce();
      } catch (error) {
        logger?.debug({ err: error }, 'usage log: catch-up failed; retrying later');
      } finally {
        catchingUp = undefined;
      }
    })();
    return catchingUp;
  };

  /** At start: count events other processes wrote to this folder but did not get counted (crash, outage). */
  const reconcile = async () => {
    const today = dayOf(now());
    const from = addDays(today, -(options.reconcileDays ?? 1));
    for (const f of await listLogFiles(options.dir)) {
      if (f.kind !== 'usage' || f.node === node || f.day < from) continue;
      let batch: StoredUsageEvent[] = [];
      for await (const e of readUsageFile(f.file)) {
        batch.push(e);
        if (batch.length >= BATCH) {
          await aggregator.apply(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await aggregator.apply(batch);
    }
  };
  let reconciled = false;
  const reconcileLater = () => {
    if (reconciled || closed) return;
    reconcile().then(
      () => (reconciled = true),
      (error: unknown) => logger?.debug({ err: error }, 'usage log: reconciling earlier files failed; retrying later'),
    );
  };
  reconcileLater();

  const timer = setInterval(() => {
    if (mode !== 'live') void catchUp();
    reconcileLater();
  }, options.catchUpIntervalMs ?? 5_000);
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
  };

  return {
    node,
    dir: options.dir,
    record,
    accessLog,
    settle,
    catchUp,
    status: () => ({ node, aggregation: mode, recorded: seq, lastWrittenSeq: writer.lastWrittenSeq, lastAppliedSeq }),
    close: async () => {
      closed = true;
      clearInterval(timer);
      await settle();
      if (mode !== 'live') await catchUp();
      await writer.close();
    },
  };
}
