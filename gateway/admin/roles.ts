import type { Config } from '../../config/schema';
import type { Identity } from '../../idp-adapters/identity';

/** Librarians read usage reports; admins also act (lift suspensions, reload the catalog). */
export type AdminRole = 'librarian' | 'admin';

type RoleRule = NonNullable<Config['admin']['roles']['admins']>;

/** The adapter name of the bootstrap local admin's identity (no campus adapter uses it). */
export const BOOTSTRAP_ADAPTER = 'passway-admin';

type RoleConfig = Pick<Config, 'admin' | 'institutions'>;

/**
 * The institutions whose sign-ins may grant a role by group or entitlement: those listed, else,
 * with one institution configured, that one; with several, none. In a consortium every IdP
 * can assert any group name, so "library-staff" from one member must not make an admin of the
 * gateway (`config check` warns about such a rule).
 */
export function groupInstitutions(rule: RoleRule, config: Pick<Config, 'institutions'>): string[] {
  return rule.institutions ?? (config.institutions.length <= 1 ? config.institutions.map((i) => i.id) : []);
}

function grants(rule: RoleRule | undefined, user: Identity, config: RoleConfig): boolean {
  if (!rule) return false;
  if (rule.subjects.includes(`${user.institution}:${user.subject}`)) return true;
  if (!groupInstitutions(rule, config).includes(user.institution)) return false;
  return user.groups.some((g) => rule.groups.includes(g)) || user.entitlements.some((e) => rule.entitlements.includes(e));
}

/** The user's admin role from config (admin wins over librarian), or undefined. */
export function adminRole(config: RoleConfig, user: Identity | undefined): AdminRole | undefined {
  if (!user) return undefined;
  const { admin } = config;
  if (user.source.adapter === BOOTSTRAP_ADAPTER) return admin.bootstrap?.username === user.subject ? 'admin' : undefined;
  if (grants(admin.roles.admins, user, config)) return 'admin';
  if (grants(admin.roles.librarians, user, config)) return 'librarian';
  return undefined;
}

export const mayAct = (role: AdminRole | undefined) => role === 'admin';
