import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { federationAlerts, type FederationMetadata, type SourceStatus } from '../../idp-adapters/saml';
import type { UsageStatus } from '../usage';

/** Where gauges read their current values (collected when Prometheus scrapes). */
export interface GaugeSources {
  inFlight: () => number;
  lagMs: () => number;
  overloaded: () => boolean;
  /** Approximate: signed-in sessions seen active within the idle timeout (a Store presence set). */
  activeSessions: () => Promise<number>;
}

export type LoadMetrics = ReturnType<typeof createMetrics>;

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STORE_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2];

/**
 * The gateway's Prometheus metrics, in a registry of its own (never prom-client's global one), so
 * several gateways in one process (tests) do not clash.
 */
export function createMetrics(sources: GaugeSources) {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'passway_' });
  // prom-client names these three gauges with a counter's _total suffix (promtool check metrics rejects
  // that); each is the sum of the by-type gauge of the same name without it.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(`passway_${name}`);
  return {
    registry,
    requests: new Counter({
      name: 'passway_http_requests_total',
      help: 'HTTP requests by route kind (launch, proxy, auth, discovery, admin, page, ops, api), resource (launch and proxy) and status class',
      labelNames: ['kind', 'resource', 'status'] as const,
      registers,
    }),
    duration: new Histogram({
      name: 'passway_http_request_duration_seconds',
      help: 'time from request to response end, by route kind and resource',
      labelNames: ['kind', 'resource'] as const,
      buckets: SECONDS,
      registers,
    }),
    rateLimited: new Counter({
      name: 'passway_rate_limited_total',
      help: 'requests refused by a per-address limit (config limits): login-start, admin-login',
      labelNames: ['limit'] as const,
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'passway_upstream_errors_total',
      help: 'vendor (upstream) failures seen by the rewriting proxy, by resource and reason',
      labelNames: ['resource', 'reason'] as const,
      registers,
    }),
    inFlight: new Gauge({
      name: 'passway_in_flight_requests',
      help: 'requests in progress on this node',
      registers,
      collect() {
        this.set(sources.inFlight());
      },
    }),
    lag: new Gauge({
      name: 'passway_event_loop_lag_seconds',
      help: 'largest event-loop delay in the last second (perf_hooks.monitorEventLoopDelay)',
      registers,
      collect() {
        this.set(sources.lagMs() / 1000);
      },
    }),
    overloaded: new Gauge({
      name: 'passway_overloaded',
      help: '1 while this node sheds new logins and launches',
      registers,
      collect() {
        this.set(sources.overloaded() ? 1 : 0);
      },
    }),
    activeSessions: new Gauge({
      name: 'passway_active_sessions',
      help: 'signed-in sessions active within the idle timeout, across all nodes (approximate)',
      registers,
      async collect() {
        this.set(await sources.activeSessions());
      },
    }),
    storeDuration: new Histogram({
      name: 'passway_store_operation_duration_seconds',
      help: 'Store (Redis or memory) call latency by operation and outcome',
      labelNames: ['op', 'outcome'] as const,
      buckets: STORE_SECONDS,
      registers,
    }),
    logins: new Counter({
      name: 'passway_logins_total',
      help: 'sign-in outcomes by login method and reason (ok for a success)',
      labelNames: ['outcome', 'login', 'reason'] as const,
      registers,
    }),
    launches: new Counter({ name: 'passway_launches_total', help: 'launches by resource and access method', labelNames: ['resource', 'method'] as const, registers }),
    denials: new Counter({ name: 'passway_denials_total', help: 'launch denials by resource and reason', labelNames: ['resource', 'reason'] as const, registers }),
    shed: new Counter({ name: 'passway_overload_shed_total', help: 'new logins and launches refused with 503 while overloaded', registers }),
    suspensions: new Counter({ name: 'passway_suspensions_total', help: 'users suspended from a resource by download limits', labelNames: ['resource'] as const, registers }),
  };
}

