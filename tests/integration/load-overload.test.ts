import { createServer, request as httpRequest, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { testConfig, testGateway } from '../helpers/gateway';
import { institutions, person, resources, signIn } from './load-harness';

/** One node with an in-flight limit of 1: a single request held open overloads it. */
const config = testConfig({ institutions, resources, load: { maxInFlight: 1, retryAfterSeconds: 120 } });

describe('overload guard', () => {
  const { gateway, lines } = testGateway(config);
  const events = () => lines.filter((l) => l.usage === true).map((l) => l.event as Record<string, unknown>);
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer(gateway.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    gateway.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A slow client: a form POST whose body never finishes, so the gateway keeps it in progress. */
  function holdOpen(): ClientRequest {
    const held = httpRequest(`${base}/logout`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '100' } });
    held.on('error', () => undefined);
    held.write('a=');
    return held;
  }

  async function until(check: () => boolean) {
    while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it('sheds anonymous logins and launches while a request is held open, keeps signed-in launches, and records one episode', async () => {
    const reader = await signIn(gateway, person('busy-reader'));
    expect((await request(base).get('/go/books').set('Cookie', reader.cookie)).status).toBe(303);

    const held = holdOpen();
    await until(() => gateway.load.inFlight() >= 1);

    const home = await request(base).get('/').set('Cookie', reader.cookie);
    expect(home.status).toBe(200);
    // Two in flight (the held one and this): past maxInFlight 1, not past its headroom of 2 × for signed-in readers.
    expect((await request(base).get('/go/books').set('Cookie', reader.cookie)).status).toBe(303);
    const launch = await request(base).get('/go/books').set('Accept-Language', 'zh-CN');
    expect(launch.status).toBe(503);
    expect(launch.headers['retry-after']).toBe('120');
    expect(launch.text).toContain('当前访问人数过多');
    const login = await request(base).get('/login?url=https%3A%2F%2Fbooks.example.com%2F');
    expect(login.status).toBe(503);
    expect((await request(base).get('/ds')).status).toBe(503);
    expect((await request(base).get('/auth/campus/login')).status).toBe(503);
    expect((await request(base).get('/healthz')).status).toBe(200);
    expect(gateway.load.guard.current()?.shed).toBe(4);
    expect(events().filter((e) => e.type === 'overload-shed')).toHaveLength(0);

    held.destroy();
    await until(() => events().some((e) => e.type === 'overload-shed'));
    const episodes = events().filter((e) => e.type === 'overload-shed');
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({ cause: 'in-flight', shed: 4, peakInFlight: 2 });

    // Recovered: launches work again, and no second episode appears.
    expect((await request(base).get('/go/books').set('Cookie', reader.cookie)).status).toBe(303);
    expect(events().filter((e) => e.type === 'overload-shed')).toHaveLength(1);

    const metrics = await request(base).get('/metrics');
    expect(metrics.text).toMatch(/^passway_overload_shed_total 4$/m);
  });
});

describe('overload guard: a CPU-bound storm (event-loop utilisation)', () => {
  // The node's own utilisation is whatever this machine does; the guard reads a fake one the test sets.
  let utilization = 0;
  const { gateway, lines } = testGateway(testConfig({ institutions, resources, load: { maxEventLoopUtilization: 0.9 } }), {
    loopSignals: { lagMs: () => 0, utilization: () => utilization },
  });
  const events = () => lines.filter((l) => l.usage === true).map((l) => l.event as Record<string, unknown>);
  afterAll(() => gateway.close());

  it('sheds anonymous login starts and launches while the loop is busy; signed-in readers launch and browse', async () => {
    const reader = await signIn(gateway, person('storm-reader'));
    utilization = 0.99;
    expect((await request(gateway.handle).get('/login?url=https%3A%2F%2Fbooks.example.com%2F')).status).toBe(503);
    expect((await request(gateway.handle).get('/auth/campus/login')).status).toBe(503);
    expect((await request(gateway.handle).get('/go/books')).status).toBe(503);
    expect((await request(gateway.handle).get('/go/books').set('Cookie', reader.cookie)).status).toBe(303);
    expect((await request(gateway.handle).get('/').set('Cookie', reader.cookie)).status).toBe(200);
    expect((await request(gateway.handle).get('/metrics')).text).toMatch(/^passway_overloaded 1$/m);

    utilization = 0.2;
    gateway.load.guard.settle();
    expect(events().filter((e) => e.type === 'overload-shed')).toEqual([expect.objectContaining({ cause: 'event-loop-utilization', shed: 3 })]);
    expect((await request(gateway.handle).get('/auth/campus/login')).status).not.toBe(503);
  });
});
