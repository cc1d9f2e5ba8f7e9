import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { formatPath } from '../config/loader';
import { translateEzproxyText, type Claims } from './ezproxy-forms';
import { claimsHost, claimsOverlap } from './host-claims';
import { AnonymousPattern, Resource, type HostRule, type ResourceInput } from './schema';

/**
 * Turn EZproxy database stanzas (config.txt) into catalog entries. Each stanza starts at Title and
 * becomes one proxy resource: URL is the start page; URL, Host and HostJavaScript hosts are claimed
 * exactly; Domain and DomainJavaScript claim a domain. Find/Replace become rewrite rules, with the old
 * EZproxy server's addresses (Name, proxied host names, /login?url= starting points) translated to the
 * vendor's own; AnonymousURL patterns go to the resource that claims their host. Everything else is
 * listed with file:line and the reason it was not converted, so IT can finish by hand.
 */

export interface Unconverted {
  /** File relative to the imported file's folder. */
  file: string;
  line: number;
  text: string;
  reason: string;
}

export interface EzproxyImport {
  resources: ResourceInput[];
  unconverted: Unconverted[];
  /** Files read, relative to the imported file's folder (the imported file first). */
  files: string[];
  stanzas: number;
  /** The old EZproxy server's name (Name / HostName, or the ezproxyHost option), used to read its addresses. */
  server?: string;
}

export class EzproxyReadError extends Error {}

export interface ImportOptions {
  /** License every entry to this institution (faculty, student, staff). */
  institution?: string;
  /** The old EZproxy server's host name, when config.txt has no Name line (or to override it). */
  ezproxyHost?: string;
}

const GLOBAL = 'a server-wide EZproxy setting; Passway sets this in its own config, if at all';
const REASONS: Record<string, string> = {
  option: 'EZproxy options change proxying behaviour; set the matching proxy option by hand when the proxy supports it',
  proxyhostnameedit: 'host names are mapped by the rewriting proxy itself (server.proxyDomain)',
  group: 'EZproxy groups become licences: add licences (institution, affiliations, groups) by hand',
  ip: 'on-campus address ranges are a gateway setting (the on-campus bypass), not part of a resource',
  excludeip: 'on-campus address ranges are a gateway setting (the on-campus bypass), not part of a resource',
  includeip: 'on-campus address ranges are a gateway setting (the on-campus bypass), not part of a resource',
  autologinip: 'Passway has no sign-in by address; on-campus ranges bypass the gateway instead',
  loginport: GLOBAL,
  loginportssl: GLOBAL,
  cookie: 'vendor cookies are kept by the proxy\'s cookie jar; preset cookies are not supported',
  neverproxy: 'a host not claimed by any resource is never proxied; make sure no Domain here covers it',
  adduserheader: 'Passway sends no user identity to vendors through the proxy',
  bypass: 'not supported: every proxied request needs a session',
  redirectsafe: 'the proxy follows redirects only to claimed hosts; add the host to hosts if the vendor needs it',
  referer: 'not supported: the proxy does not forge Referer headers',
  httpheader: 'not supported: per-resource header passing is not configurable yet',
  httpmethod: 'not supported: the proxy passes the usual methods',
  mimefilter: 'the proxy chooses what to rewrite by content type itself',
  encryptvar: 'not supported',
  edituserheader: 'not supported',
  spuedit: 'starting-point URL edits are not supported',
  tokenkey: 'not supported',
  tokensignaturekey: 'not supported',
  validate: 'not supported',
  firstport: GLOBAL,
  maxsessions: GLOBAL,
  maxlifetime: GLOBAL,
  maxvirtualhosts: GLOBAL,
  interface: GLOBAL,
  connectwindow: GLOBAL,
  audit: GLOBAL,
  auditpurge: GLOBAL,
  logformat: GLOBAL,
  logfile: GLOBAL,
  logsps: GLOBAL,
  loginmenu: GLOBAL,
  proxy: GLOBAL,
  proxyssl: GLOBAL,
};

type Claim = Pick<HostRule, 'host' | 'match'>;

const ALIASES: Record<string, string> = { t: 'title', u: 'url', h: 'host', hj: 'hostjavascript', d: 'domain', dj: 'domainjavascript' };

interface Line {
  file: string;
  line: number;
  text: string;
  directive: string;
  value: string;
}