/** The usage log's health in /metrics: failed writes (a full disk, an unwritable folder), store losses, catching up. */
export function usageMetrics(registry: Registry, usage: { status(): UsageStatus }): void {
  const registers = [registry];
  const total = (counter: Counter, n: number) => {
    counter.reset();
    if (n > 0) counter.inc(n);
  };
  new Counter({
    name: 'passway_usage_log_write_failures_total',
    help: 'failed writes to the usage or access log (full disk, unwritable folder); the events wait in memory and are retried',
    registers,
    collect() {
      total(this, usage.status().writeFailures);
    },
  });
  new Gauge({
    name: 'passway_usage_log_writable',
    help: '1 while the usage log can be written, 0 while writes fail (then /readyz answers "degraded")',
    registers,
    collect() {
      this.set(usage.status().writing === 'ok' ? 1 : 0);
    },
  });
  new Counter({
    name: 'passway_usage_store_losses_total',
    help: 'times this node found that the store had lost the usage aggregates and recounted them from the log files',
    registers,
    collect() {
      total(this, usage.status().storeLosses);
    },
  });
  new Gauge({
    name: 'passway_usage_catching_up',
    help: '1 while usage events are logged but not yet counted in the store (it failed), 0 when counting is live',
    registers,
    collect() {
      this.set(usage.status().aggregation === 'live' ? 0 : 1);
    },
  });
}

/**
 * Federation metadata per federation and source (aggregate, mdq), read from their status at each
 * scrape: times as Unix seconds (alert on `passway_federation_metadata_valid_until_seconds - time()`),
 * IdPs trusted, and 1 in `…_degraded` exactly when /readyz names it.
 */
export function federationMetrics(registry: Registry, federations: ReadonlyMap<string, FederationMetadata>): void {
  const registers = [registry];
  const labelNames = ['federation', 'source'] as const;

  const each = (gauge: Gauge<'federation' | 'source'>, value: (s: SourceStatus, degraded: boolean) => number | undefined) => {
    gauge.reset();
    const now = Date.now();
    for (const status of [...federations.values()].map((f) => f.status)) {
      const alerts = federationAlerts(status, now);
      for (const s of status.sources) {
        const v = value(s, alerts.some((a) => a.source === s.kind));
        if (v !== undefined) gauge.set({ federation: s.federation, source: s.kind }, v);
      }
    }
  };
  const seconds = (iso: string | undefined) => (iso ? Date.parse(iso) / 1000 : undefined);
  new Gauge({
    name: 'passway_federation_metadata_valid_until_seconds',
    help: 'validUntil of the federation metadata in use (MDQ: the soonest cached answer), Unix time',
    labelNames,
    registers,
    collect() {
      each(this, (s) => seconds(s.validUntil));
    },
  });
  new Gauge({
    name: 'passway_federation_metadata_last_success_timestamp_seconds',
    help: 'when federation metadata was last fetched and verified, Unix time',
    labelNames,
    registers,
    collect() {
      each(this, (s) => seconds(s.lastSuccess));
    },
  });
  new Gauge({
    name: 'passway_federation_metadata_last_fetch_timestamp_seconds',
    help: 'when federation metadata was last fetched or tried, Unix time',
    labelNames,
    registers,
    collect() {
      each(this, (s) => seconds(s.lastFetch));
    },
  });
  new Gauge({
    name: 'passway_federation_metadata_idps',
    help: 'IdPs trusted from the federation metadata source (MDQ: answers cached)',
    labelNames,
    registers,
    collect() {
      each(this, (s) => s.entities);
    },
  });
  new Gauge({
    name: 'passway_federation_metadata_signature_ok',
    help: '1 when the last signature check of the source passed, 0 when it was refused',
    labelNames,
    registers,
    collect() {
      each(this, (s) => (s.signature === undefined ? undefined : s.signature === 'verified' ? 1 : 0));
    },
  });
  new Counter({
    name: 'passway_federation_metadata_failures_total',
    help: 'federation metadata fetches refused (signature, validUntil, wrong entity) or failed (network, HTTP status) since start',
    labelNames,
    registers,
    collect() {
      this.reset();
      for (const f of federations.values()) for (const s of f.status.sources) if (s.failures > 0) this.inc({ federation: s.federation, source: s.kind }, s.failures);
    },
  });
  new Gauge({
    name: 'passway_federation_metadata_degraded',
    help: '1 while the source has no verified metadata or its metadata expires within a day (then /readyz answers "degraded")',
    labelNames,
    registers,
    collect() {
      each(this, (_s, degraded) => (degraded ? 1 : 0));
    },
  });
}
