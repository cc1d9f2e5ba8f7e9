import { t } from '../../gateway/i18n';

test.each([
  ['en', '1', '1 database'],
  ['en', '0', '0 databases'],
  ['en', '2', '2 databases'],
  ['zh', '1', '共 1 个数据库'],
  ['zh', '5', '共 5 个数据库'],
] as const)('portalCount in %s for %s: %s', (lang, count, text) => {
  expect(t(lang, 'portalCount', { count })).toBe(text);
});

test('a wait of one minute is not "1 minutes" or "minute(s)"', () => {
  expect(t('en', 'overloadBody', { count: '1' })).toMatch(/in about 1 minute\.$/);
  expect(t('en', 'overloadBody', { count: '3' })).toMatch(/in about 3 minutes\.$/);
});
