/**
 * Every view in gateway/pages/ renders from a view model in both languages with every message filled:
 * no `{placeholder}` left (the sign of a message given the wrong values), no "undefined"/"NaN", and in
 * Chinese no English word that did not come from the model's own data (a label left untranslated).
 * Message keys themselves are checked by the compiler (t() takes a MessageKey, views take Say).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { Catalog } from '../../resource-catalog/catalog';
import type { Lang } from '../../gateway/i18n';
import { ADMIN_SECTIONS } from '../../gateway/admin/nav';
import type { Html } from '../../gateway/pages/html';
import { adminHomeBody, adminLoginBody, catalogReloadBody } from '../../gateway/pages/admin-page';
import { deniedBody } from '../../gateway/pages/denied-page';
import { federationsBody } from '../../gateway/pages/federations-page';
import { loadBody, suspensionsBody, type LoadView } from '../../gateway/pages/load-page';
import { messageBody, type MessageView } from '../../gateway/pages/message';
import { linkBody, portalBody } from '../../gateway/pages/portal-page';
import { qrPosterBody, qrSheetBody, type QrCard } from '../../gateway/pages/qr-sheet-page';
import { securityBody, type SecurityView } from '../../gateway/pages/security-page';
import { signedOutBody, signOutConfirmBody, signOutContinueBody, signOutPostBody } from '../../gateway/pages/sign-out-page';
import { unproxiedBody } from '../../gateway/pages/unproxied-page';
import { usagePage } from '../../gateway/pages/usage-page';
import { parseFilter, summarise } from '../../gateway/usage/reports';
import { testConfig } from '../helpers/gateway';

const shipped = parse(readFileSync(path.join(__dirname, '../../config/examples/demo.yaml'), 'utf8')) as { institutions: unknown[]; resources: unknown[]; idp: unknown };
const config = testConfig({ institutions: shipped.institutions as never, resources: shipped.resources as never, idp: shipped.idp as never });
const catalog = new Catalog(config.resources);
const TZ = 'Asia/Shanghai';
const AT = '2026-03-02T08:30:00.000Z';

/** Words a Chinese page may show in Latin letters: the product, file formats, units, standards' names (COUNTER's DR, PR), config keys. */
const LATIN_OK = new Set(['Passway', 'CSV', 'JSON', 'PDF', 'ASN', 'COUNTER', 'DR', 'PR', 'TR', 'IR', 'KB', 'MB', 'GB', 'SAML', 'MDQ', 'IdP', 'entityID', 'hosts', 'federations']);
const GW = ['https://gw.example.edu/go/'];

