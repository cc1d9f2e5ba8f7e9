import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { keepsSecureCookies } from '../idp-adapters/login-state';
import { configKey } from './keys';
import { ConfigSchema, configWarnings, type Config } from './schema';

export interface ConfigProblem {
  /** Key path such as `resources[3].access[0].template`, or the environment variable it came from. */
  path: string;
  message: string;
}

export type LoadResult =
  | { ok: true; config: Config; warnings: ConfigProblem[]; source: string }
  | {
      ok: false;
      problems: ConfigProblem[];
      source: string;
      /** The top-level sections that are valid on their own, so later checks can still run on them. */
      partial?: Partial<Config>;
    };

type Env = Record<string, string | undefined>;
type Raw = Record<string, unknown>;

/** Environment variables that override config keys. Secrets also accept `<NAME>_FILE`. */
export const ENV_OVERRIDES: { env: string; path: string[]; secret?: boolean; number?: boolean }[] = [
  { env: 'PASSWAY_PUBLIC_URL', path: ['server', 'publicUrl'] },
  { env: 'PASSWAY_HOST', path: ['server', 'host'] },
  { env: 'PASSWAY_PORT', path: ['server', 'port'], number: true },
  { env: 'PASSWAY_TLS_CERT_FILE', path: ['server', 'tls', 'certFile'] },
  { env: 'PASSWAY_TLS_KEY_FILE', path: ['server', 'tls', 'keyFile'] },
  { env: 'PASSWAY_SAML_SIGNING_KEY_FILE', path: ['saml', 'signing', 'keyFile'] },
  { env: 'PASSWAY_SAML_SIGNING_CERT_FILE', path: ['saml', 'signing', 'certFile'] },
  { env: 'PASSWAY_SESSION_SECRET', path: ['session', 'secret'], secret: true },
  { env: 'PASSWAY_REDIS_URL', path: ['store', 'url'] },
  { env: 'PASSWAY_REDIS_PASSWORD', path: ['store', 'password'], secret: true },
  { env: 'PASSWAY_LOG_LEVEL', path: ['logging', 'level'] },
  { env: 'PASSWAY_USAGE_KEY', path: ['usage', 'pseudonymKey'], secret: true },
  { env: 'PASSWAY_IDP_PAIRWISE_SECRET', path: ['idp', 'pairwiseSecret'], secret: true },
  { env: 'PASSWAY_IDP_SIGNING_KEY_FILE', path: ['idp', 'signing', 'keyFile'] },
  { env: 'PASSWAY_IDP_SIGNING_CERT_FILE', path: ['idp', 'signing', 'certFile'] },
  { env: 'PASSWAY_ADMIN_PASSWORD', path: ['admin', 'bootstrap', 'password'], secret: true },
  { env: 'PASSWAY_SMTP_PASSWORD', path: ['security', 'alerts', 'email', 'password'], secret: true },
  { env: 'PASSWAY_ALERT_WEBHOOK_SECRET', path: ['security', 'alerts', 'webhook', 'secret'], secret: true },
];

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out || '(top level)';
}

function setPath(target: Raw, keys: string[], value: unknown): void {
  let node = target;
  keys.slice(0, -1).forEach((key) => {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Raw;
  });
  node[keys[keys.length - 1]!] = value;
}

/** Value of NAME, or the trimmed contents of the file named by NAME_FILE. */
function secretFromEnv(env: Env, name: string, problems: ConfigProblem[]): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      problems.push({ path: `${name}_FILE`, message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      return undefined;
    }
  }
  return env[name];
}

