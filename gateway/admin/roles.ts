import type { Config } from '../../config/schema';
import type { Identity } from '../../idp-adapters/identity';

/** Librarians read usage reports; admins also act (lift suspensions, reload the catalog). */
export type AdminRole = 'librarian' | 'admin';

type RoleRule = NonNullable<Config['admin']['roles']['admins']>;

/** The adapter name of the bootstrap local admin's identity (no campus adapter uses it). */
export const BOOTSTRAP_ADAPTER = 'passway-admin';

function grants(rule: RoleRule | undefined, user: Identity): boolean {
  if (!rule) return false;
  if (rule.subjects.includes(`${user.institution}:${user.subject}`)) return true;
  if (rule.institutions && !rule.institutions.includes(user.institution)) return false;
  return user.groups.some((g) => rule.groups.includes(g)) || user.entitlements.some((e) => rule.entitlements.includes(e));
}

/** The user's admin role from config (admin wins over librarian), or undefined. */
export function adminRole(admin: Config['admin'], user: Identity | undefined): AdminRole | undefined {
  if (!user) return undefined;
  if (user.source.adapter === BOOTSTRAP_ADAPTER) return admin.bootstrap?.username === user.subject ? 'admin' : undefined;
  if (grants(admin.roles.admins, user)) return 'admin';
  if (grants(admin.roles.librarians, user)) return 'librarian';
  return undefined;
}

export const mayAct = (role: AdminRole | undefined) => role === 'admin';