const qrCards: QrCard[] = catalog.resources.map((r, i) => ({ id: r.id, title: r.title, shownTitle: r.title.zh ?? r.title.en, permalink: `https://gw.example.edu/go/${r.id}`, chosen: i < 2 }));
const federationStatus = {
  federation: 'carsi',
  sources: [
    { federation: 'carsi', kind: 'aggregate' as const, source: 'https://dspool.carsi.edu.cn/metadata.xml', lastFetch: AT, lastSuccess: AT, loadedFrom: 'cache' as const, signature: 'verified' as const, failures: 1, entities: 40, validUntil: AT, nextRefresh: AT, lastError: { at: AT, reason: 'ETIMEDOUT' } },
    { federation: 'carsi', kind: 'mdq' as const, source: 'https://mdq.carsi.edu.cn/', signature: 'refused' as const, failures: 0, entities: 1, nextRefresh: AT, answers: [{ entityID: 'https://idp.pku.edu.cn/idp', validUntil: AT, nextRefresh: AT }] },
  ],
};
const loadView: LoadView = {
  timeZone: TZ,
  node: 'node-a1',
  inFlight: 3,
  lagMs: 12.4,
  sessions: 7,
  overload: { since: AT, shed: 2 },
  resources: [
    { id: 'demo-journals', title: '演示期刊平台', active: 2, seats: [{ institution: '演示大学', used: 1, seats: 3 }], peakToday: 4 },
    { id: 'demo-oa', title: '开放获取期刊目录', active: 0, seats: [], peakToday: 0 },
  ],
  day: '2026-03-02',
  peaks: [{ node: 'node-a1', inFlight: 9, lagMs: 40, sessions: 12 }],
  history: [
    { at: AT, entry: { type: 'overload-shed', node: 'node-a1', cause: 'in-flight', shed: 4, peakInFlight: 9, peakLagMs: 40, from: AT, until: AT } },
    { at: AT, entry: { type: 'suspension', resource: 'demo-journals', user: 'u1', institution: 'demo', items: 40, bytes: 1000, until: AT }, resource: '演示期刊平台' },
    { at: AT, entry: { type: 'suspension-lifted', resource: 'demo-journals', user: 'u1', institution: 'demo' }, resource: '演示期刊平台' },
  ],
};
const securityView: SecurityView = {
  timeZone: TZ,
  token: 'tok',
  signedOut: '2',
  demo: true,
  trips: [
    { id: 't1', rule: 'harvest', at: AT, who: 'demo/u1', resource: '演示期刊平台', value: 6, over: 5, action: 'suspend', outcome: { kind: 'suspended', resource: '全部资源' } },
    { id: 't2', rule: 'many-networks', at: AT, who: 'demo/u2', value: 4, over: 3, action: 'require-reauth', outcome: { kind: 'sessions-ended', count: 1 } },
    { id: 't3', rule: 'pdf-burst', at: AT, who: '*', value: 4, over: 3, action: 'alert' },
  ],
  suspensions: [{ user: 'u1', institution: 'demo', resource: '*', title: '全部资源', rule: 'harvest', until: AT }],
  blocks: [{ user: 'u3', institution: 'demo', since: AT, reason: '账号被盗' }],
  configExemptions: [{ subject: 'demo:miner', reason: '文本挖掘项目', rules: ['harvest'] }],
  exemptions: [{ user: 'u4', institution: 'demo', reason: '文本挖掘项目', until: AT }],
  rules: [
    { name: 'harvest', criterion: 'item-requests', per: 'user', across: 'resource', over: 5, windowMinutes: 60, action: 'suspend', suspend: 'resource', forMinutes: 60 },
    { name: 'many-countries', criterion: 'countries', per: 'session', across: 'platform', over: 2, windowMinutes: 60, action: 'log', suspend: 'all', forMinutes: 60 },
  ],
};
const messages: MessageView[] = [
  { title: 'notFoundTitle', message: { key: 'notFoundBody', vars: { path: '/nowhere' } } },
  { title: 'loginFailedTitle', message: { key: 'loginFailedBody', vars: { reason: '登录已过期', id: 'req-1' } }, tone: 'alert', code: 'expired', actions: [{ href: '/auth/x/login', say: 'loginTryAgain', button: true }] },
  { title: 'overloadTitle', message: { key: 'overloadBody', vars: { count: '2' } }, tone: 'status', actions: [{ href: '/go/x', say: 'overloadRetry', button: true }] },
  { title: 'csrfRefusedTitle', message: 'csrfRefusedBody', tone: 'alert', back: { href: '/admin/suspensions', say: 'suspensionsTitle' } },
  { title: 'proxyHandoffTitle', message: 'proxyHandoffBody', tone: 'alert', back: false },
];

