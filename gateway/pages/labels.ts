import type { Affiliation } from '../../idp-adapters/identity';
import type { DenyReason } from '../../resource-catalog/policy';
import type { Config, SecurityRuleConfig } from '../../config/schema';
import type { Catalog } from '../../resource-catalog/catalog';
import { pick, t, type Lang, type MessageKey } from '../i18n';

/**
 * Readable names for the codes Passway stores and counts (deny reasons, affiliations, subject tags),
 * so no page shows a code where a reader or librarian expects words. Typed records: a new code does
 * not compile until it has both names.
 */
interface Bilingual {
  en: string;
  zh: string;
}

const DENY_REASONS: Record<DenyReason, Bilingual> = {
  'not-subscribed': { en: 'not subscribed', zh: '未订购' },
  'affiliation-not-licensed': { en: 'role not covered by the licence', zh: '身份不在许可范围内' },
  'not-yet-available': { en: 'licence not started yet', zh: '许可尚未开始' },
  'licence-ended': { en: 'licence ended', zh: '许可已到期' },
  'seats-full': { en: 'all seats in use', zh: '并发名额已满' },
  suspended: { en: 'access suspended', zh: '访问已暂停' },
  'no-access-method': { en: 'no way in for this sign-in', zh: '此登录方式无法访问' },
  'sign-in-required': { en: 'not signed in', zh: '未登录' },
  'mfa-required': { en: 'needs two-step sign-in', zh: '需要两步验证登录' },
};

const AFFILIATIONS: Record<Affiliation, Bilingual> = {
  faculty: { en: 'faculty', zh: '教师' },
  student: { en: 'student', zh: '学生' },
  staff: { en: 'staff', zh: '职工' },
  employee: { en: 'employee', zh: '雇员' },
  member: { en: 'member', zh: '成员' },
  affiliate: { en: 'affiliate', zh: '附属人员' },
  alum: { en: 'alumni', zh: '校友' },
  'library-walk-in': { en: 'library walk-in', zh: '馆内访客' },
};

/** Subject tags used by the shipped presets and examples; a catalog's own tags can be named in `catalog.subjects`. */
export const SUBJECTS: Record<string, Bilingual> = {
  business: { en: 'Business', zh: '商业' },
  chemistry: { en: 'Chemistry', zh: '化学' },
  chinese: { en: 'Chinese resources', zh: '中文资源' },
  'citation-index': { en: 'Citation indexes', zh: '引文索引' },
  'computer-science': { en: 'Computer science', zh: '计算机科学' },
  dissertations: { en: 'Dissertations', zh: '学位论文' },
  engineering: { en: 'Engineering', zh: '工程' },
  humanities: { en: 'Humanities', zh: '人文' },
  law: { en: 'Law', zh: '法学' },
  management: { en: 'Management', zh: '管理' },
  medicine: { en: 'Medicine', zh: '医学' },
  multidisciplinary: { en: 'Multidisciplinary', zh: '综合' },
  'open-access': { en: 'Open access', zh: '开放获取' },
  physics: { en: 'Physics', zh: '物理' },
  science: { en: 'Science', zh: '科学' },
  'social-sciences': { en: 'Social sciences', zh: '社会科学' },
  technology: { en: 'Technology', zh: '技术' },
};

/** The sentence that tells a reader why; `date` fills the licence's start or end day. */
const DENIED_MESSAGES: Record<DenyReason, MessageKey> = {
  'not-subscribed': 'denied_not-subscribed',
  'affiliation-not-licensed': 'denied_affiliation-not-licensed',
  'not-yet-available': 'denied_not-yet-available',
  'licence-ended': 'denied_licence-ended',
  'seats-full': 'denied_seats-full',
  suspended: 'denied_suspended',
  'no-access-method': 'denied_no-access-method',
  'sign-in-required': 'denied_sign-in-required',
  'mfa-required': 'denied_mfa-required',
};

export function deniedMessage(reason: DenyReason, lang: Lang, date = ''): string {
  return t(lang, DENIED_MESSAGES[reason], { date });
}

export const AFFILIATION_CODES = Object.keys(AFFILIATIONS) as Affiliation[];

export function denyReasonLabel(reason: DenyReason, lang: Lang): string {
  return pick(DENY_REASONS[reason], lang);
}

/** A stored reason code (from the usage log, which may hold codes of another version): its name, or the code itself. */
export function reasonCodeLabel(code: string, lang: Lang): string {
  return code in DENY_REASONS ? denyReasonLabel(code as DenyReason, lang) : code;
}

export function affiliationLabel(code: string, lang: Lang): string {
  return code in AFFILIATIONS ? pick(AFFILIATIONS[code as Affiliation], lang) : code;
}

/** A subject tag's name: the catalog's own names first, then the built-in ones, else the tag. */
export function subjectLabel(tag: string, lang: Lang, own: Record<string, { en: string; zh?: string }> = {}): string {
  const name = own[tag] ?? SUBJECTS[tag];
  return name ? pick(name, lang) : tag;
}

/** The names people read for catalog and institution ids (the id itself when it is no longer configured). */
export interface Names {
  resource(id: string): string;
  institution(id: string): string;
}

export function names(config: Pick<Config, 'institutions'>, catalog: Catalog, lang: Lang): Names {
  return {
    resource: (id) => {
      const r = catalog.byId(id);
      return r ? pick(r.title, lang) : id;
    },
    institution: (id) => {
      const i = config.institutions.find((x) => x.id === id);
      return i ? pick(i.name, lang) : id;
    },
  };
}

type Rule = Required<Pick<SecurityRuleConfig, 'criterion' | 'per' | 'across' | 'action' | 'suspend'>>;

/** The words of a security rule's settings (the codes stay in config and the evidence export). */
const RULE_WORDS: { [K in keyof Rule]: Record<Rule[K], Bilingual> } = {
  criterion: {
    networks: { en: 'networks', zh: '网络数' },
    countries: { en: 'countries', zh: '国家数' },
    asns: { en: 'network operators (ASNs)', zh: '网络运营商（ASN）数' },
    logins: { en: 'sign-ins', zh: '登录次数' },
    'login-failures': { en: 'failed sign-ins', zh: '登录失败次数' },
    sessions: { en: 'sessions at once', zh: '同时在线会话数' },
    'item-requests': { en: 'items opened', zh: '打开的条目数' },
    'pdf-downloads': { en: 'PDF downloads', zh: 'PDF 下载次数' },
    bytes: { en: 'bytes through the proxy', zh: '代理传输字节数' },
    requests: { en: 'proxied requests', zh: '代理请求数' },
  },
  per: { user: { en: 'per person', zh: '按人' }, session: { en: 'per session', zh: '按会话' }, everyone: { en: 'everyone together', zh: '所有人合计' } },
  across: { platform: { en: 'all resources together', zh: '所有资源合计' }, resource: { en: 'each resource', zh: '每个资源分别' } },
  action: { log: { en: 'log', zh: '记录' }, alert: { en: 'alert', zh: '告警' }, suspend: { en: 'suspend', zh: '暂停访问' }, 'require-reauth': { en: 'sign in again', zh: '要求重新登录' } },
  suspend: { resource: { en: 'that resource', zh: '该资源' }, all: { en: 'every resource', zh: '全部资源' } },
};

export function ruleLabel<K extends keyof Rule>(setting: K, code: Rule[K], lang: Lang): string {
  const words = RULE_WORDS[setting] as Record<string, Bilingual>;
  return code in words ? pick(words[code]!, lang) : code;
}
