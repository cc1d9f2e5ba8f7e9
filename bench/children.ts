/** Child processes of the benches: ports, start-up, memory, and the environment Passway is served with. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JEMALLOC_CONF, jemallocPath, MALLOC_TRIM_THRESHOLD } from '../gateway/gc-tuning';

export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A child process and the first line it prints (its port, or what the harness needs to reach it). */
export function startChild(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; firstLine: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve({ child, firstLine: out.split('\n')[0]! });
    });
    child.on('error', reject);
  });
}

/** Resident set size of a process, in bytes (Linux /proc, else ps). */
export function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return Number(spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim()) * 1024;
}

/**
 * The environment of a serving process, as the Docker image runs Passway: jemalloc preloaded when installed
 * (BENCH_MALLOC=glibc to measure without it), glibc's trim threshold for when it is not.
 */
export function servingEnv(): NodeJS.ProcessEnv {
  const jemalloc = process.env.BENCH_MALLOC === 'glibc' ? undefined : jemallocPath();
  return { ...process.env, MALLOC_TRIM_THRESHOLD_: MALLOC_TRIM_THRESHOLD, ...(jemalloc ? { LD_PRELOAD: jemalloc, MALLOC_CONF: JEMALLOC_CONF } : {}) };
}

/** Which allocator servingEnv() gives. */
export function allocatorName(env: NodeJS.ProcessEnv): string {
  return env.LD_PRELOAD?.includes('jemalloc') ? 'jemalloc' : 'glibc';
}
