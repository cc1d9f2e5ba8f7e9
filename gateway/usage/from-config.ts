import { createHmac } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../../config/schema';
import type { Logger } from '../logger';
import type { Store } from '../store/types';
import { demoPseudonymKey } from './pseudonym';
import { createUsageLog, type UsageLog } from './usage-log';

/**
 * The pseudonym key: usage.pseudonymKey (env PASSWAY_USAGE_KEY / _FILE); in demo mode one generated
 * into the demo state dir; otherwise derived from the session secret (ids then change when it is rotated).
 */
export function pseudonymKeyFrom(config: Config, sessionSecret: string, logger?: Logger): string {
  if (config.usage.pseudonymKey) return config.usage.pseudonymKey;
  if (config.demo.enabled) return demoPseudonymKey(config.demo.stateDir);
  logger?.warn('usage.pseudonymKey is not set: pseudonymous user ids are derived from the session secret and change when it is rotated (set PASSWAY_USAGE_KEY_FILE)');
  return createHmac('sha256', sessionSecret).update('passway usage pseudonym key').digest('hex');
}

export function usageLogFromConfig(config: Config, store: Store, sessionSecret: string, logger?: Logger): UsageLog {
  const u = config.usage;
  return createUsageLog({
    dir: path.resolve(u.dir),
    store,
    pseudonymKey: pseudonymKeyFrom(config, sessionSecret, logger),
    timeZone: u.timeZone ?? config.catalog.timeZone,
    flush: u.flush === 'interval' ? { mode: 'interval', intervalMs: u.flushIntervalMs } : { mode: 'every-event' },
    retentionDays: u.retentionDays,
    accessLog: u.accessLog,
    catchUpIntervalMs: u.catchUpIntervalSeconds * 1000,
    logger,
  });
}
