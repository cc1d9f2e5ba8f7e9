import type { Lang } from '../../i18n';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;
const LOCALE: Record<Lang, string> = { en: 'en', zh: 'zh-CN' };

/**
 * A byte count for people: decimal units (as disks and network links are sold), one decimal below 10
 * and whole numbers above, so "28 KB" rather than "0.0 MB". Unit symbols are the same in Chinese.
 */
export function readableBytes(bytes: number, lang: Lang): string {
  let unit = 0;
  let value = Math.max(0, bytes);
  while (unit < UNITS.length - 1 && value >= 1000) {
    value /= 1000;
    unit++;
  }
  let digits = unit > 0 && value < 10 ? 1 : 0;
  // 999.6 KB rounds to "1000 KB": say 1.0 MB instead.
  if (unit < UNITS.length - 1 && Number(value.toFixed(digits)) >= 1000) {
    value /= 1000;
    unit++;
    digits = 1;
  }
  const number = new Intl.NumberFormat(LOCALE[lang], { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  return `${number} ${UNITS[unit]}`;
}
