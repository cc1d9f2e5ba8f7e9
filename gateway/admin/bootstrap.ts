import type { Config } from '../../config/schema';
import type { Identity } from '../../idp-adapters/identity';
import { hashPassword, parsePasswordHash, verifyPassword, type PasswordHash } from './password';
import { BOOTSTRAP_ADAPTER } from './roles';

export type BootstrapCheck = (username: string, password: string) => Promise<Identity | undefined>;

/**
 * The bootstrap local admin's credential check, or undefined when none is configured. An env
 * password is hashed at start with a random salt and then forgotten; every attempt runs scrypt
 * (also for a wrong user name) and compares in constant time.
 */
export function bootstrapCheck(admin: Config['admin']): BootstrapCheck | undefined {
  const bootstrap = admin.bootstrap;
  if (!bootstrap) return undefined;
  const source = bootstrap.passwordHash ?? (bootstrap.password ? hashPassword(bootstrap.password) : undefined);
  if (!source) return undefined;
  const stored: PasswordHash = parsePasswordHash(source);
  return async (username, password) => {
    const passwordOk = await verifyPassword(password, stored);
    if (!passwordOk || username !== bootstrap.username) return undefined;
    return {
      subject: bootstrap.username,
      institution: 'local',
      affiliations: [],
      entitlements: [],
      groups: [],
      displayName: bootstrap.username,
      source: { adapter: BOOTSTRAP_ADAPTER, authnInstant: new Date().toISOString() },
      attributes: {},
    };
  };
}
