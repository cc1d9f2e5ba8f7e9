import { dayIn } from '../../resource-catalog/policy';

/** Reporting days: YYYY-MM-DD in a time zone (the library's, as licences count them), cached per minute. */
export function dayFormatter(timeZone: string): (when: Date) => string {
  let cachedMinute = NaN;
  let cachedDay = '';
  return (when) => {
    const minute = Math.floor(when.getTime() / 60_000);
    if (minute !== cachedMinute) {
      cachedMinute = minute;
      cachedDay = dayIn(when, timeZone);
    }
    return cachedDay;
  };
}

export const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Every day from `from` to `to` inclusive (at most 3,700 days). */
export function daysBetween(from: string, to: string): string[] {
  if (!DAY.test(from) || !DAY.test(to)) throw new RangeError(`days must be YYYY-MM-DD, got ${from} and ${to}`);
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && days.length < 3_700; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** `day` shifted by `delta` days. */
export function addDays(day: string, delta: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + delta * 86_400_000).toISOString().slice(0, 10);
}
