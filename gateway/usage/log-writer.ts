import { mkdirSync } from 'node:fs';
import { appendFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { StoredUsageEvent } from './events';
import { addDays } from './day';
import { accessFileName, listLogFiles, usageFileName } from './log-files';

export interface LogWriterOptions {
  dir: string;
  node: string;
  /**
   * `every-event`: each event is written within `windowMs` (default 2 ms; events recorded in that
   * window share one write). `interval`: buffered and written every `intervalMs`. Never fsync'd.
   */
  flush: { mode: 'every-event'; windowMs?: number } | { mode: 'interval'; intervalMs: number };
  /** Files of days older than this many days are deleted (checked at start and once a day). */
  retentionDays: number;
  /** Called after each write with the events it put in the file, in sequence order. */
  onWritten: (events: StoredUsageEvent[]) => void;
  onError: (error: unknown, what: string) => void;
}

interface Pending {
  lines: Map<string, string[]>;
  events: StoredUsageEvent[];
}

/**
 * Appends JSON lines to `usage-<day>.<node>.jsonl` (and NCSA lines to `access-<day>.<node>.log`).
 * Writes are serialised, so files and onWritten see events in sequence order. A failed write is
 * retried at the next flush; its events reach onWritten only once they are in the file.
 */
export class UsageLogWriter {
  private pending: Pending = { lines: new Map(), events: [] };
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private retentionDay = '';
  private closed = false;
  /** Sequence number of the last event known to be in its file. */
  lastWrittenSeq = 0;

  constructor(private readonly options: LogWriterOptions) {
    mkdirSync(options.dir, { recursive: true });
  }

  write(event: StoredUsageEvent): void {
    this.add(usageFileName(event.day, this.options.node), JSON.stringify(event) + '\n');
    this.pending.events.push(event);
    this.schedule(event.day);
  }

  writeAccess(day: string, line: string): void {
    this.add(accessFileName(day, this.options.node), line);
    this.schedule(day);
  }

  /** Resolves when everything written so far is in its file (or failed and is kept for a retry). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    this.pending = { lines: new Map(), events: [] };
    this.writing = this.writing.then(() => this.writeBatch(batch));
    return this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /** Delete usage and access files of days before `today - retentionDays`; returns the paths deleted. */
  async deleteExpired(today: string): Promise<string[]> {
    const oldest = addDays(today, -this.options.retentionDays);
    const deleted: string[] = [];
    for (const f of await listLogFiles(this.options.dir)) {
      if (f.day >= oldest) continue;
      await unlink(f.file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      deleted.push(f.file);
    }
    return deleted;
  }

  private add(file: string, line: string): void {
    const lines = this.pending.lines.get(file);
    if (lines) lines.push(line);
    else this.pending.lines.set(file, [line]);
  }

  private schedule(day: string): void {
    if (day > this.retentionDay) {
      this.retentionDay = day;
      this.deleteExpired(day).catch((error: unknown) => this.options.onError(error, 'retention'));
    }
    if (this.timer || this.closed) return;
    const ms = this.options.flush.mode === 'interval' ? this.options.flush.intervalMs : (this.options.flush.windowMs ?? 2);
    this.timer = setTimeout(() => void this.flush(), ms);
  }

  private async writeBatch(batch: Pending): Promise<void> {
    if (batch.lines.size === 0) return;
    const failed: Pending = { lines: new Map(), events: [] };
    const failedFiles = new Set<string>();
    for (const [file, lines] of batch.lines) {
      try {
        await appendFile(path.join(this.options.dir, file), lines.join(''));
      } catch (error) {
        this.options.onError(error, `write ${file}`);
        failed.lines.set(file, lines);
        failedFiles.add(file);
      }
    }
    const written: StoredUsageEvent[] = [];
    for (const e of batch.events) {
      if (failedFiles.has(usageFileName(e.day, this.options.node))) failed.events.push(e);
      else written.push(e);
    }
    if (failed.lines.size > 0) {
      // Keep them ahead of newer lines; the next flush retries.
      for (const [file, lines] of this.pending.lines) failed.lines.set(file, [...(failed.lines.get(file) ?? []), ...lines]);
      this.pending = { lines: failed.lines, events: [...failed.events, ...this.pending.events] };
      if (!this.timer && !this.closed) this.timer = setTimeout(() => void this.flush(), 1_000);
    }
    // With a failed day in the batch, only events before the first failed one count as written in order.
    const firstFailed = failed.events[0]?.seq ?? Infinity;
    const inOrder = written.filter((e) => e.seq < firstFailed);
    const last = inOrder[inOrder.length - 1];
    if (last) this.lastWrittenSeq = Math.max(this.lastWrittenSeq, last.seq);
    if (inOrder.length > 0) this.options.onWritten(inOrder);
  }
}