/** Each view with its model; `data` is what came from the model (names, ids), which may be in any script. */
const VIEWS: { name: string; render: (lang: Lang) => Html; data?: unknown }[] = [
  ...messages.map((view, i) => ({ name: `message ${i}`, render: (lang: Lang) => messageBody(lang, view), data: view })),
  { name: 'admin home', render: (lang) => adminHomeBody(lang, { role: 'admin', sections: ADMIN_SECTIONS, catalog: { count: 3, token: 'tok' } }) },
  { name: 'catalog reloaded', render: (lang) => catalogReloadBody(lang, { ok: true, count: 1 }) },
  { name: 'admin sign-in', render: (lang) => adminLoginBody(lang, { token: 'tok', returnTo: '/admin', notice: { key: 'adminLoginThrottled', vars: { count: '5' } } }) },
  { name: 'QR sheet', render: (lang) => qrSheetBody(lang, qrCards), data: qrCards },
  { name: 'QR poster', render: (lang) => qrPosterBody(lang, qrCards[0]!), data: qrCards },
  { name: 'unproxied hosts', render: (lang) => unproxiedBody(lang, { days: 30, resources: [{ id: 'demo-journals', title: '演示期刊平台', hosts: [{ host: 'cdn.vendor.example', count: 3 }] }] }), data: ['cdn.vendor.example', 'demo-journals'] },
  { name: 'usage report', render: (lang) => usagePage(lang, config, catalog, summarise(parseFilter({}, '2026-03-02'), [], 0)), data: shipped },
  { name: 'load', render: (lang) => loadBody(lang, loadView), data: loadView },
  { name: 'suspensions', render: (lang) => suspensionsBody(lang, { timeZone: TZ, token: 'tok', suspensions: [{ resource: 'demo-journals', title: '演示期刊平台', institution: 'demo', user: 'u1', items: 40, bytes: 1000, until: AT }] }), data: ['demo'] },
  { name: 'security', render: (lang) => securityBody(lang, securityView), data: securityView },
  { name: 'federations', render: (lang) => federationsBody(lang, { timeZone: TZ, federations: [{ status: federationStatus, alerts: [{ kind: 'expiring', federation: 'carsi', source: 'aggregate', validUntil: AT }, { kind: 'unavailable', federation: 'carsi', source: 'mdq', reason: 'ETIMEDOUT' }] }] }), data: federationStatus },
  { name: 'no federations', render: (lang) => federationsBody(lang, { timeZone: TZ, federations: [] }) },
  { name: 'sign out?', render: (lang) => signOutConfirmBody(lang, { token: 'tok', notice: 'signOutRefused' }) },
  { name: 'on to the campus', render: (lang) => signOutContinueBody(lang, { campus: '北京大学', url: 'https://idp.pku.edu.cn/logout' }) },
  { name: 'campus sign-out (POST)', render: (lang) => signOutPostBody(lang, { campus: '北京大学', action: 'https://idp.pku.edu.cn/slo', fields: { SAMLRequest: 'abc' } }) },
  { name: 'signed out, campus ended', render: (lang) => signedOutBody(lang, { campus: { name: '北京大学', outcome: 'ended' } }) },
  { name: 'signed out, campus not ended', render: (lang) => signedOutBody(lang, { campus: { name: '北京大学', outcome: 'not-ended', link: 'https://cas.pku.edu.cn/logout' } }) },
  { name: 'denied', render: (lang) => deniedBody({ lang, reason: 'seats-full', retryHref: '/go/x', delivery: { name: '文献传递', href: 'https://ill.example.edu' } }), data: ['seats-full'] },
  { name: 'link generator', render: (lang) => linkBody({ lang, raw: 'https://journals.example/a', outcome: { kind: 'made', resourceId: 'demo-journals', title: '演示期刊平台', link: 'https://gw.example.edu/go/demo-journals', target: 'https://journals.example/a' } }), data: ['https://journals.example/a', 'demo-journals', ...GW] },
  { name: 'portal', render: (lang) => portalBody({ lang, search: { q: '', subject: '', letter: '' }, subjects: [{ tag: 'science', label: '科学' }], letters: ['K', 'Y'], total: 1, entries: [{ id: 'demo-oa', title: '开放获取期刊目录', vendor: 'DOAJ', how: 'direct', availability: { allow: false, reason: 'licence-ended', date: '2026-01-01' }, permalink: 'https://gw.example.edu/go/demo-oa' }] }), data: ['DOAJ', 'demo-oa', ...GW] },
];

/** What a person reads or hears: text outside tags, and the alt, aria-label and title attributes. */
function readable(markup: string): string {
  const attributes = [...markup.matchAll(/\s(?:alt|aria-label|title|placeholder)="([^"]*)"/g)].map((m) => m[1]);
  // An element marked lang="en" is English on purpose (a poster speaks both languages).
  const text = markup.replace(/<(style|script)\b[^]*?<\/\1>/g, ' ').replace(/<(\w+)[^>]*\slang="en"[^>]*>[^<]*<\/\1>/g, ' ').replace(/<[^>]*>/g, ' ');
  return [text, ...attributes].join(' ').replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&gt;/g, '>');
}

function dataWords(data: unknown): Set<string> {
  const words = new Set<string>();
  const walk = (value: unknown) => {
    if (typeof value === 'string') for (const w of value.split(/[^A-Za-z]+/)) words.add(w);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(data);
  return words;
}

describe.each(VIEWS)('$name', ({ render, data }) => {
  test.each(['en', 'zh'] as const)('renders in %s with every message filled', (lang) => {
    const text = readable(render(lang).value);
    expect(text.trim().length).toBeGreaterThan(0);
    expect(text).not.toMatch(/\{\w+\}/);
    expect(text).not.toMatch(/\bundefined\b|\bNaN\b|\[object /);
  });

  test('shows no English word of its own in Chinese', () => {
    const allowed = dataWords(data);
    const english = (readable(render('zh').value).match(/[A-Za-z][A-Za-z'-]*[A-Za-z]/g) ?? []).filter((w) => !LATIN_OK.has(w) && !allowed.has(w) && !w.split('-').every((part) => allowed.has(part)));
    expect(english).toEqual([]);
  });

  test('the two languages differ (the view does translate)', () => {
    expect(readable(render('zh').value)).not.toEqual(readable(render('en').value));
  });
});
