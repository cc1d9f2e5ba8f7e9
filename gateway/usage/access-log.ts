/**
 * NCSA combined log lines for proxied requests, the format ezPAARSE and EZproxy log tools read:
 *
 *   <ip> - <user> [<dd/Mon/yyyy:HH:MM:SS +0000>] "<METHOD> <url> <protocol>" <status> <bytes|-> "<referer>" "<user-agent>"
 *
 * <user> is the pseudonymous user id (never the raw subject), "-" when unknown; the time is UTC;
 * <url> is the upstream (vendor) URL, as ezPAARSE platform parsers expect.
 */
export interface AccessLogEntry {
  ip: string;
  /** Pseudonymous user id (the recorder makes it from institution + subject when given those). */
  user?: string;
  institution?: string;
  subject?: string;
  time: Date;
  method: string;
  /** The upstream URL requested through the proxy. */
  url: string;
  protocol?: string;
  status: number;
  bytes?: number;
  referer?: string;
  userAgent?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

function ncsaTime(d: Date): string {
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

// Control characters (C0 and DEL) never reach a log line.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/g;
// eslint-disable-next-line no-control-regex
const NOT_TOKEN = /[\s"\x00-\x1f\x7f]/g;

/** Quotes and backslashes escaped, control characters dropped: one entry is always one line. */
function quoted(value: string | undefined): string {
  if (!value) return '"-"';
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(CONTROL, '')}"`;
}

const token = (value: string | undefined) => (value ? value.replace(NOT_TOKEN, '') || '-' : '-');

export function ncsaLine(entry: AccessLogEntry, user: string | undefined): string {
  const request = `${token(entry.method)} ${token(entry.url)} ${token(entry.protocol ?? 'HTTP/1.1')}`;
  const bytes = entry.bytes && entry.bytes > 0 ? String(entry.bytes) : '-';
  return `${token(entry.ip)} - ${token(user)} [${ncsaTime(entry.time)}] "${request}" ${entry.status} ${bytes} ${quoted(entry.referer)} ${quoted(entry.userAgent)}\n`;
}
