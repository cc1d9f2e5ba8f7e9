import type { Lang } from '../i18n';

/** A moment as the admin pages show it: the reader's language, in the catalog's time zone; empty for none. */
export function dateTime(lang: Lang, timeZone: string, iso: string | undefined): string {
  return iso ? new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso)) : '';
}
