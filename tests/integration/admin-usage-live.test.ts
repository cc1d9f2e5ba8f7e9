/** End to end: events through the real usage log and aggregates show up in the report and the COUNTER DR. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { MemoryStore } from '../../gateway/store';
import { createUsageLog, type UsageLog } from '../../gateway/usage';
import { signIn, testGateway } from '../helpers/gateway';
import { adminConfig, identity } from './admin-harness';

let dir: string;
let log: UsageLog;
const store = new MemoryStore();
const now = new Date('2025-03-10T04:00:00Z');

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'passway-admin-usage-'));
  log = createUsageLog({ dir, store, pseudonymKey: 'k'.repeat(32), timeZone: 'Asia/Shanghai', now: () => now, node: 'n1' });
});
afterAll(async () => {
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

it('counts recorded events exactly in /api/v1/usage and the COUNTER DR', async () => {
  const { gateway } = testGateway(adminConfig(), { store, usage: log });
  const faculty = { institution: 'uni', affiliations: ['faculty'] };
  for (const subject of ['a', 'b', 'c']) log.record({ type: 'login-success', login: 'campus', adapter: 'cas', subject, ...faculty });
  log.record({ type: 'launch', resource: 'journals', method: 'proxy', onCampus: false, subject: 'a', ...faculty });
  log.record({ type: 'launch', resource: 'journals', method: 'proxy', onCampus: false, subject: 'b', ...faculty });
  log.record({ type: 'launch', resource: 'cnki', method: 'direct', onCampus: true, subject: 'c', ...faculty });
  log.record({ type: 'denial', resource: 'cnki', reason: 'not-licensed', subject: 'c', ...faculty });
  log.record({ type: 'proxy-summary', resource: 'journals', requests: 30, bytes: 9000, searches: 2, itemRequests: 4, uniqueItemRequests: 3, session: 's1', subject: 'a', ...faculty });
  await log.settle();

  const { cookie } = await signIn(gateway.sessions, identity({ subject: 'lib', groups: ['library-staff'] }));

  const api = await request(gateway.handle).get('/api/v1/usage?from=2025-03-10&to=2025-03-10').set('Cookie', cookie);
  expect(api.status).toBe(200);
  expect(api.body.totals).toMatchObject({ logins: 3, launches: 3, denials: 1, uniqueUsers: 3, onCampus: 1, offCampus: 2 });
  expect(api.body.resources.map((r: { resource: string; launches: number }) => [r.resource, r.launches])).toEqual([['journals', 2], ['cnki', 1]]);

  const dr = await request(gateway.handle).get('/admin/usage/counter/dr?month=2025-03&format=json').set('Cookie', cookie);
  expect(dr.body.Report_Items).toEqual([expect.objectContaining({
    Database: 'CNKI, China Academic Journals',
    Attribute_Performance: [{ Data_Type: 'Database_Full', Performance: { No_License: { '2025-03': 1 } } }],
  }), expect.objectContaining({
    Database: 'Journal Platform',
    Attribute_Performance: [
      { Data_Type: 'Database_Full', Performance: { Searches_Regular: { '2025-03': 2 } } },
      { Data_Type: 'Database_Full_Item', Performance: {
        Total_Item_Investigations: { '2025-03': 4 }, Total_Item_Requests: { '2025-03': 4 }, Unique_Item_Investigations: { '2025-03': 3 }, Unique_Item_Requests: { '2025-03': 3 },
      } },
    ],
  })]);
});
