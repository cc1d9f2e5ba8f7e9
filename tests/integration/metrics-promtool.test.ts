/**
 * Issue 14: /metrics passes Prometheus's own linter, `promtool check metrics` (Debian package
 * prometheus; .ci/run installs it). It rejected prom-client's default gauges named with _total.
 */
import { promtoolProblems } from '../helpers/promtool';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { MemoryStore } from '../../gateway/store';
import { createUsageLog } from '../../gateway/usage';
import { testConfig, testGateway } from '../helpers/gateway';

test('`promtool check metrics` finds nothing to complain about in /metrics', async () => {
  const store = new MemoryStore();
  const usage = createUsageLog({ dir: mkdtempSync(path.join(tmpdir(), 'passway-promtool-')), store, pseudonymKey: 'k'.repeat(40), timeZone: 'UTC' });
  const { gateway } = testGateway(testConfig({ load: { metricsAllow: ['127.0.0.1', '::1', '::ffff:127.0.0.1'] } }), { store, usage });
  await request(gateway.handle).get('/readyz');
  const metrics = (await request(gateway.handle).get('/metrics')).text;
  expect(metrics).toContain('passway_usage_log_writable 1');
  expect(promtoolProblems(metrics)).toBe('');
  gateway.close();
  await usage.close();
});
