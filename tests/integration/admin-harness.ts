import request from 'supertest';
import type { ConfigInput } from '../../config';
import { hashPassword } from '../../gateway/admin/password';
import type { Store } from '../../gateway/store/types';
import type { UsageFilter, UsageRow, UsageSource } from '../../gateway/usage/reports';
import type { Identity } from '../../idp-adapters/identity';
import { signIn, testConfig, testGateway } from '../helpers/gateway';

export const ADMIN_PASSWORD = 'correct horse battery staple';
const PASSWORD_HASH = hashPassword(ADMIN_PASSWORD);

/** A config with two institutions, two databases, a CAS login, campus role mapping and a bootstrap admin. */
export function adminConfig(over: ConfigInput = {}) {
  return testConfig({
    institutions: [
      { id: 'uni', name: { en: 'Example University', zh: '示例大学' } },
      { id: 'other', name: { en: 'Other College', zh: '其他学院' } },
    ],
    logins: [{ kind: 'cas', id: 'campus', institution: 'uni', serverUrl: 'https://cas.uni.example.edu/cas' }],
    resources: [
      {
        id: 'journals', title: { en: 'Journal Platform', zh: '期刊平台' }, vendor: 'Publisher', hosts: [{ host: 'journals.example.com' }],
        access: [{ kind: 'proxy', start: 'https://journals.example.com/' }], licences: [{ institution: 'uni' }],
        patterns: { item: ['^https://journals\\.example\\.com/article/'], search: ['^https://journals\\.example\\.com/search'] },
      },
      {
        id: 'cnki', title: { en: 'CNKI, China Academic Journals', zh: '中国知网' }, vendor: 'Tongfang Knowledge', hosts: [{ host: 'kns.cnki.net' }],
        access: [{ kind: 'proxy', start: 'https://kns.cnki.net/' }], licences: [{ institution: 'uni' }],
      },
    ],
    admin: {
      roles: {
        admins: { subjects: ['uni:boss'] },
        librarians: { groups: ['library-staff'], institutions: ['uni'] },
      },
      bootstrap: { username: 'root', passwordHash: PASSWORD_HASH },
      apiTokens: [{ name: 'bi-dashboard', sha256: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8' /* sha256("password") */ }],
    },
    ...over,
  });
}

const row = (over: Partial<UsageRow> & Pick<UsageRow, 'day' | 'resource' | 'institution'>): UsageRow => ({
  affiliation: 'faculty', method: 'proxy', onCampus: false, logins: 0, launches: 0, denials: {}, loginFailures: {}, requests: 0, bytes: 0,
  itemRequests: 0, uniqueItemRequests: 0, searches: 0, seatFull: 0, suspensions: 0, overloadShed: 0, ...over,
});

/** Fixed aggregate rows for March 2025 (and one in April, outside the month). */
export const ROWS: UsageRow[] = [
  row({ day: '2025-03-03', resource: '', institution: 'uni', method: 'cas', logins: 4, loginFailures: { 'no-attributes': 2, 'saml-error': 1 } }),
  row({ day: '2025-03-03', resource: 'journals', institution: 'uni', launches: 5, denials: { 'not-licensed': 1 }, bytes: 2_000_000, requests: 40, searches: 3, itemRequests: 5, uniqueItemRequests: 4, seatFull: 2, suspensions: 1, overloadShed: 3 }),
  row({ day: '2025-03-03', resource: 'cnki', institution: 'uni', affiliation: 'student', method: 'direct', onCampus: true, launches: 2 }),
  row({ day: '2025-03-04', resource: 'journals', institution: 'other', affiliation: 'student', launches: 1, denials: { 'affiliation-not-licensed': 2 }, bytes: 500_000, searches: 1, itemRequests: 2, uniqueItemRequests: 2 }),
  row({ day: '2025-03-05', resource: 'cnki', institution: 'uni', launches: 3, bytes: 1_000 }),
  row({ day: '2025-04-01', resource: 'journals', institution: 'uni', launches: 9, searches: 9, itemRequests: 9, uniqueItemRequests: 9 }),
];

const matches = (r: UsageRow, f: UsageFilter) =>
  r.day >= f.from && r.day <= f.to && (!f.institution || r.institution === f.institution) && (!f.affiliation || r.affiliation === f.affiliation) &&
  (!f.resource || r.resource === f.resource) && (!f.method || r.method === f.method);

/** A report source over fixed rows, recording the filters it was asked for. */
export function fixedSource(rows = ROWS) {
  const asked: UsageFilter[] = [];
  const source: UsageSource = {
    queryUsage: async (_store: Store, filter: UsageFilter) => {
      asked.push(filter);
      return rows.filter((r) => matches(r, filter));
    },
    uniqueUsers: async (_store: Store, filter: UsageFilter) => (filter.institution === 'other' ? 1 : 7),
    queryItems: async () => ({ items: [], titles: [] }),
  };
  return { source, asked };
}

export function identity(over: Partial<Identity> = {}): Identity {
  return { subject: 'reader', institution: 'uni', affiliations: ['student'], entitlements: [], groups: [], source: { adapter: 'cas' }, attributes: {}, ...over };
}

export function adminGateway(over: ConfigInput = {}) {
  const { source, asked } = fixedSource();
  const built = testGateway(adminConfig(over), { reports: source });
  const signedIn = async (user: Identity): Promise<string> => (await signIn(built.gateway.sessions, user)).cookie;
  /** The CSRF token shown on /admin for this session. */
  const csrfFor = async (cookie: string): Promise<string> => {
    const res = await request(built.gateway.handle).get('/admin').set('Cookie', cookie);
    const token = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1];
    if (!token) throw new Error(`no CSRF token on /admin (HTTP ${res.status})`);
    return token;
  };
  const usage = () => built.lines.filter((l) => l.usage === true).map((l) => l.event as Record<string, unknown>);
  return { ...built, asked, signedIn, csrfFor, usage };
}
