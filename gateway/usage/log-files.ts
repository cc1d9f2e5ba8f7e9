import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
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

/** The events of one usage file in log order; lines that do not parse (a torn last line) are skipped. */
export async function* readUsageFile(file: string): AsyncGenerator<StoredUsageEvent> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    let event: StoredUsageEvent;
    try {
      event = JSON.parse(line) as StoredUsageEvent;
    } catch {
      continue;
    }
    if (typeof event === 'object' && event !== null && typeof event.seq === 'number' && typeof event.day === 'string') yield event;
  }
}

/** Every stored usage event in `dir` within the filter: files by day then node, each in log order. */
export async function* readUsageLog(dir: string, filter: ReadFilter = {}): AsyncGenerator<StoredUsageEvent> {
  for (const f of await listLogFiles(dir)) {
    if (f.kind !== 'usage' || (filter.from && f.day < filter.from) || (filter.to && f.day > filter.to)) continue;
    if (filter.node && f.node !== filter.node) continue;
    yield* readUsageFile(f.file);
  }
}
