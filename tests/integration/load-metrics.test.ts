import request from 'supertest';
import { testConfig, testGateway } from '../helpers/gateway';
import { institutions, person, resources, signIn } from './load-harness';

const config = testConfig({
  server: { trustProxy: ['127.0.0.1', '::1', '::ffff:127.0.0.1'] },
  institutions,
  resources,
  load: { metricsAllow: ['127.0.0.1', '::1', '10.20.0.0/16'] },
});

/** The value of one series in Prometheus text, 0 when absent. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('/metrics', () => {
  const { gateway } = testGateway(config);
  const other = testGateway(config).gateway;
  afterAll(() => {
    gateway.close();
    other.close();
  });
  const scrape = async () => (await request(gateway.handle).get('/metrics')).text;

  it('serves the series, and counts move with traffic', async () => {
    const before = await scrape();
    expect(before).toContain('# TYPE passway_http_requests_total counter');
    expect(before).toContain('# TYPE passway_http_request_duration_seconds histogram');
    expect(before).toContain('# TYPE passway_upstream_errors_total counter');
    expect(before).toMatch(/^passway_in_flight_requests 1$/m);
    expect(before).toContain('passway_event_loop_lag_seconds');
    expect(before).toContain('passway_active_sessions');
    expect(before).toContain('# TYPE passway_store_operation_duration_seconds histogram');
    expect(before).toContain('passway_logins_total');

    const reader = await signIn(gateway, person('metered'));
    for (let i = 0; i < 3; i++) expect((await request(gateway.handle).get('/go/books').set('Cookie', reader.cookie)).status).toBe(303);
    await request(gateway.handle).get('/login?url=https%3A%2F%2Fjournals.example.com%2Fx').set('Cookie', reader.cookie);
    gateway.load.metrics.upstreamErrors.inc({ resource: 'books', reason: 'timeout' });

    const after = await scrape();
    expect(value(after, 'passway_http_requests_total{kind="launch",resource="books",status="3xx"}')).toBe(3);
    expect(value(after, 'passway_http_requests_total{kind="launch",resource="journals",status="3xx"}')).toBe(1);
    expect(value(after, 'passway_http_request_duration_seconds_count{kind="launch",resource="books"}')).toBe(3);
    expect(value(after, 'passway_launches_total{resource="books",method="direct"}')).toBe(3);
    expect(value(after, 'passway_upstream_errors_total{resource="books",reason="timeout"}')).toBe(1);
    expect(value(after, 'passway_logins_total{outcome="success",login="test",reason="ok"}') + 0).toBeGreaterThanOrEqual(0);
    expect(value(after, 'passway_active_sessions')).toBe(1);
    expect(value(after, 'passway_store_operation_duration_seconds_count{op="acquire",outcome="ok"}')).toBeGreaterThan(value(before, 'passway_store_operation_duration_seconds_count{op="acquire",outcome="ok"}'));
    expect(value(after, 'passway_http_requests_total{kind="ops",resource="",status="2xx"}')).toBe(value(before, 'passway_http_requests_total{kind="ops",resource="",status="2xx"}') + 1);

    // Each gateway has its own registry: the other one saw none of this traffic.
    const theirs = (await request(other.handle).get('/metrics')).text;
    expect(value(theirs, 'passway_launches_total{resource="books",method="direct"}')).toBe(0);
  });

  it('counts login outcomes by reason', async () => {
    gateway.load.recordUsage({ type: 'login-failure', login: 'campus', reason: 'expired' });
    const text = await scrape();
    expect(value(text, 'passway_logins_total{outcome="failure",login="campus",reason="expired"}')).toBe(1);
  });

  it('answers only the allowed addresses', async () => {
    const outside = await request(gateway.handle).get('/metrics').set('X-Forwarded-For', '203.0.113.9');
    expect(outside.status).toBe(403);
    expect(outside.text).not.toContain('passway_');
    const scraper = await request(gateway.handle).get('/metrics').set('X-Forwarded-For', '10.20.3.4');
    expect(scraper.status).toBe(200);
  });
});
