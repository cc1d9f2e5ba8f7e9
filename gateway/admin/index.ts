export { requireAdmin, requireLibrarian, requireRole, forbidden } from './access';
export { audit } from './audit';
export { ADMIN_SECTIONS, type AdminSection } from './nav';
export { adminRole, mayAct, type AdminRole } from './roles';
export { hashPassword } from './password';
