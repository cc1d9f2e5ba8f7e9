import { createHmac } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../../config/schema';
import type { Logger } from '../logger';
import type { Store } from '../store/types';
import type { Trip } from './engine';

export type AlertConfig = Config['security']['alerts'];

/** What a receiver gets: the trip, and where the evidence is (an admin sign-in is needed to open it). */
export interface AlertBody {
  event: 'rule-tripped' | 'daily-digest';
  trip?: Trip;
  evidence?: { csv: string; json: string };
  trips?: Trip[];
  page: string;
}

/** The webhook's signature header value for a timestamp and body (receivers recompute it with the shared secret). */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const digestKey = (day: string) => `rules:digest:${day}`;

/**
 * Alerts on trips: an e-mail (nodemailer, SMTP from security.alerts.email) and a webhook (JSON,
 * HMAC-signed), sent by the node whose count tripped the rule (the Store lets exactly one trip);
 * a daily digest, sent by the first node to claim the day in the Store. Failures are logged, never thrown.
 */
export class Alerts {
  private readonly mail?: Transporter;
  private timer?: NodeJS.Timeout;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly config: AlertConfig,
    private readonly publicUrl: URL,
    private readonly logger: Logger,
  ) {
    const email = config.email;
    if (email) {
      this.mail = nodemailer.createTransport({
        host: email.host,
        port: email.port,
        secure: email.secure,
        auth: email.user ? { user: email.user, pass: email.password ?? '' } : undefined,
      });
    }
  }

  get configured(): boolean {
    return !!this.mail || !!this.config.webhook;
  }

  private link(path: string): string {
    return new URL(path, this.publicUrl).href;
  }

  /** A trip of a rule that does more than log: told now. */
  tripped(trip: Trip): void {
    if (trip.action === 'log' || !this.configured) return;
    const evidence = { csv: this.link(`/admin/security/trips/${trip.id}/evidence.csv`), json: this.link(`/admin/security/trips/${trip.id}/evidence.json`) };
    const body: AlertBody = { event: 'rule-tripped', trip, evidence, page: this.link('/admin/security') };
    const who = trip.user ? `${trip.institution ?? ''}/${trip.user}` : 'everyone';
    const subject = `[Passway] security rule ${trip.rule} tripped: ${who}`;
    const text = [
      `Rule ${trip.rule} tripped at ${trip.at}: ${trip.criterion} ${trip.value} > ${trip.over} within ${trip.windowMinutes} minutes (per ${trip.per}, across ${trip.across}).`,
      `Person (pseudonymous): ${who}${trip.resource ? `; resource: ${trip.resource}` : ''}.`,
      `Action: ${trip.action}${trip.outcome ? ` (${trip.outcome})` : ''}; until ${trip.until}.`,
      '',
      `Evidence (CSV): ${evidence.csv}`,
      `Evidence (JSON): ${evidence.json}`,
      `Admin page: ${body.page}`,
    ].join('\n');
    this.send(subject, text, body);
  }

  /** Once a minute: at digestHour, the node that claims the day first sends the last 24 hours' trips. */
  startDigest(store: Store, trips: () => Promise<Trip[]>, timeZone: string, now: () => number = Date.now): void {
    if (!this.configured) return;
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: 'numeric', hourCycle: 'h23' });
    this.timer = setInterval(() => {
      const fields = Object.fromEntries(parts.formatToParts(now()).map((p) => [p.type, p.value]));
      if (Number(fields.hour) !== this.config.digestHour) return;
      const day = `${fields.year}-${fields.month}-${fields.day}`;
      void this.track(
        (async () => {
          if (!(await store.setIfAbsent(digestKey(day), '1', 2 * 86_400_000))) return;
          await this.digest(await trips(), now());
        })(),
      );
    }, 60_000);
    this.timer.unref();
  }

  /** The digest of the trips of the 24 hours before `at`. */
  async digest(all: Trip[], at: number): Promise<void> {
    const since = new Date(at - 86_400_000).toISOString();
    const trips = all.filter((trip) => trip.at >= since);
    const body: AlertBody = { event: 'daily-digest', trips, page: this.link('/admin/security') };
    const lines = trips.map((t) => `${t.at}  ${t.rule}  ${t.user ? `${t.institution ?? ''}/${t.user}` : 'everyone'}  ${t.criterion} ${t.value} > ${t.over}  ${t.action}${t.outcome ? ` (${t.outcome})` : ''}  ${this.link(`/admin/security/trips/${t.id}/evidence.csv`)}`);
    this.send(`[Passway] security digest: ${trips.length} trips in 24 hours`, [`${trips.length} security rules tripped since ${since}.`, '', ...lines, '', `Admin page: ${body.page}`].join('\n'), body);
    await this.settled();
  }

  /** Resolves when every alert started so far has been sent or has failed (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  close(): void {
    clearInterval(this.timer);
    this.mail?.close();
  }

  private send(subject: string, text: string, body: AlertBody): void {
    const email = this.config.email;
    if (this.mail && email) {
      void this.track(this.mail.sendMail({ from: email.from, to: email.to, subject, text }).then(() => undefined), 'e-mail');
    }
    const webhook = this.config.webhook;
    if (webhook) {
      const json = JSON.stringify(body);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Passway security alerts', 'x-passway-timestamp': timestamp };
      if (webhook.secret) headers['x-passway-signature'] = signature(webhook.secret, timestamp, json);
      void this.track(
        fetch(webhook.url, { method: 'POST', headers, body: json, signal: AbortSignal.timeout(10_000) }).then(async (res) => {
          await res.body?.cancel();
          if (!res.ok) throw new Error(`webhook answered HTTP ${res.status}`);
        }),
        'webhook',
      );
    }
  }

  private track(work: Promise<void>, what = 'digest'): Promise<void> {
    const running = work.catch((error: unknown) => this.logger.warn({ err: error, what }, 'security alert not sent'));
    this.pending.add(running);
    void running.finally(() => this.pending.delete(running));
    return running;
  }
}
