import { mkdirSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
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
  /** Called when writing works again after a failure. */
  onRecovered?: () => void;
  /** Called at the start of every write, so what is held in memory (proxy summaries) shares it. */
  beforeWrite?: () => void;
}

/** One line waiting for its file; `done` bytes of it are in the file already (a short write). */
interface Line {
  text: string;
  slot?: Slot;
  done?: number;
}

interface Slot {
  event: StoredUsageEvent;
  written: boolean;
}

/**
 * Appends JSON lines to `usage-<day>.<node>.jsonl` (and NCSA lines to `access-<day>.<node>.log`).
 * Writes are serialised, so files and onWritten see events in sequence order. A failed write (a
 * full disk, a folder that cannot be written) is retried at the next flush from the byte where it
 * stopped: no line is torn or written twice, and an event reaches onWritten once its whole line is
 * in the file and every event before it has got there too.
 */
export class UsageLogWriter {
  private pending = new Map<string, Line[]>();
  /** Events not yet reported to onWritten, in seq order; `written` once their line is in the file. */
  private unreported: Slot[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private retentionDay = '';
  private closed = false;
  /** Set while writes fail (cleared by the first write that leaves nothing behind). */
  failure: { error: unknown; file: string; since: Date } | undefined;
  /** Sequence number of the last event known to be in its file. */
  lastWrittenSeq = 0;

  constructor(private readonly options: LogWriterOptions) {
    try {
      mkdirSync(options.dir, { recursive: true });
    } catch (error) {
      // Reported like any failed write; events wait in memory until the folder can be written.
      this.failure = { error, file: options.dir, since: new Date() };
      options.onError(error, `create ${options.dir}`);
    }
  }

  write(event: StoredUsageEvent): void {
    const slot = { event, written: false };
    this.unreported.push(slot);
    this.add(usageFileName(event.day, this.options.node), { text: JSON.stringify(event) + '\n', slot });
    this.schedule(event.day);
  }

  writeAccess(day: string, line: string): void {
    this.add(accessFileName(day, this.options.node), { text: line });
    this.schedule(day);
  }

  /** Ask for a write within the flush window (a beforeWrite hook has something to add). */
  wake(): void {
    if (!this.timer && !this.closed) this.arm(this.windowMs());
  }

  /** Resolves when everything written so far is in its file (or failed and is kept for a retry). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.options.beforeWrite?.();
    const batch = this.pending;
    this.pending = new Map();
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

  private add(file: string, line: Line): void {
    const lines = this.pending.get(file);
    if (lines) lines.push(line);
    else this.pending.set(file, [line]);
  }

  private windowMs(): number {
    return this.options.flush.mode === 'interval' ? this.options.flush.intervalMs : (this.options.flush.windowMs ?? 2);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => void this.flush(), ms);
  }

  private schedule(day: string): void {
    if (day > this.retentionDay) {
      this.retentionDay = day;
      this.deleteExpired(day).catch((error: unknown) => this.options.onError(error, 'retention'));
    }
    if (this.timer || this.closed) return;
    this.arm(this.windowMs());
  }

  /** Append lines to one file; the number of lines that got there whole, and how far the next one did. */
  private async append(file: string, lines: Line[]): Promise<{ whole: number; done: number }> {
    const first = lines[0]!;
    const text = lines.map((l) => l.text).join('');
    const bytes = Buffer.from(text);
    const skip = first.done ?? 0;
    let offset = skip;
    try {
      const handle = await open(path.join(this.options.dir, file), 'a');
      try {
        while (offset < bytes.length) offset += (await handle.write(bytes, offset, bytes.length - offset)).bytesWritten;
      } finally {
        await handle.close().catch(() => undefined);
      }
      return { whole: lines.length, done: 0 };
    } catch (error) {
      this.options.onError(error, `write ${file}`);
      this.failure ??= { error, file, since: new Date() };
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        try {
          mkdirSync(this.options.dir, { recursive: true }); // the folder went away: back for the retry
        } catch {
          // reported by the retry's failure
        }
      }
      let end = 0;
      for (let i = 0; i < lines.length; i++) {
        const start = end;
        end += Buffer.byteLength(lines[i]!.text);
        if (end > offset) return { whole: i, done: offset - start };
      }
      return { whole: lines.length, done: 0 };
    }
  }

  private async writeBatch(batch: Map<string, Line[]>): Promise<void> {
    if (batch.size === 0) return;
    const left = new Map<string, Line[]>();
    // Usage files first: a crash between two appends leaves the usage log ahead of the access log, never behind.
    const files = [...batch.keys()].sort((a, b) => Number(a.startsWith('access-')) - Number(b.startsWith('access-')));
    for (const file of files) {
      const lines = batch.get(file)!;
      const { whole, done } = await this.append(file, lines);
      for (const line of lines.slice(0, whole)) if (line.slot) line.slot.written = true;
      if (whole < lines.length) {
        const rest = lines.slice(whole);
        rest[0] = { ...rest[0]!, done };
        left.set(file, rest);
      }
    }
    if (left.size > 0) {
      // Keep them ahead of newer lines; the next flush retries.
      for (const [file, lines] of this.pending) left.set(file, [...(left.get(file) ?? []), ...lines]);
      this.pending = left;
      if (!this.timer && !this.closed) this.arm(1_000);
    } else if (this.failure) {
      this.failure = undefined;
      this.options.onRecovered?.();
    }
    let n = 0;
    while (n < this.unreported.length && this.unreported[n]!.written) n++;
    if (n === 0) return;
    const done = this.unreported.splice(0, n).map((s) => s.event);
    this.lastWrittenSeq = Math.max(this.lastWrittenSeq, done[done.length - 1]!.seq);
    this.options.onWritten(done);
  }
}
