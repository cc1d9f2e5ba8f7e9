import { X509Certificate } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { loadConfigFile, type ConfigProblem, type ValidateOptions } from '../config';
import { checkIpDatabase } from './rules/ip-info';
import type { Config } from '../config/schema';
import { readPair, SpConfigError } from '../idp-adapters/saml/sp-config';
import type { Catalog } from '../resource-catalog/catalog';
import { loadCatalog } from '../resource-catalog/load';
import type { SecretRef } from '../resource-catalog/roaming';
import { credentialProblems } from './proxy/roaming/credentials';

/**
 * Every check `passway serve` makes before it binds a port or opens a connection, run by
 * `serve` and by `config check` alike: the schema (with address ranges and time zones), the
 * catalog (the one catalog validator), the SAML key pairs, the TLS files, the federations' pinned
 * certificates, and the folders the gateway writes to. Every problem is collected, so one run lists them all.
 */

export type PreflightResult =
  | { ok: true; source: string; config: Config; catalog: Catalog; warnings: ConfigProblem[] }
  | { ok: false; source: string; problems: ConfigProblem[] };

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/** SP key pairs as the SAML hub reads them at start (idp-adapters/saml/sp-config.ts). */
function samlProblems(config: Partial<Config>): ConfigProblem[] {
  const saml = config.saml;
  if (!saml) return [];
  const problems: ConfigProblem[] = [];
  const samlLogin = (config.logins ?? []).some((l) => l.kind === 'saml');
  if (samlLogin && !saml.signing && !config.demo?.enabled) {
    problems.push({
      path: 'saml.signing',
      message:
        'required with a SAML login: give keyFile and certFile of the SP signing key (or PASSWAY_SAML_SIGNING_KEY_FILE and PASSWAY_SAML_SIGNING_CERT_FILE), e.g. made with `openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days 3650 -subj /CN=passway -keyout sp-key.pem -out sp-cert.pem`',
    });
  }
  for (const key of ['signing', 'previousSigning', 'encryption'] as const) {
    const pair = saml[key];
    if (!pair) continue;
    try {
      readPair(pair, `saml.${key}`, (file) => readFileSync(file, 'utf8'));
    } catch (error) {
      if (!(error instanceof SpConfigError)) throw error;
      problems.push({ path: error.path, message: error.message.slice(error.path.length + 2) });
    }
  }
  return problems;
}

/** The IdP frontend's key pairs, as gateway/saml-idp reads them at start. */
function idpProblems(config: Partial<Config>): ConfigProblem[] {
  const idp = config.idp;
  if (!idp?.enabled) return [];
  const problems: ConfigProblem[] = [];
  if (!idp.signing && !config.demo?.enabled) {
    problems.push({ path: 'idp.signing', message: 'required with idp.enabled: give keyFile and certFile of the IdP signing key (or PASSWAY_IDP_SIGNING_KEY_FILE and PASSWAY_IDP_SIGNING_CERT_FILE), e.g. made with `openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days 3650 -subj /CN=passway-idp -keyout idp-key.pem -out idp-cert.pem`' });
  }
  for (const key of ['signing', 'nextSigning'] as const) {
    const pair = idp[key];
    if (!pair) continue;
    try {
      readPair(pair, `idp.${key}`, (file) => readFileSync(file, 'utf8'));
    } catch (error) {
      if (!(error instanceof SpConfigError)) throw error;
      problems.push({ path: error.path, message: error.message.slice(error.path.length + 2) });
    }
  }
  return problems;
}

/** The certificate chain and key that HTTPS is served with, as node:tls will load them. */
function tlsProblems(config: Partial<Config>): ConfigProblem[] {
  const tls = config.server?.tls;
  if (!tls) return [];
  const files: Partial<Record<'certFile' | 'keyFile', Buffer>> = {};
  const problems: ConfigProblem[] = [];
  for (const key of ['certFile', 'keyFile'] as const) {
    try {
      files[key] = readFileSync(tls[key]);
    } catch (error) {
      problems.push({ path: `server.tls.${key}`, message: `cannot read ${tls[key]}: ${codeOf(error)}` });
    }
  }
  if (problems.length > 0) return problems;
  try {
    createSecureContext({ cert: files.certFile, key: files.keyFile });
  } catch (error) {
    return [{ path: 'server.tls', message: `${tls.certFile} and ${tls.keyFile} are not a matching PEM certificate chain and private key: ${(error as Error).message}` }];
  }
  return [];
}

