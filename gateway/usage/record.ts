import type { Logger } from '../logger';

/** Every usage event goes through recordUsage; the usage-log issue gives it a durable home. */
export type UsageEvent =
  | { type: 'login-success'; login: string; adapter: string; institution: string; affiliations: string[] }
  | { type: 'login-failure'; login?: string; adapter?: string; reason: string }
  | { type: 'launch'; resource: string; method: 'wayfless' | 'proxy' | 'direct'; institution?: string; onCampus: boolean; affiliations: string[] }
  | { type: 'denial'; resource: string; reason: string; institution?: string; affiliations: string[] }
  | { type: 'uncatalogued'; host: string };

export type RecordUsage = (event: UsageEvent) => void;

/**
 * For now a structured log line per event (`usage: true` marks them for log shipping). Users
 * never appear by identifier here: pseudonymous ids come with the usage log.
 */
export function usageRecorder(logger: Logger): RecordUsage {
  const usage = logger.child({ usage: true });
  return (event) => usage.info({ event }, `usage ${event.type}`);
}