interface Stanza {
  title: string;
  at: Line;
  url?: string;
  urlAt?: Line;
  description?: string;
  hosts: (HostRule & { at: Line })[];
  notes: string[];
  rules: { find: Line; replace: Line; text: string }[];
  pendingFind?: Line;
  /** EZproxy form auto-login: URL -Form=<method>, FormVariable, FormSelect, FormSubmit. */
  form?: StanzaForm;
}

interface StanzaForm {
  method: string;
  rewriteHost: boolean;
  variables: { name: string; value?: string; at: Line }[];
  select?: string;
  submit?: { name: string; value: string; at: Line };
}

/** An AnonymousURL line: its qualifiers (-RE, -CS, -Options), sign and wildcard URL. */
interface Anonymous {
  at: Line;
  qualifiers: string[];
  exception: boolean;
  url: string;
}

function readLines(file: string, root: string, stack: string[], unconverted: Unconverted[], files: string[], at?: Line): Line[] {
  let text: string;
  let real: string;
  try {
    real = realpathSync(file);
    text = readFileSync(real, 'utf8');
  } catch (error) {
    const message = `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    if (!at) throw new EzproxyReadError(message);
    unconverted.push({ file: at.file, line: at.line, text: at.text, reason: `${message.replace(file, path.relative(root, file))}; its stanzas are missing` });
    return [];
  }
  if (stack.includes(real)) {
    unconverted.push({ file: at!.file, line: at!.line, text: at!.text, reason: 'include cycle: this file is already being read; not followed again' });
    return [];
  }
  const name = path.relative(root, file) || path.basename(file);
  files.push(name);
  const out: Line[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^(\S+)\s*(.*)$/.exec(trimmed)!;
    const word = (m[1] ?? '').toLowerCase();
    const line: Line = { file: name, line: index + 1, text: trimmed, directive: ALIASES[word] ?? word, value: (m[2] ?? '').trim() };
    if (line.directive === 'includefile') {
      out.push(...readLines(path.resolve(path.dirname(file), line.value), root, [...stack, real], unconverted, files, line));
    } else {
      out.push(line);
    }
  });
  return out;
}

/** A Host/HJ value: a host with optional port, or a URL. */
function hostOf(value: string): string {
  const v = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return new URL(v).host.toLowerCase();
  return (v.split('/')[0] ?? '').toLowerCase();
}

function startUrl(value: string): string {
  const tokens = value.split(/\s+/).filter((t) => !t.startsWith('-'));
  const last = tokens[tokens.length - 1] ?? '';
  return /^https?:\/\//i.test(last) ? last : `http://${last}`;
}

const CJK = /[\u3400-\u9fff]/;

function slug(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}

/**
 * An EZproxy Replace text as a Passway rule's replacement: `^p<host>^/` (the proxied form of <host>)
 * becomes the plain upstream host, which the proxy's URL rewriting then maps, so rules never name the
 * gateway. Undefined when other ^ codes remain (they have no Passway equivalent).
 */
export function ezproxyReplacement(value: string): string | undefined {
  const plain = value.replace(/\^p([^^\s]*)\^\//gi, '$1/').replace(/\^p/gi, '');
  return plain.includes('^') ? undefined : plain;
}

interface Collected {
  stanzas: Stanza[];
  anonymous: Anonymous[];
  /** The last Name / HostName (EZproxy: position-independent, the last one wins). */
  server?: string;
}

function collect(lines: Line[], unconverted: Unconverted[]): Collected {
  const stanzas: Stanza[] = [];
  const anonymous: Anonymous[] = [];
  let server: string | undefined;
  let current: Stanza | undefined;
  const skip = (line: Line, reason: string) => unconverted.push({ file: line.file, line: line.line, text: line.text, reason });
  for (const line of lines) {
    if (line.directive === 'title') {
      if (current?.pendingFind) skip(current.pendingFind, 'Find without a Replace after it; not converted');
      const title = line.value.replace(/^(-\w+\s+)+/, '').trim();
      current = { title, at: line, hosts: [], notes: [], rules: [] };
      if (/^-hide\b/i.test(line.value)) current.notes.push('hidden from the EZproxy menu (Title -Hide)');
      stanzas.push(current);
      continue;
    }
    if (REASONS[line.directive] !== undefined) {
      skip(line, REASONS[line.directive]!);
      continue;
    }
    if (line.directive === 'name' || line.directive === 'hostname') {
      server = line.value.toLowerCase().replace(/:\d+$/, '');
      continue;
    }
    if (line.directive === 'anonymousurl') {
      const tokens = line.value.split(/\s+/).filter(Boolean);
      const url = tokens.pop() ?? '';
      // "-*" ends the patterns before it (EZproxy's way to keep them to one stanza): nothing to convert.
      if (url !== '-*') anonymous.push({ at: line, qualifiers: tokens.map((t) => t.toLowerCase()), exception: url.startsWith('-'), url: url.replace(/^[+-]/, '') });
      continue;
    }
    const known = ['url', 'host', 'hostjavascript', 'domain', 'domainjavascript', 'description', 'find', 'replace', 'formvariable', 'formselect', 'formsubmit'];
    if (!known.includes(line.directive)) {
      skip(line, 'unknown directive; not converted');
      continue;
    }
    if (!current) {
      skip(line, 'outside any stanza (no Title before it)');
      continue;
    }
    switch (line.directive) {
      case 'url':
        if (current.url) skip(line, 'a second URL in one stanza; the first one is the start page');
        else {
          current.url = startUrl(line.value);
          current.urlAt = line;
          const method = /(?:^|\s)-form=(\w+)/i.exec(line.value)?.[1];
          if (method) current.form = { method: method.toLowerCase(), rewriteHost: /(?:^|\s)-rewritehost\b/i.test(line.value), variables: [] };
        }
        break;
      case 'formvariable':
      case 'formselect':
      case 'formsubmit': {
        if (!current.form) {
          skip(line, 'a form auto-login directive without URL -Form= before it in the stanza; not converted');
          break;
        }
        const [name = '', ...rest] = line.value.split('=');
        const value = rest.length > 0 ? rest.join('=') : undefined;
        if (line.directive === 'formvariable') current.form.variables.push({ name: name.trim(), value, at: line });
        else if (line.directive === 'formselect') current.form.select = line.value.trim();
        else current.form.submit = { name: name.trim(), value: value ?? '', at: line };
        break;
      }
      case 'description':
        current.description = line.value;
        break;
      case 'host':
      case 'hostjavascript':
      case 'domain':
      case 'domainjavascript': {
        const domain = line.directive.startsWith('domain');
        const host = domain ? line.value.replace(/^\./, '').toLowerCase() : hostOf(line.value);
        const javascript = line.directive.endsWith('javascript');
        current.hosts.push({ host, match: domain ? 'domain' : 'host', allowPrivate: false, ...(javascript ? { javascript } : {}), at: line });
        break;
      }
      case 'find':
        if (current.pendingFind) skip(current.pendingFind, 'Find without a Replace after it; not converted');
        current.pendingFind = line;
        break;
      case 'replace': {
        const find = current.pendingFind;
        current.pendingFind = undefined;
        if (!find) {
          skip(line, 'Replace without a Find before it; not converted');
          break;
        }
        const replace = ezproxyReplacement(line.value);
        if (find.value === '' || replace === undefined) {
          keepAsNote(current, find, line, unconverted, find.value === '' ? 'an empty Find' : 'EZproxy ^ codes other than ^p…^/ (proxied host)');
          break;
        }
        current.rules.push({ find, replace: line, text: replace });
        break;
      }
    }
  }
  if (current?.pendingFind) skip(current.pendingFind, 'Find without a Replace after it; not converted');
  return { stanzas, anonymous, server };
}

/** A Find/Replace pair Passway cannot use as it is: a note on the entry, both lines reported. */
function keepAsNote(stanza: Stanza, find: Line, replace: Line, unconverted: Unconverted[], why: string): void {
  stanza.notes.push(`EZproxy Find ${JSON.stringify(find.value)} Replace ${JSON.stringify(replace.value)} (${replace.file}:${replace.line})`);
  for (const line of [find, replace]) unconverted.push({ file: line.file, line: line.line, text: line.text, reason: `Find/Replace with ${why}; kept as a note on the entry` });
}

/**
 * A stanza's Find/Replace pairs as rewrite rules, with old EZproxy addresses translated to the vendor's
 * own (Passway's rewriter maps those); a pair left the same by that is dropped as redundant.
 */
function rewriteRules(stanza: Stanza, claims: Claims, server: string | undefined, unconverted: Unconverted[]): { find: string; replace: string }[] {
  const rules: { find: string; replace: string }[] = [];
  for (const rule of stanza.rules) {
    const find = translateEzproxyText(rule.find.value, claims, { server });
    const replace = translateEzproxyText(rule.text, claims, { server, startingPoints: true });
    if ('problem' in find || 'problem' in replace) {
      keepAsNote(stanza, rule.find, rule.replace, unconverted, `an old EZproxy address: ${'problem' in find ? find.problem : (replace as { problem: string }).problem}`);
      continue;
    }
    if (replace.text === find.text) {
      unconverted.push({
        file: rule.replace.file,
        line: rule.replace.line,
        text: rule.replace.text,
        reason: 'not needed: with the old EZproxy address translated it replaces the text with itself, and Passway\'s proxy maps vendor hosts itself; dropped',
      });
      continue;
    }
    rules.push({ find: find.text, replace: replace.text });
  }
  return rules;
}

/** An AnonymousURL as a catalog anonymous pattern, or why it cannot be one. */
function anonymousPattern(entry: Anonymous): { pattern: string; host: string; subdomains: boolean } | { problem: string } {
  if (entry.qualifiers.includes('-re')) return { problem: 'a regular expression cannot be checked to stay inside the database\'s hosts; write it as a URL with * wildcards (anonymous in the catalog)' };
  if (entry.qualifiers.includes('-options')) return { problem: 'not needed: Passway relays the CORS preflights (OPTIONS) of a database\'s hosts without a session by default, without their body; dropped' };
  const url = entry.url.replace(/^(https?):\/\/([^/]*)/i, (_whole, scheme: string, host: string) => `${scheme.toLowerCase()}://${host.toLowerCase()}`);
  const pattern = `${entry.exception ? '-' : ''}${url}`;
  if (!AnonymousPattern.safeParse(pattern).success) {
    return { problem: 'not converted: Passway needs the scheme and host written out (e.g. https://www.vendor.com/rss/*), so the pattern can be checked to open only that database' };
  }
  const host = /^https?:\/\/([^/]+)/.exec(url)![1]!;
  return { pattern, host: host.replace(/^\*\./, ''), subdomains: host.startsWith('*.') };
}

/** Put each AnonymousURL on the entry that claims its host; a host no entry claims stays closed. */
function assignAnonymous(entries: ResourceInput[], anonymous: Anonymous[], unconverted: Unconverted[]): void {
  for (const entry of anonymous) {
    const report = (reason: string) => unconverted.push({ file: entry.at.file, line: entry.at.line, text: entry.at.text, reason });
    const converted = anonymousPattern(entry);
    if ('problem' in converted) {
      report(converted.problem);
      continue;
    }
    const owner = entries.find((r) => r.hosts.some((rule) => (converted.subdomains ? rule.match === 'domain' : true) && claimsHost(rule, converted.host)));
    if (!owner) {
      report(`${converted.host} is not claimed by any imported database (${converted.subdomains ? 'a *. pattern needs a Domain line' : 'add a Host line'}); Passway never opens an uncatalogued host, so it was not converted`);
      continue;
    }
    owner.anonymous = [...(owner.anonymous ?? []), converted.pattern];
    if (entry.qualifiers.includes('-cs')) owner.notes = [...(owner.notes ?? []), `AnonymousURL -CS (${entry.at.file}:${entry.at.line}): Passway compares anonymous URLs case-insensitively`];
  }
}

function mergeHosts(url: string, stanza: Stanza): (HostRule & { at: Line })[] {
  const rules: (HostRule & { at: Line })[] = [{ host: new URL(url).host.toLowerCase(), match: 'host', allowPrivate: false, at: stanza.urlAt ?? stanza.at }, ...stanza.hosts];
  const byKey = new Map<string, HostRule & { at: Line }>();
  for (const rule of rules) {
    const key = `${rule.match}|${rule.host}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { ...rule });
    else if (rule.javascript) seen.javascript = true;
  }
  return [...byKey.values()];
}

const USERNAME_FIELD = /^(?:user(?:name|id)?|login(?:name|id)?|uid|account|acct|name|email|j_username)$/i;
const PASSWORD_FIELD = /(?:pass|pwd|passwd|password|j_password)/i;

/** A FormVariable line as the report shows it: a credential's value never copied into the report. */
function redacted(line: Line, name: string): Line {
  return { ...line, text: `${line.text.split(/\s/)[0]} ${name}=…` };
}

/** The environment variables an imported roaming account is read from. */
export function roamingEnvNames(id: string): { username: string; password: string } {
  const base = `PASSWAY_ROAMING_${id.toUpperCase().replace(/-/g, '_')}`;
  return { username: `${base}_USERNAME`, password: `${base}_PASSWORD` };
}

/**
 * An EZproxy form auto-login (URL -Form=post|dynamic with FormVariable, FormSelect, FormSubmit) as a
 * roaming-account recipe, where it maps. The account's values in config.txt are never copied: the
 * recipe names environment variables and the report says to set them.
 */
function roamingRecipe(id: string, url: string, form: StanzaForm, stanza: Stanza, unconverted: Unconverted[]): ResourceInput['roaming'] {
  const report = (line: Line, reason: string) => unconverted.push({ file: line.file, line: line.line, text: line.text, reason });
  const urlAt = stanza.urlAt ?? stanza.at;
  if (form.method === 'get') {
    report(urlAt, 'URL -Form=get puts the account in the URL, where logs and browsers keep it; Passway posts vendor sign-ins only: ask the vendor for a POST form and add roaming by hand');
    return undefined;
  }
  if (form.method !== 'post' && form.method !== 'dynamic') {
    report(urlAt, `URL -Form=${form.method} is not a form method EZproxy knows (get, post, dynamic); no roaming account converted`);
    return undefined;
  }
  const env = roamingEnvNames(id);
  const fields: Record<string, string> = {};
  const credentialLines: Line[] = [];
  for (const variable of form.variables) {
    if (variable.value === undefined) {
      report(variable.at, `FormVariable ${variable.name} takes its value from the EZproxy /login/<label>?${variable.name}=… URL, which a Passway launch link does not pass to the vendor sign-in; give it a fixed value in roaming.fields`);
      continue;
    }
    if (PASSWORD_FIELD.test(variable.name)) {
      fields[variable.name] = '{password}';
      credentialLines.push(redacted(variable.at, variable.name));
    } else if (USERNAME_FIELD.test(variable.name)) {
      fields[variable.name] = '{username}';
      credentialLines.push(redacted(variable.at, variable.name));
    } else fields[variable.name] = variable.value;
  }
  if (form.submit?.name) fields[form.submit.name] = form.submit.value;
  const values = Object.values(fields);
  if (!values.includes('{password}') || !values.includes('{username}')) {
    for (const line of credentialLines) report(line, 'not converted: no FormVariable of this stanza was recognised as both the username and the password; add roaming (fields with {username} and {password}) by hand');
    return undefined;
  }
  for (const line of credentialLines) {
    report(line, `converted to roaming.fields; its value is not copied into the catalog: set ${env.username} and ${env.password} (or their _FILE) for the gateway, then check the sign-in with \`passway vendor check ${id}\``);
  }
  if (!form.rewriteHost) stanza.notes.push('EZproxy sent readers to this vendor unproxied after its form sign-in (no -RewriteHost); Passway signs in server-side and proxies the vendor');
  return {
    mode: 'per-reader',
    ...(form.method === 'dynamic' ? { form: url } : { action: url }),
    ...(form.select ? { formName: form.select } : {}),
    fields,
    accounts: [{ username: { env: env.username }, password: { env: env.password } }],
  };
}

/** Import an EZproxy config file (following IncludeFile). Throws EzproxyReadError when the file itself cannot be read. */
export function importEzproxy(file: string, options: ImportOptions = {}): EzproxyImport {
  const root = path.dirname(path.resolve(file));
  const unconverted: Unconverted[] = [];
  const files: string[] = [];
  const lines = readLines(path.resolve(file), root, [], unconverted, files);
  const { stanzas, anonymous, server: named } = collect(lines, unconverted);
  const server = options.ezproxyHost?.toLowerCase() ?? named;
  // Every host any stanza names: an old EZproxy address is translated only to a host the import claims.
  const allHosts: Claim[] = stanzas.flatMap((stanza) => {
    const url = stanza.url && URL.canParse(stanza.url) ? [{ host: new URL(stanza.url).host.toLowerCase(), match: 'host' as const }] : [];
    return [...url, ...stanza.hosts];
  });
  const claims: Claims = (host) => allHosts.some((rule) => claimsHost(rule, host));
  const resources: ResourceInput[] = [];
  const claimed: { id: string; rule: HostRule; at: Line }[] = [];
  const ids = new Set<string>();
  for (const stanza of stanzas) {
    const where = { file: stanza.at.file, line: stanza.at.line, text: stanza.at.text };
    if (!stanza.url) {
      unconverted.push({ ...where, reason: 'stanza has no URL (start page); skipped' });
      continue;
    }
    let url: string;
    try {
      url = new URL(stanza.url).href;
    } catch {
      unconverted.push({ ...where, reason: `URL "${stanza.url}" is not a valid URL; stanza skipped` });
      continue;
    }
    const rules = rewriteRules(stanza, claims, server, unconverted);
    const hostname = new URL(url).hostname.replace(/^www\./, '');
    const base = slug(stanza.title) || slug(hostname) || 'resource';
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;

    const hosts: HostRule[] = [];
    for (const rule of mergeHosts(url, stanza)) {
      const owner = claimed.find((c) => claimsOverlap(c.rule, rule));
      if (owner) {
        unconverted.push({
          file: rule.at.file,
          line: rule.at.line,
          text: rule.at.text,
          reason: `${rule.match} "${rule.host}" overlaps ${owner.rule.match} "${owner.rule.host}" of "${owner.id}" (${owner.at.file}:${owner.at.line}); a host belongs to one resource, so it was left out of "${id}"`,
        });
        continue;
      }
      const { at: _at, ...plain } = rule;
      hosts.push(plain);
    }
    const roaming = stanza.form ? roamingRecipe(id, url, stanza.form, stanza, unconverted) : undefined;
    const entry: ResourceInput = {
      id,
      title: CJK.test(stanza.title) ? { en: stanza.title, zh: stanza.title } : { en: stanza.title },
      ...(stanza.description ? { description: { en: stanza.description } } : {}),
      vendor: hostname,
      hosts,
      access: [{ kind: 'proxy', start: stanza.form ? new URL('/', url).href : url }],
      ...(roaming ? { roaming } : {}),
      ...(options.institution ? { licences: [{ institution: options.institution, affiliations: ['faculty', 'student', 'staff'] }] } : {}),
      sources: [`EZproxy stanza ${stanza.at.file}:${stanza.at.line}`],
      ...(rules.length > 0 ? { rewrite: { rules } } : {}),
      ...(stanza.notes.length > 0 ? { notes: stanza.notes } : {}),
    };
    const checked = Resource.safeParse(entry);
    if (!checked.success) {
      const why = checked.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
      unconverted.push({ ...where, reason: `stanza skipped: ${why}` });
      continue;
    }
    ids.add(id);
    for (const rule of hosts) claimed.push({ id, rule, at: stanza.at });
    resources.push(entry);
  }
  assignAnonymous(resources, anonymous, unconverted);
  unconverted.sort((a, b) => (a.file === b.file ? a.line - b.line : files.indexOf(a.file) - files.indexOf(b.file)));
  return { resources, unconverted, files, stanzas: stanzas.length, ...(server ? { server } : {}) };
}

/** The readable report: what was imported, and every directive not converted with file:line and why. */
export function formatImportReport(source: string, result: EzproxyImport): string {
  const lines = [
    `${source}: ${result.resources.length} of ${result.stanzas} stanza${result.stanzas === 1 ? '' : 's'} imported` +
      (result.files.length > 1 ? ` (${result.files.length} files: ${result.files.join(', ')})` : ''),
  ];
  if (result.server) lines.push(`Old EZproxy server: ${result.server} (its addresses in Find/Replace were translated to the vendors' own)`);
  for (const r of result.resources) {
    const anonymous = r.anonymous?.length ? `; ${r.anonymous.length} anonymous URL pattern${r.anonymous.length === 1 ? '' : 's'}` : '';
    lines.push(`  ✓ ${r.id}: ${r.title.en} (${r.hosts.map((h) => (h.match === 'domain' ? `*.${h.host}` : h.host)).join(', ')})${anonymous}`);
  }
  if (result.unconverted.length === 0) {
    lines.push('Everything was converted.');
  } else {
    lines.push(`Not converted (${result.unconverted.length}):`);
    for (const u of result.unconverted) lines.push(`  ✗ ${u.file}:${u.line}: ${u.text}\n      ${u.reason}`);
  }
  return lines.join('\n');
}
