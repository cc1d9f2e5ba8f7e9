import type { Logger } from '../logger';
import type { UsageEvent } from './events';

export type { UsageEvent, UsageEventType, StoredUsageEvent } from './events';

/** The one entry point every caller uses; it never throws and never waits for the store. */
export type RecordUsage = (event: UsageEvent) => void;

/**
 * Fallback when no usage log is configured (e.g. a gateway built directly in tests): a structured
 * log line per event (`usage: true`), raw subjects and session ids dropped.
 */
export function usageRecorder(logger: Logger): RecordUsage {
  const usage = logger.child({ usage: true });
  return (event) => {
    const { subject: _subject, session: _session, ...rest } = event as UsageEvent & { subject?: string; session?: string };
    usage.info({ event: rest }, `usage ${event.type}`);
  };
}
