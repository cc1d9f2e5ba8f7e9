import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scriptedDay } from '../../bench/scripted-day';
import { MemoryStore } from '../../gateway/store';
import { createUsageLog, ncsaLine, pseudonymizer, queryUsage, readUsageLog, uniqueUsers, type UsageLogOptions } from '../../gateway/usage';
import { UsageLogWriter } from '../../gateway/usage/log-writer';

const KEY = 'k'.repeat(40);
const temp = () => mkdtempSync(path.join(tmpdir(), 'passway-usage-'));

function makeLog(options: Partial<UsageLogOptions> = {}) {
  const store = options.store ?? new MemoryStore();
  const log = createUsageLog({ dir: temp(), store, pseudonymKey: KEY, timeZone: 'Asia/Shanghai', node: 'test-node', catchUpIntervalMs: 60_000, ...options });
  return { log, store };
}

const allText = (dir: string) => readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('');

describe('pseudonymous user ids', () => {
  it('are a stable keyed HMAC of institution and subject', () => {
    const a = pseudonymizer(KEY);
    expect(a('pku', 'alice@pku.edu.cn')).toBe(a('pku', 'alice@pku.edu.cn'));
    expect(a('pku', 'alice@pku.edu.cn')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a('pku', 'alice@pku.edu.cn')).not.toBe(a('fudan', 'alice@pku.edu.cn'));
    expect(a('pku', 'alice@pku.edu.cn')).not.toBe(pseudonymizer('x'.repeat(40))('pku', 'alice@pku.edu.cn'));
    // institution + "\0" + subject: shifting the boundary gives another id
    expect(a('pk', 'ualice')).not.toBe(a('pku', 'alice'));
  });

  it('raw subjects and session ids never reach the log files', async () => {
    const { log, store } = makeLog({ accessLog: true });
    log.record({ type: 'login-success', login: 'pku-idp', adapter: 'saml', institution: 'pku', affiliations: ['student', 'member'], subject: 'alice@pku.edu.cn' });
    log.record({ type: 'proxy-summary', resource: 'ieee', institution: 'pku', subject: 'alice@pku.edu.cn', session: 'secret-session-id', requests: 3, bytes: 100 });
    log.accessLog({ ip: '10.0.0.1', institution: 'pku', subject: 'alice@pku.edu.cn', time: new Date(), method: 'GET', url: 'https://ieeexplore.ieee.org/document/1', status: 200, bytes: 5 });
    await log.close();
    const text = allText(log.dir);
    expect(text).not.toContain('alice');
    expect(text).not.toContain('secret-session-id');
    const events = [];
    for await (const e of readUsageLog(log.dir)) events.push(e);
    const user = pseudonymizer(KEY)('pku', 'alice@pku.edu.cn');
    expect(events.map((e) => e.user)).toEqual([user, user]);
    expect(events[0]).toMatchObject({ id: 'test-node:1', node: 'test-node', seq: 1, affiliation: 'student' });
    expect(events[0]).not.toHaveProperty('subject');
    expect(events[0]).not.toHaveProperty('affiliations');
    expect(events[1]).toHaveProperty('sessionRef');
    expect(text).toContain(` - ${user} [`);
    await store.close();
  });
});

