import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../../config/schema';
import type { Catalog } from '../../resource-catalog/catalog';
import { campusMatcher } from '../campus';
import type { Logger } from '../logger';
import type { Session, SessionObserver } from '../session';
import type { Store } from '../store/types';
import { dayFormatter } from '../usage/day';
import type { RecordUsage, UsageEvent } from '../usage/record';
import { LoadHistory, type HistoryEntry } from './history';
import { instrument, routeKind, type RouteLabel } from './instrument';
import { keys, pseudonym, UNLIMITED } from './keys';
import { LagMonitor } from './lag';
import { createMetrics, type LoadMetrics } from './metrics';
import { nodeId } from './node-id';
import { episodeCause, OverloadGuard, overloadShedding, type OverloadSources } from './overload';
import { Peaks } from './peaks';
import { sessionTracking, type SessionSeats } from './session-observer';
import { TimedStore } from './timed-store';
import { UtilizationMonitor } from './utilization';
import { IdleCollector } from '../gc-tuning';

export { labelResource } from './instrument';
export type { HistoryEntry } from './history';

export interface LoadDeps {
  config: Config;
  /** The raw Store; LoadControl.store is the same Store, timed. */
  store: Store;
  logger: Logger;
  /** Keys the pseudonymous user ids (HMAC). */
  secret: string;
  catalog: () => Catalog;
  /** Where usage events go (the usage log or log lines); LoadControl.recordUsage is it, counted in /metrics. */
  record: RecordUsage;
  now?: () => Date;
  /** The event loop's lag and utilisation as overload control reads them (tests give fakes; else the node's own monitors). */
  loopSignals?: Pick<OverloadSources, 'lagMs' | 'utilization'>;
}

/** How instrument() tells proxied requests (labelled by resource) from the gateway's own routes. */
export interface RequestClassifier {
  isProxyHost: (req: IncomingMessage) => boolean;
  /** The resource of a proxied request, without waiting on the Store. */
  proxyResource: (req: IncomingMessage) => string | undefined;
}

/** Load for IT and overload control, built once per gateway by the composition root. */
export class LoadControl {
  readonly metrics: LoadMetrics;
  /** The Store with every call timed (passway_store_operation_duration_seconds). */
  readonly store: Store;
  readonly node = nodeId();
  readonly guard: OverloadGuard;
  readonly history: LoadHistory;
  readonly peaks: Peaks;
  /** The gateway's recordUsage: every event goes to the usage sink and is counted in /metrics. */
  readonly recordUsage: RecordUsage;
  private readonly lag = new LagMonitor();
  private readonly utilization = new UtilizationMonitor();
  private readonly idle = new IdleCollector();
  private inFlightCount = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => Date;
  private readonly metricsAllowed: (address: string | undefined) => boolean;
  private readonly dayOf: (date: Date) => string;

  constructor(private readonly deps: LoadDeps) {
    const { config } = deps;
    this.now = deps.now ?? (() => new Date());
    this.dayOf = dayFormatter(config.catalog.timeZone);
    this.metrics = createMetrics({
      inFlight: () => this.inFlightCount,
      lagMs: () => this.lag.lagMs(),
      overloaded: () => this.guard.overloaded(),
      activeSessions: () => this.activeSessions(),
    });
    this.store = new TimedStore(deps.store, this.metrics.storeDuration);
    this.recordUsage = (event: UsageEvent) => {
      deps.record(event);
      this.count(event);
    };
    this.history = new LoadHistory(this.store, (date) => this.day(date));
    this.peaks = new Peaks(this.store, this.node, () => this.day());
    this.guard = new OverloadGuard(
      config.load,
      { inFlight: () => this.inFlightCount, lagMs: () => this.lag.sustainedLagMs(), utilization: () => this.utilization.sustained(), ...deps.loopSignals },
      (episode, endedAt) => {
        const cause = episodeCause(episode);
        const from = episode.startedAt.toISOString();
        const until = endedAt.toISOString();
        this.recordUsage({ type: 'overload-shed', cause, shed: episode.shed, startedAt: from, endedAt: until, peakInFlight: episode.peakInFlight, peakLagMs: episode.peakLagMs });
        this.remember({ type: 'overload-shed', node: this.node, cause, shed: episode.shed, peakInFlight: episode.peakInFlight, peakLagMs: episode.peakLagMs, from, until });
      },
      this.now,
    );
    this.metricsAllowed = campusMatcher(config.load.metricsAllow);
    // Once a second: close the lag and utilisation windows (an idle node collects its garbage), end a finished overload episode, note and (every 10 s) flush peaks.
    let ticks = 0;
    this.timer = setInterval(() => {
      this.peaks.note('lagMs', Math.round(this.lag.sample()));
      this.idle.tick(this.utilization.sample());
      this.guard.settle();
      if (++ticks % 10 === 0) void this.samplePeaks();
    }, 1000);
    this.timer.unref();
  }

