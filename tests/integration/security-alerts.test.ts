/**
 * Issue 18 item 4: a trip is reported by e-mail to a real SMTP server (smtp-server, started here) and by
 * a webhook to a real HTTP receiver, each with the evidence link; the webhook body is HMAC-signed; the
 * daily digest lists the day's trips.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { signature } from '../../gateway/rules/alerts';
import { demoLibrary, get, member, proxiedHost, signedIn, startGateway, type RunningGateway } from './proxy-harness';

const SECRET = 'webhook-secret-0123456789';
const mails: { to: string[]; data: string }[] = [];
const hooks: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let smtp: SMTPServer;
let receiver: http.Server;
let vendor: http.Server;
let node: RunningGateway;

const listen = (server: { listen: (port: number, host: string, done: () => void) => unknown; address?: () => unknown }) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve(((server as unknown as http.Server).address() as AddressInfo).port)));

beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks).toString() });
        done();
      });
    },
  });
  const smtpPort = await listen(smtp.server as unknown as http.Server);
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(204).end();
    });
  });
  const hookPort = await listen(receiver);
  vendor = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/pdf' }).end('%PDF-1.4'));
  const vendorPort = await listen(vendor);
  node = await startGateway(() => ({
    institutions: [{ id: 'demo-university', name: { en: 'Demo University' } }],
    resources: [demoLibrary(vendorPort, { patterns: { item: ['/pdf/'] } })],
    security: {
      preset: 'none',
      rules: [{ name: 'pdf-burst', criterion: 'pdf-downloads', over: 2, windowMinutes: 10, action: 'alert' }],
      alerts: {
        email: { host: '127.0.0.1', port: smtpPort, from: 'passway@library.example.edu', to: ['eresources@library.example.edu'] },
        webhook: { url: `http://127.0.0.1:${hookPort}/hooks/passway`, secret: SECRET },
      },
    },
  }));
  (globalThis as { vendorPort?: number }).vendorPort = vendorPort;
});

afterAll(async () => {
  await node.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  for (const server of [receiver, vendor]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

it('a trip sends an e-mail and a signed webhook with the evidence link; the digest lists it', async () => {
  const port = (globalThis as { vendorPort?: number }).vendorPort!;
  const cookie = await signedIn(node.gateway, member({ subject: 'grabber' }));
  for (let i = 1; i <= 3; i++) {
    const res = await get(node.port, proxiedHost(`localhost---http-${port}`, node.port), `/pdf/${i}`, { cookie });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    await node.gateway.security.engine.settled();
  }
  await node.gateway.security.alerts.settled();
  const [trip] = await node.gateway.security.engine.trips();
  expect(trip).toMatchObject({ rule: 'pdf-burst', value: 3 });
  const evidence = `${node.base}/admin/security/trips/${trip!.id}/evidence.csv`;

  expect(mails).toHaveLength(1);
  expect(mails[0]!.to).toEqual(['eresources@library.example.edu']);
  expect(mails[0]!.data).toContain('Subject: [Passway] security rule pdf-burst tripped');
  expect(mails[0]!.data.replace(/=\r?\n/g, '')).toContain(evidence);

  expect(hooks).toHaveLength(1);
  const hook = hooks[0]!;
  expect(hook.headers['x-passway-signature']).toBe(signature(SECRET, String(hook.headers['x-passway-timestamp']), hook.body));
  expect(hook.headers['x-passway-signature']).not.toBe(signature('another-secret-0123456', String(hook.headers['x-passway-timestamp']), hook.body));
  const body = JSON.parse(hook.body) as { event: string; trip: { id: string }; evidence: { csv: string } };
  expect(body).toMatchObject({ event: 'rule-tripped', trip: { id: trip!.id }, evidence: { csv: evidence } });

  await node.gateway.security.alerts.digest(await node.gateway.security.engine.trips(), Date.now());
  expect(mails).toHaveLength(2);
  expect(mails[1]!.data).toContain('security digest: 1 trips in 24 hours');
  expect(JSON.parse(hooks[1]!.body)).toMatchObject({ event: 'daily-digest', trips: [{ id: trip!.id }] });
});
