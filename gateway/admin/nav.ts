import type { MessageKey } from '../i18n';
import type { AdminRole } from './roles';

/** Sections listed on /admin; other admin pages (load, suspensions) add themselves here. */
export interface AdminSection {
  href: string;
  label: MessageKey;
  /** The least role that may open it. */
  role: AdminRole;
}

export const ADMIN_SECTIONS: AdminSection[] = [
  { href: '/admin/usage', label: 'adminUsageTitle', role: 'librarian' },
  { href: '/admin/qr', label: 'qrSheetTitle', role: 'librarian' },
  { href: '/admin/load', label: 'loadTitle', role: 'admin' },
  { href: '/admin/suspensions', label: 'suspensionsTitle', role: 'admin' },
  { href: '/admin/security', label: 'securityTitle', role: 'admin' },
  { href: '/admin/unproxied', label: 'unproxiedTitle', role: 'admin' },
  { href: '/admin/federations', label: 'fedTitle', role: 'admin' },
  { href: '/admin/vendor-logins', label: 'roamingAdminTitle', role: 'admin' },
];
