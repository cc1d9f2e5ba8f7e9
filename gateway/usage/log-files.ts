import { createReadStream, existsSync, statSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { StoredUsageEvent } from './events';

/**
 * Log file names, one file per day and gateway process:
 *   usage-YYYY-MM-DD.<node>.jsonl   one StoredUsageEvent JSON object per line
 *   access-YYYY-MM-DD.<node>.log    NCSA combined log of proxied requests (optional)
 */
export const usageFileName = (day: string, node: string) => `usage-${day}.${node}.jsonl`;
export const accessFileName = (day: string, node: string) => `access-${day}.${node}.log`;

const FILE = /^(usage|access)-(\d{4}-\d{2}-\d{2})\.(.+)\.(jsonl|log)$/;

export interface LogFile {
  kind: 'usage' | 'access';
  day: string;
  node: string;
  file: string;
}

/** Log files in `dir`, by day then node; none when the folder does not exist. */
export async function listLogFiles(dir: string): Promise<LogFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: LogFile[] = [];
  for (const name of names) {
    const m = FILE.exec(name);
    if (!m || (m[1] === 'usage') !== (m[4] === 'jsonl')) continue;
    files.push({ kind: m[1] as LogFile['kind'], day: m[2]!, node: m[3]!, file: path.join(dir, name) });
  }
  return files.sort((a, b) => a.day.localeCompare(b.day) || a.node.localeCompare(b.node) || a.kind.localeCompare(b.kind));
}

export interface ReadFilter {
  /** First and last day (inclusive, YYYY-MM-DD); open-ended when not given. */
  from?: string;
  to?: string;
  /** Only this node's files. */
  node?: string;
}

function parseEvent(line: string): StoredUsageEvent | undefined {
  if (!line) return undefined;
  try {
    const event = JSON.parse(line) as StoredUsageEvent;
    return typeof event === 'object' && event !== null && typeof event.seq === 'number' && typeof event.day === 'string' ? event : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The events of one usage file in log order. Lines that do not parse (a torn line) are skipped, and
 * so is an event whose seq is not above the one before it: each event counts once, whatever a
 * failed write left behind.
 */
export async function* readUsageFile(file: string): AsyncGenerator<StoredUsageEvent> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let last = 0;
  for await (const line of lines) {
    const event = parseEvent(line);
    if (!event || event.seq <= last) continue;
    last = event.seq;
    yield event;
  }
}

/** The seq of the last whole event in a usage file (0 when none), read from its tail. */
export async function lastSeqOf(file: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    for (let span = 16_384; ; span *= 4) {
      const start = Math.max(0, size - span);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const lines = buffer.toString('utf8').split('\n');
      if (start > 0) lines.shift(); // maybe cut in the middle
      for (let i = lines.length - 1; i >= 0; i--) {
        const event = parseEvent(lines[i]!);
        if (event) return event.seq;
      }
      if (start === 0) return 0;
    }
  } finally {
    await handle.close();
  }
}

/**
 * A node-day's log file found in any of `dirs` (several folders: one per node, or copies): the
 * largest copy when several hold it.
 */
export function dayLogIn(dirs: readonly string[]): (day: string, node: string) => AsyncGenerator<StoredUsageEvent> | undefined {
  return (day, node) => {
    let best: { file: string; size: number } | undefined;
    for (const dir of dirs) {
      const file = path.join(dir, usageFileName(day, node));
      if (!existsSync(file)) continue;
      const size = statSync(file).size;
      if (!best || size > best.size) best = { file, size };
    }
    return best ? readUsageFile(best.file) : undefined;
  };
}

/** Every stored usage event in `dir` within the filter: files by day then node, each in log order. */
export async function* readUsageLog(dir: string, filter: ReadFilter = {}): AsyncGenerator<StoredUsageEvent> {
  for (const f of await listLogFiles(dir)) {
    if (f.kind !== 'usage' || (filter.from && f.day < filter.from) || (filter.to && f.day > filter.to)) continue;
    if (filter.node && f.node !== filter.node) continue;
    yield* readUsageFile(f.file);
  }
}