/** A folder the gateway creates and writes to: it is writable, or its nearest existing parent is. */
function writableFolder(key: string, dir: string): ConfigProblem[] {
  let at = path.resolve(dir);
  for (;;) {
    let stat;
    try {
      stat = statSync(at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') return [{ path: key, message: `cannot create ${dir}: a part of that path is a file, not a folder` }];
      if (code !== 'ENOENT') return [{ path: key, message: `cannot use ${dir}: ${at}: ${codeOf(error)}` }];
      at = path.dirname(at);
      continue;
    }
    if (!stat.isDirectory()) return [{ path: key, message: `cannot create ${dir}: a part of that path is a file, not a folder` }];
    try {
      accessSync(at, constants.W_OK | constants.X_OK);
    } catch {
      return [{ path: key, message: `cannot create or write ${dir}: ${at} is not writable by this user` }];
    }
    return [];
  }
}

/** The pinned certificates federation metadata is checked with: a typo here would refuse every fetch, so say so now. */
function federationProblems(config: Partial<Config>): ConfigProblem[] {
  return (config.federations ?? []).flatMap((federation, i) => {
    const pinned: [string, string | undefined][] = [
      [`federations[${i}].signingCertFile`, federation.signingCertFile],
      [`federations[${i}].mdq.signingCertFile`, federation.mdq?.signingCertFile],
    ];
    return pinned.flatMap(([key, file]): ConfigProblem[] => {
      if (!file) return [];
      let pem: Buffer;
      try {
        pem = readFileSync(file);
      } catch (error) {
        return [{ path: key, message: `cannot read ${file}: ${codeOf(error)}` }];
      }
      try {
        new X509Certificate(pem);
        return [];
      } catch {
        return [{ path: key, message: `${file} is not a PEM certificate` }];
      }
    });
  });
}

/** The offline IP databases the security rules read (security.ipDatabase), opened as the rules will open them. */
function ipDatabaseProblems(config: Partial<Config>): ConfigProblem[] {
  const files = config.security?.ipDatabase;
  const problems: ConfigProblem[] = [];
  for (const key of ['country', 'asn'] as const) {
    const file = files?.[key];
    if (!file || file === 'none') continue;
    try {
      checkIpDatabase(file);
    } catch (error) {
      problems.push({ path: `security.ipDatabase.${key}`, message: (error as Error).message.replace(/^security\.ipDatabase: /, '') });
    }
  }
  return problems;
}

function folderProblems(config: Partial<Config>): ConfigProblem[] {
  return [
    ...(config.usage ? writableFolder('usage.dir', config.usage.dir) : []),
    ...(config.demo?.enabled ? writableFolder('demo.stateDir', config.demo.stateDir) : []),
  ];
}

/**
 * Roaming accounts whose username or password cannot be read now: a warning (the secret may be mounted at
 * start), as each sign-in reads it afresh and a failure shows on /admin and in `vendor check`. The demo's
 * own account is generated into demo.stateDir when the demo starts.
 */
function roamingWarnings(config: Config, catalog: Catalog, env: Record<string, string | undefined>): ConfigProblem[] {
  const secrets = { env, readFile: (file: string) => readFileSync(file, 'utf8') };
  const generated = (ref: SecretRef) => config.demo.enabled && 'file' in ref && !path.relative(path.resolve(config.demo.stateDir), path.resolve(ref.file)).startsWith('..');
  return catalog.resources.flatMap((resource) => {
    const roaming = resource.roaming;
    if (!roaming || roaming.accounts.every((a) => generated(a.username) && generated(a.password))) return [];
    return credentialProblems(secrets, roaming).map((message) => ({ path: `resources "${resource.id}".roaming.accounts`, message: `${message}; the vendor sign-in fails until it can be read` }));
  });
}

/** Load and check `file` (catalog files are relative to its folder); never throws for a bad config. */
export function preflight(file: string, options: ValidateOptions = {}): PreflightResult {
  const loaded = loadConfigFile(file, options);
  const config = loaded.ok ? loaded.config : loaded.partial;
  const problems = loaded.ok ? [] : [...loaded.problems];
  if (config) problems.push(...samlProblems(config), ...idpProblems(config), ...tlsProblems(config), ...federationProblems(config), ...folderProblems(config), ...ipDatabaseProblems(config));
  // The catalog files are checked too when the sections they depend on are valid on their own.
  const catalogReady = config?.resources && config.catalog && config.institutions;
  const catalog = catalogReady ? loadCatalog(config as Config, path.dirname(loaded.source)) : undefined;
  const seen = new Set(problems.map((p) => `${p.path}: ${p.message}`)); // the schema's cross-checks say some of the same
  if (catalog && !catalog.ok) problems.push(...catalog.problems.filter((p) => !seen.has(`${p.path}: ${p.message}`)));
  if (!loaded.ok || !catalog?.ok || problems.length > 0) return { ok: false, source: loaded.source, problems };
  const roaming = roamingWarnings(loaded.config, catalog.catalog, options.env ?? process.env);
  return { ok: true, source: loaded.source, config: loaded.config, catalog: catalog.catalog, warnings: [...loaded.warnings, ...catalog.warnings, ...roaming] };
}
