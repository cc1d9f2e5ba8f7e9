/**
 * Addresses of an old EZproxy server inside Find/Replace text, and what they stand for. EZproxy
 * (OCLC, "Proxy by hostname") shows a vendor host either as `www.jstor.org.<server>` or, with
 * HttpsHyphens, as `www-jstor-org.<server>` (a `-` of the real name doubled); its starting points
 * are `<server>[:port]/login?url=<URL>`; in proxy by port, `<server>:<port>` stands for a vendor host
 * EZproxy chose at run time. Passway's rewriter maps upstream hosts itself, so text must name the
 * vendor's own host: these helpers find the EZproxy forms, translate the ones that can be, and say
 * why the others cannot.
 */

/** Whether a vendor host (host[:port], as URL#host writes it) is catalogued. */
export type Claims = (host: string) => boolean;

const NAME = /[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+(?::\d+)?/gi;

/** EZproxy's HttpsHyphens label → the host it stands for ("www-e--journals-org" → "www.e-journals.org"). */
export function unhyphenate(label: string): string {
  return label.replace(/--/g, '\0').replace(/-/g, '.').replace(/\0/g, '-');
}

export interface EzproxyForm {
  /** The text as found, e.g. "www-jstor-org.ezproxy.lib.example.edu.cn". */
  found: string;
  /** The vendor host it stands for, when that is knowable. */
  upstream?: string;
  /** Why it cannot be translated (proxy by port, the server itself). */
  problem?: string;
}

/**
 * The EZproxy form a host-like token is, if any. With the server's name (EZproxy `Name`) every
 * `<x>.<name>` and `<name>:<port>` is one; without it, a token counts only when it names a
 * catalogued host in one of EZproxy's two shapes and is not catalogued itself.
 */
export function ezproxyForm(token: string, claims: Claims, server?: string): EzproxyForm | undefined {
  if (claims(token.toLowerCase())) return undefined;
  const [lower = '', port] = token.toLowerCase().split(':');
  if (server) {
    const name = server.toLowerCase();
    if (lower === name && port) {
      return { found: token, problem: `${name}:${port} is an EZproxy proxy-by-port address: EZproxy assigns those ports at run time (ezproxy.hst), so which vendor host it stands for is not in config.txt; write the vendor's own URL` };
    }
    if (lower === name) return { found: token, problem: `names the EZproxy server ${name} itself; write the vendor's own URL` };
    if (lower.endsWith(`.${name}`)) {
      const prefix = lower.slice(0, -name.length - 1);
      return { found: token, upstream: prefix.includes('.') ? prefix : unhyphenate(prefix) };
    }
  }
  const dot = lower.indexOf('.');
  const first = lower.slice(0, dot);
  if (first.includes('-') && claims(unhyphenate(first))) return { found: token, upstream: unhyphenate(first) };
  for (let at = lower.indexOf('.'); at !== -1; at = lower.indexOf('.', at + 1)) {
    if (claims(lower.slice(0, at)) && lower.slice(at + 1).includes('.')) return { found: token, upstream: lower.slice(0, at) };
  }
  return undefined;
}

/** An EZproxy starting point (`[scheme://host[:port]]/login?url=`) in front of a URL; qurl= is reported, not decoded. */
const LOGIN_PREFIX = /(?:(?:https?:)?(?:\\?\/){2}[a-z0-9.-]+(?::\d+)?)?(?:\\?\/)login\?(q?)url=(?=https?(?::|%3a))/gi;

export type Translation = { text: string; changed: boolean } | { problem: string };

/**
 * Text (a Find or Replace) with every EZproxy form replaced by the vendor's own address. A problem when
 * a form cannot be translated, or stands for a host no resource claims (the link would leave Passway).
 * `startingPoints`: also drop `/login?url=` prefixes (Replace text is the EZproxy admin's; a Find matches vendor text).
 */
export function translateEzproxyText(text: string, claims: Claims, options: { server?: string; startingPoints?: boolean } = {}): Translation {
  let out = text;
  if (options.startingPoints) {
    let encoded = false;
    out = out.replace(LOGIN_PREFIX, (whole, q: string) => {
      if (q) encoded = true;
      return q ? whole : '';
    });
    if (encoded) return { problem: 'an EZproxy /login?qurl= starting point (the URL after it is encoded); write the vendor URL itself' };
  }
  let problem: string | undefined;
  out = out.replace(NAME, (token) => {
    const form = ezproxyForm(token, claims, options.server);
    if (!form) return token;
    if (form.problem) problem ??= form.problem;
    else if (form.upstream && !claims(form.upstream)) problem ??= `${token} is EZproxy's address for ${form.upstream}, which no stanza claims; add a Host line for it, or the link would leave the proxy`;
    return form.upstream ?? token;
  });
  return problem ? { problem } : { text: out, changed: out !== text };
}

/** Why text names an old EZproxy address (for the catalog validator), or undefined when it names none. */
export function ezproxyAddressProblem(text: string, claims: Claims): string | undefined {
  if (/(?:\\?\/)login\?q?url=https?(?::|%3a)/i.test(text)) return 'contains an EZproxy starting point (/login?url=); write the vendor URL itself, the proxy maps it';
  for (const token of text.match(NAME) ?? []) {
    const form = ezproxyForm(token, claims);
    if (form?.upstream) return `names ${token}, an EZproxy address for ${form.upstream}; write ${form.upstream} itself, the proxy maps it`;
  }
  return undefined;
}
