/**
 * Issue 14: the usage log on a full disk and in a folder that cannot be written. A 96 KB tmpfs is
 * mounted as the usage folder (CI runs as root) and filled to the last byte; a tmpfs remounted
 * read-only, and a file where the folder should be, are the unwritable folders (root ignores
 * permission bits). Events wait in memory and are written, whole and once, when writing works
 * again; meanwhile /readyz says "degraded" with the reason and /metrics counts the failures.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { MemoryStore } from '../../gateway/store';
import { createUsageLog, queryUsage, type UsageLog } from '../../gateway/usage';
import { testConfig, testGateway } from '../helpers/gateway';

const KEY = 'usage-disk-key-'.padEnd(40, 'x');
const DAY = '2025-03-01';
const NCSA = /^\S+ - \S+ \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \S+ HTTP\/1\.1" 200 \d+ "[^"]*" "[^"]*"$/;
const mounts: string[] = [];

afterAll(() => {
  for (const dir of mounts) {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

function tmpfs(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'passway-usage-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

/** Fill the file system holding `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096, 0x2e);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return file;
}

function usageLog(dir: string, store = new MemoryStore()): UsageLog {
  return createUsageLog({ dir, store, pseudonymKey: KEY, timeZone: 'UTC', node: 'disk', accessLog: true, catchUpIntervalMs: 3_600_000, now: () => new Date(`${DAY}T04:00:00Z`) });
}

let sent = 0;
function traffic(log: UsageLog, n: number): void {
  for (let i = 0; i < n; i++) {
    sent++;
    log.record({ type: 'launch', resource: 'cnki', method: 'proxy', onCampus: false, institution: 'pku', subject: `reader-${sent}`, affiliations: ['faculty'] });
    log.accessLog({ ip: '203.0.113.7', institution: 'pku', subject: `reader-${sent}`, time: new Date(`${DAY}T04:00:00Z`), method: 'GET', url: `https://kns.cnki.net/kcms/detail?id=${sent}&pad=${'x'.repeat(200)}`, status: 200, bytes: 1000 });
  }
}

function gatewayFor(log: UsageLog, store: MemoryStore) {
  const config = testConfig({ load: { metricsAllow: ['127.0.0.1', '::1', '::ffff:127.0.0.1'] } });
  return testGateway(config, { store, usage: log }).gateway;
}

const series = (text: string, name: string) => Number(/^(\S+) (\S+)$/m.exec(text.split('\n').filter((l) => l.startsWith(`${name} `))[0] ?? `${name} 0`)![2]);

/** Every event line of the usage file parses and each seq is there exactly once; every access line is whole. */
function checkFiles(dir: string, events: number) {
  const usage = readFileSync(path.join(dir, `usage-${DAY}.disk.jsonl`), 'utf8');
  const lines = usage.split('\n').filter(Boolean);
  const seqs = lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
  expect(seqs).toEqual(Array.from({ length: events }, (_, i) => i + 1));
  expect(usage.endsWith('\n')).toBe(true);
  const access = readFileSync(path.join(dir, `access-${DAY}.disk.log`), 'utf8').split('\n').filter(Boolean);
  expect(access.filter((l) => !NCSA.test(l))).toEqual([]);
  expect(access).toHaveLength(events);
  return { logged: lines.length, accessLines: access.length };
}

test('a full disk: nothing torn or doubled, /readyz degraded and a metric meanwhile, every event logged and counted after', async () => {
  sent = 0;
  const dir = tmpfs();
  const store = new MemoryStore();
  const log = usageLog(dir, store);
  const gateway = gatewayFor(log, store);
  traffic(log, 10);
  await log.settle();
  expect((await request(gateway.handle).get('/readyz')).status).toBe(200);

  const filler = fill(dir); // the last pages of the log files are partly free: the next write is cut short
  traffic(log, 40);
  await log.settle();
  expect(log.status()).toMatchObject({ writing: 'failing' });
  const ready = await request(gateway.handle).get('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({ status: 'degraded' });
  expect(ready.body.reason).toMatch(/usage log cannot be written: ENOSPC writing (usage|access)-/);
  const metrics = (await request(gateway.handle).get('/metrics')).text;
  expect(series(metrics, 'passway_usage_log_write_failures_total')).toBeGreaterThan(0);
  expect(series(metrics, 'passway_usage_log_writable')).toBe(0);

  unlinkSync(filler);
  await log.settle();
  expect(log.status()).toMatchObject({ writing: 'ok', lastWrittenSeq: 50 });
  expect((await request(gateway.handle).get('/readyz')).status).toBe(200);
  expect(series((await request(gateway.handle).get('/metrics')).text, 'passway_usage_log_writable')).toBe(1);
  const { logged, accessLines } = checkFiles(dir, 50);
  const counted = (await queryUsage(store, { from: DAY, to: DAY })).reduce((n, r) => n + r.launches, 0);
  console.log(`disk full: ${sent} events sent, ${logged} logged (${accessLines} NCSA lines), ${counted} counted`);
  expect(counted).toBe(50);
  gateway.close();
  await log.close();
});

test('a read-only folder: events wait, and are logged and counted once it is writable again', async () => {
  sent = 0;
  const dir = tmpfs();
  const store = new MemoryStore();
  const log = usageLog(dir, store);
  const gateway = gatewayFor(log, store);
  traffic(log, 5);
  await log.settle();
  execFileSync('mount', ['-o', 'remount,ro', dir]);
  traffic(log, 7);
  await log.settle();
  const ready = await request(gateway.handle).get('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body.reason).toMatch(/EROFS/);
  execFileSync('mount', ['-o', 'remount,rw', dir]);
  await log.settle();
  checkFiles(dir, 12);
  expect((await queryUsage(store, { from: DAY, to: DAY })).reduce((n, r) => n + r.launches, 0)).toBe(12);
  expect((await request(gateway.handle).get('/readyz')).status).toBe(200);
  gateway.close();
  await log.close();
});

test('a file where the usage folder should be: degraded with the reason until it is a folder', async () => {
  sent = 0;
  const parent = mkdtempSync(path.join(tmpdir(), 'passway-usage-notdir-'));
  const dir = path.join(parent, 'usage');
  writeFileSync(dir, 'not a folder');
  const store = new MemoryStore();
  const log = usageLog(dir, store);
  const gateway = gatewayFor(log, store);
  traffic(log, 3);
  await log.settle();
  const ready = await request(gateway.handle).get('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body.reason).toMatch(/ENOTDIR|EEXIST/);
  unlinkSync(dir);
  await log.settle(); // the retry makes the folder
  await log.settle();
  expect(readdirSync(dir).sort()).toEqual([`access-${DAY}.disk.log`, `usage-${DAY}.disk.jsonl`]);
  checkFiles(dir, 3);
  expect((await request(gateway.handle).get('/readyz')).status).toBe(200);
  gateway.close();
  await log.close();
  rmSync(parent, { recursive: true, force: true });
});