describe('log files', () => {
  it('rotate by reporting day in the configured time zone', async () => {
    let now = new Date('2025-03-01T15:30:00Z'); // 23:30 in Shanghai
    const { log, store } = makeLog({ now: () => now });
    log.record({ type: 'uncatalogued', host: 'a.example' });
    now = new Date('2025-03-01T16:30:00Z'); // 00:30 on 2 March in Shanghai
    log.record({ type: 'uncatalogued', host: 'b.example' });
    await log.close();
    expect(readdirSync(log.dir).sort()).toEqual(['usage-2025-03-01.test-node.jsonl', 'usage-2025-03-02.test-node.jsonl']);
    const events = [];
    for await (const e of readUsageLog(log.dir, { from: '2025-03-02' })) events.push(e);
    expect(events).toMatchObject([{ day: '2025-03-02', host: 'b.example', seq: 2 }]);
    await store.close();
  });

  it('retention deletes usage and access files older than retentionDays', async () => {
    const dir = temp();
    for (const f of ['usage-2025-01-01.n1.jsonl', 'access-2025-01-01.n1.log', 'usage-2025-02-28.n1.jsonl', 'notes.txt']) writeFileSync(path.join(dir, f), '');
    const writer = new UsageLogWriter({ dir, node: 'n', flush: { mode: 'every-event' }, retentionDays: 30, onWritten: () => {}, onError: (e) => { throw e; } });
    const deleted = await writer.deleteExpired('2025-03-01');
    expect(deleted.map((f) => path.basename(f)).sort()).toEqual(['access-2025-01-01.n1.log', 'usage-2025-01-01.n1.jsonl']);
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'usage-2025-02-28.n1.jsonl']);
  });

  it('the first event of a day triggers retention', async () => {
    const dir = temp();
    writeFileSync(path.join(dir, 'usage-2024-01-01.old.jsonl'), '');
    const store = new MemoryStore();
    const log = createUsageLog({ dir, store, pseudonymKey: KEY, timeZone: 'UTC', node: 'n', retentionDays: 7, now: () => new Date('2025-01-01T12:00:00Z') });
    log.record({ type: 'uncatalogued', host: 'x.example' });
    await log.close();
    for (let i = 0; i < 100 && existsSync(path.join(dir, 'usage-2024-01-01.old.jsonl')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(readdirSync(dir)).toEqual(['usage-2025-01-01.n.jsonl']);
    await store.close();
  });

  it('interval flush writes buffered events on close', async () => {
    const { log, store } = makeLog({ flush: { mode: 'interval', intervalMs: 60_000 } });
    for (let i = 0; i < 10; i++) log.record({ type: 'uncatalogued', host: `h${i}.example` });
    await log.close();
    expect(allText(log.dir).trim().split('\n')).toHaveLength(10);
    await store.close();
  });

  it('writes NCSA combined access lines', () => {
    const line = ncsaLine(
      { ip: '203.0.113.9', time: new Date('2025-03-01T08:05:09Z'), method: 'GET', url: 'https://www.cnki.net/kcms/detail?id=1', status: 200, bytes: 5120, referer: 'https://gw/', userAgent: 'Mozilla/5.0 "x"' },
      'u1',
    );
    expect(line).toBe('203.0.113.9 - u1 [01/Mar/2025:08:05:09 +0000] "GET https://www.cnki.net/kcms/detail?id=1 HTTP/1.1" 200 5120 "https://gw/" "Mozilla/5.0 \\"x\\""\n');
  });
});

describe('aggregates on MemoryStore', () => {
  it('equal the scripted day exactly', async () => {
    const { events, totals } = scriptedDay();
    const { log, store } = makeLog({ now: () => new Date('2025-03-01T04:00:00Z') });
    for (const e of events) log.record(e);
    await log.settle();
    const rows = await queryUsage(store, { from: '2025-03-01', to: '2025-03-01' });
    const sum = (pick: (r: (typeof rows)[number]) => number, where: (r: (typeof rows)[number]) => boolean = () => true) => rows.filter(where).reduce((n, r) => n + pick(r), 0);
    for (const [resource, n] of Object.entries(totals.launchesByResource)) expect(sum((r) => r.launches, (r) => r.resource === resource)).toBe(n);
    for (const [inst, n] of Object.entries(totals.logins)) expect(sum((r) => r.logins, (r) => r.institution === inst)).toBe(n);
    for (const [reason, n] of Object.entries(totals.denialsByReason)) expect(sum((r) => r.denials[reason] ?? 0)).toBe(n);
    for (const [reason, n] of Object.entries(totals.loginFailuresByReason)) expect(sum((r) => r.loginFailures[reason] ?? 0)).toBe(n);
    for (const [resource, n] of Object.entries(totals.bytesByResource)) expect(sum((r) => r.bytes, (r) => r.resource === resource)).toBe(n);
    expect(sum((r) => r.launches, (r) => r.onCampus)).toBe(totals.onCampusLaunches);
    expect(await uniqueUsers(store, { from: '2025-03-01', to: '2025-03-01' })).toBe(totals.uniqueUsers);
    for (const [inst, n] of Object.entries(totals.uniqueUsersByInstitution)) expect(await uniqueUsers(store, { from: '2025-03-01', to: '2025-03-01', institution: inst })).toBe(n);
    expect(log.status()).toMatchObject({ aggregation: 'live', recorded: totals.events, lastAppliedSeq: totals.events });
    await log.close();
    await store.close();
  });

  it('record never throws, even for an event it cannot stamp', () => {
    const { log } = makeLog();
    expect(() => log.record(null as never)).not.toThrow();
    return log.close();
  });
});