function applyEnv(raw: Raw, env: Env, problems: ConfigProblem[]): Map<string, string> {
  const origins = new Map<string, string>();
  const apply = (name: string, keys: string[], value: string | undefined, number = false) => {
    if (value === undefined || value === '') return;
    if (keys[0] === 'store' && keys[1] === 'url') {
      const store = (raw.store ?? {}) as Raw;
      raw.store = { ...store, kind: 'redis' };
    }
    setPath(raw, keys, number && /^\d+$/.test(value) ? Number(value) : value);
    origins.set(formatPath(keys), name);
  };
  for (const o of ENV_OVERRIDES) {
    apply(o.env, o.path, o.secret ? secretFromEnv(env, o.env, problems) : env[o.env], o.number);
  }
  const logins = Array.isArray(raw.logins) ? (raw.logins as Raw[]) : [];
  logins.forEach((login, index) => {
    if (typeof login?.id !== 'string') return;
    const name = `PASSWAY_LOGIN_${login.id.toUpperCase().replace(/-/g, '_')}_CLIENT_SECRET`;
    apply(name, ['logins', String(index), 'clientSecret'], secretFromEnv(env, name, problems));
  });
  return origins;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: check the spelling against the configuration reference in README.md`;
    case 'invalid_union':
      return issue.message.includes('discriminator') || issue.message === 'Invalid input'
        ? `${issue.message}; check "kind"`
        : issue.message;
    case 'invalid_type': {
      if (!issue.message.endsWith('received undefined')) return issue.message;
      const key = configKey(issue.path);
      const name = String(issue.path.at(-1) ?? '');
      return `missing: add ${name}: (${key?.type ?? issue.expected})${key?.description ? `, ${key.description}` : ''}; see the configuration reference in README.md`;
    }
    default:
      return issue.message;
  }
}

export interface ValidateOptions {
  env?: Env;
  source?: string;
  /**
   * Starting the gateway needs its secrets; `config check` on a file whose secrets come from
   * the environment at start-up only warns about them.
   */
  requireSecrets?: boolean;
}

const MISSING_SECRET: ConfigProblem = {
  path: 'session.secret',
  message: 'required outside demo mode; set PASSWAY_SESSION_SECRET_FILE to a file holding 32+ random characters (e.g. `openssl rand -hex 32`)',
};

function validSections(document: Raw): Partial<Config> {
  const sections = Object.entries(ConfigSchema.shape).flatMap(([key, schema]) => {
    const section = (schema as z.ZodType).safeParse(document[key]);
    return section.success ? [[key, section.data]] : [];
  });
  return Object.fromEntries(sections) as Partial<Config>;
}

/** Validate an already-parsed object (YAML document, or a test's literal) against the schema. */
export function validateConfig(raw: unknown, options: ValidateOptions = {}): LoadResult {
  const { env = {}, source = '(inline)', requireSecrets = true } = options;
  const problems: ConfigProblem[] = [];
  const document = (typeof raw === 'object' && raw !== null ? structuredClone(raw) : {}) as Raw;
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    return { ok: false, source, problems: [{ path: '(top level)', message: 'the config must be a YAML mapping of keys such as server:, session:, store:' }] };
  }
  const origins = applyEnv(document, env, problems);
  const parsed = ConfigSchema.safeParse(document);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = formatPath(issue.path);
      const origin = origins.get(formatPath(issue.path.map(String)));
      problems.push({ path: origin ? `${key} (from ${origin})` : key, message: issueMessage(issue) });
    }
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, source, problems, partial: validSections(document) };
  const secretMissing = !parsed.data.session.secret && !parsed.data.demo.enabled;
  if (secretMissing && requireSecrets) return { ok: false, source, problems: [MISSING_SECRET], partial: parsed.data };
  const warnings: ConfigProblem[] = configWarnings(parsed.data);
  if (secretMissing) warnings.unshift({ ...MISSING_SECRET, message: `not set here: ${MISSING_SECRET.message}` });
  if (parsed.data.logins.some((l) => l.kind === 'saml') && !keepsSecureCookies(new URL(parsed.data.server.publicUrl))) {
    warnings.push({
      path: 'server.publicUrl',
      message: 'plain http on a host other than localhost: browsers drop the Secure, SameSite=None sign-in state cookie, so SAML sign-in fails (login-not-started-here); use https',
    });
  }
  return { ok: true, source, config: parsed.data, warnings };
}


/** Read, parse and validate a YAML config file; never throws for a bad file. */
export function loadConfigFile(file: string, options: ValidateOptions = {}): LoadResult {
  const source = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, source, problems: [{ path: '(file)', message: code === 'ENOENT' ? `${source} does not exist` : `cannot read ${source}: ${code ?? String(error)}` }] };
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      source,
      problems: document.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    };
  }
  if (document.contents === null) {
    return { ok: false, source, problems: [{ path: '(file)', message: `${source} is empty; copy config/examples/demo.yaml or carsi.example.yaml and edit it` }] };
  }
  return validateConfig(document.toJS(), { env: process.env, ...options, source });
}

export function formatProblems(result: LoadResult): string {
  if (result.ok) {
    const lines = [`${result.source}: OK`];
    for (const w of result.warnings) lines.push(`  warning: ${w.path}: ${w.message}`);
    return lines.join('\n');
  }
  return [
    `${result.source}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`,
    ...result.problems.map((p) => `  ${p.path}: ${p.message}`),
  ].join('\n');
}
