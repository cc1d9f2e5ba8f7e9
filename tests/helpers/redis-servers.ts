/**
 * Real Redis topologies on loopback for the Sentinel and Cluster tests: redis-server processes
 * (Debian's redis package) on ports free at run time, in a temp folder, stopped by `stop()`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A port free now whose cluster bus port (port + 10000) is free too. */
async function freeRedisPort(taken: Set<number>): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer().once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (!taken.has(port) && (await free(port)) && (await free(port + 10000))) {
      taken.add(port);
      return port;
    }
  }
}

export interface RedisProcess {
  port: number;
  child: ChildProcess;
  /** SIGKILL, as a crashed machine. */
  kill(): Promise<void>;
}

export class RedisTopology {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'passway-redis-'));
  private readonly processes: RedisProcess[] = [];
  private readonly ports = new Set<number>();

  port(): Promise<number> {
    return freeRedisPort(this.ports);
  }

  /** Start `redis-server <args>` (a config file or flags) and wait until it answers PING. */
  async start(port: number, args: string[]): Promise<RedisProcess> {
    const child = spawn('redis-server', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const proc: RedisProcess = {
      port,
      child,
      kill: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
    this.processes.push(proc);
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server ${args.join(' ')} exited: ${stderr}`);
      if ((await this.cli(port, 'PING').catch(() => '')) === 'PONG') return proc;
      await sleep(50);
    }
    throw new Error(`redis-server on ${port} did not answer: ${stderr}`);
  }

  /** A plain server (no persistence), optionally a replica of `replicaOf`. */
  server(port: number, extra: string[] = []): Promise<RedisProcess> {
    return this.start(port, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...extra]);
  }

  /** redis-cli against one port; resolves with its trimmed output. */
  async cli(port: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 });
    return stdout.trim();
  }

  /** A master, one replica and three sentinels watching them as `name`. */
  async sentinel(name: string): Promise<{ master: RedisProcess; replica: RedisProcess; sentinels: { host: string; port: number }[] }> {
    const master = await this.server(await this.port());
    const replica = await this.server(await this.port(), ['--replicaof', '127.0.0.1', String(master.port)]);
    await this.until(async () => (await this.cli(master.port, 'INFO', 'replication')).includes('connected_slaves:1'));
    const sentinels: { host: string; port: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await this.port();
      const file = path.join(this.dir, `sentinel-${port}.conf`); // a sentinel rewrites its own config
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
        ].join('\n') + '\n',
      );
      await this.start(port, [file, '--sentinel']);
      sentinels.push({ host: '127.0.0.1', port });
    }
    // Every sentinel has found the replica and the other sentinels before a test kills anything.
    for (const s of sentinels) {
      await this.until(async () => {
        const info = await this.cli(s.port, 'INFO', 'sentinel');
        return info.includes('slaves=1') && info.includes('sentinels=3');
      });
    }
    return { master, replica, sentinels };
  }

  /** Six nodes made into a cluster by `redis-cli --cluster create` (three masters, each with a replica). */
  async cluster(): Promise<{ host: string; port: number }[]> {
    const nodes: { host: string; port: number }[] = [];
    for (let i = 0; i < 6; i++) {
      const port = await this.port();
      await this.server(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000']);
      nodes.push({ host: '127.0.0.1', port });
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: 60_000,
    });
    for (const n of nodes) await this.until(async () => (await this.cli(n.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'));
    return nodes;
  }

  /** Poll `check` every 100 ms until it holds (the test's own timeout bounds the wait). */
  async until(check: () => Promise<boolean>): Promise<void> {
    while (!(await check().catch(() => false))) await sleep(100);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