  /** For Sessions: active-session counts, the per-user session cap, and the session's seats kept in step. */
  sessionObserver(seats: SessionSeats): SessionObserver {
    return sessionTracking({
      store: this.store,
      seats,
      logger: this.deps.logger,
      pseudonym: (session) => this.userOf(session),
      maxSessionsPerUser: this.deps.config.load.maxSessionsPerUser,
    });
  }

  /** The library's day (every request notes its peak under it: formatted once a minute, not per call). */
  day(date = this.now()): string {
    return this.dayOf(date);
  }

  userOf(session: Session): string | undefined {
    const user = session.data.user;
    return user ? pseudonym(this.deps.secret, user) : undefined;
  }

  inFlight(): number {
    return this.inFlightCount;
  }

  lagMs(): number {
    return this.lag.lagMs();
  }

  async activeSessions(): Promise<number> {
    return this.store.countHolders(keys.activeSessions);
  }

  async activeUsers(resource: string): Promise<number> {
    return this.store.countHolders(keys.activeResource(resource));
  }

  /** Wrap the gateway's request handler: in-flight count, request metrics, overload episode end. */
  instrument(handle: (req: IncomingMessage, res: ServerResponse) => void, requests: RequestClassifier) {
    const classify = (req: IncomingMessage): RouteLabel => {
      if (requests.isProxyHost(req)) return { kind: 'proxy', resource: requests.proxyResource(req) ?? '' };
      return routeKind((req.url ?? '/').split('?')[0] ?? '/');
    };
    return instrument(handle, {
      metrics: this.metrics,
      classify,
      known: (resource) => !!this.deps.catalog().byId(resource),
      onStart: () => {
        this.inFlightCount += 1;
        this.peaks.note('inFlight', this.inFlightCount);
      },
      onEnd: () => {
        this.inFlightCount -= 1;
        this.guard.settle();
      },
    });
  }

  /** Keep an overload or suspension entry for /admin/load (never waits, never throws). */
  remember(entry: HistoryEntry): void {
    this.history.add(entry, this.now()).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'load control: history not stored'));
  }

  /** Metrics from events: logins by outcome and reason, launches, denials, suspensions. */
  private count(event: UsageEvent): void {
    const m = this.metrics;
    if (event.type === 'login-success') m.logins.inc({ outcome: 'success', login: event.login, reason: 'ok' });
    else if (event.type === 'login-failure') m.logins.inc({ outcome: 'failure', login: event.login ?? '', reason: event.reason });
    else if (event.type === 'launch') m.launches.inc({ resource: event.resource, method: event.method });
    else if (event.type === 'denial') m.denials.inc({ resource: event.resource, reason: event.reason });
    else if (event.type === 'suspension') m.suspensions.inc({ resource: event.resource });
  }

  /** GET /metrics for the addresses in load.metricsAllow only. */
  metricsRoute(): Router {
    const router = Router();
    router.get('/metrics', async (req: Request, res: Response) => {
      if (!this.metricsAllowed(req.ip)) {
        res.status(403).type('text/plain').send('metrics are only served to the addresses in load.metricsAllow\n');
        return;
      }
      res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
    });
    return router;
  }

  /** Sheds new logins and launches while overloaded, anonymous ones first (mount after sessions are loaded). */
  overloadShedding() {
    return overloadShedding(this.guard, this.deps.config.load.retryAfterSeconds, () => this.metrics.shed.inc());
  }

  /** After an allowed launch: the user counts as active on the resource (and the peak moves). */
  async noteLaunch(session: Session, resource: string): Promise<void> {
    const ttl = this.deps.config.session.idleTimeoutMinutes * 60_000;
    await this.store.acquire(keys.activeResource(resource), session.id, UNLIMITED, ttl);
    this.peaks.note(`resource:${resource}`, await this.activeUsers(resource));
  }

  /** Sample global values into this node's peaks, then flush them. */
  async samplePeaks(): Promise<void> {
    try {
      this.peaks.note('sessions', await this.activeSessions());
    } catch {
      // the Store is away: the next tick tries again
    }
    await this.peaks.flush();
  }

  close(): void {
    clearInterval(this.timer);
    this.lag.stop();
  }
}

export function createLoad(deps: LoadDeps): LoadControl {
  return new LoadControl(deps);
}

/** The upstream-error counter the proxy increments: labels resource and reason (e.g. timeout, refused, reset). */
export function upstreamErrors(load: LoadControl): LoadMetrics['upstreamErrors'] {
  return load.metrics.upstreamErrors;
}

export type Guard = (req: Request, res: Response, next: NextFunction) => void;
