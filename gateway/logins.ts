/**
 * The adapter factory: one IdpAdapter per configured login, built by its kind from the config
 * type of that kind (config/schema.ts). The routes see only IdpAdapter.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Config, Login, SamlLoginConfig } from '../config/schema';
import { CasAdapter } from '../idp-adapters/cas';
import type { LoginState } from '../idp-adapters/login-state';
import { OidcAdapter } from '../idp-adapters/oidc';
import { defaultMetadataSource, IdpRegistry, loadSpKeys, SamlAdapter, SamlHub, spSettings, type FederationMetadata, type KeyPairPem } from '../idp-adapters/saml';
import type { IdpAdapter } from '../idp-adapters/types';
import type { Logger } from './logger';
import type { Store } from './store/types';

export interface LoginDeps {
  config: Config;
  publicUrl: URL;
  store: Store;
  loginState: LoginState;
  logger: Logger;
  /** The federations' metadata loaders (started by the app: /readyz, metrics and /admin/federations read them too). */
  federations: ReadonlyMap<string, FederationMetadata>;
  /** SP signing key generated in demo mode. */
  samlSigningKey?: KeyPairPem;
}

export interface Logins {
  /** By login id, in config order. */
  adapters: Map<string, IdpAdapter>;
  /** The SAML SP every SAML login shares (metadata, ACS, SingleLogoutService); absent without SAML. */
  saml?: SamlHub;
}

export function createLogins(deps: LoginDeps): Logins {
  const saml = samlHub(deps);
  const adapters = new Map<string, IdpAdapter>();
  for (const login of deps.config.logins) adapters.set(login.id, createAdapter(login, deps, saml));
  return { adapters, saml };
}

function createAdapter(login: Login, deps: LoginDeps, saml: SamlHub | undefined): IdpAdapter {
  const callbackUrl = new URL(`/auth/${encodeURIComponent(login.id)}/callback`, deps.publicUrl).href;
  const { store, loginState } = deps;
  switch (login.kind) {
    case 'saml':
      if (!saml) throw new Error('a SAML login needs the SAML hub'); // samlHub() builds one whenever a SAML login exists
      return new SamlAdapter(login, saml);
    case 'cas':
      return new CasAdapter({ login, store, loginState, callbackUrl });
    case 'oidc':
      return new OidcAdapter({ login, store, loginState, callbackUrl, tokenEndpointAuthMethod: login.tokenEndpointAuthMethod });
  }
}

/** The SAML SP hub when a SAML login is configured (or SP keys are); a missing key throws SpConfigError. */
function samlHub({ config, publicUrl, store, loginState, logger, federations, samlSigningKey }: LoginDeps): SamlHub | undefined {
  const logins = config.logins.filter((l): l is SamlLoginConfig => l.kind === 'saml');
  if (logins.length === 0 && !config.saml.signing && !samlSigningKey) return undefined;
  const keys = loadSpKeys(config.saml, (file) => readFileSync(file, 'utf8'), samlSigningKey);
  const registry = new IdpRegistry(logins, defaultMetadataSource({ readFile: (file) => readFile(file, 'utf8') }), {
    onRefreshFailed: (login, error) => logger.warn({ reason: 'metadata-unavailable', idp: login.entityID, err: error.message }, 'IdP metadata could not be loaded'),
    federations,
  });
  return new SamlHub(spSettings(config.saml, publicUrl, keys), registry, store, loginState, {
    validationWorkers: config.saml.validationWorkers ?? availableParallelism(),
    onDropped: (dropped, login) => logger.warn({ reason: dropped.reason, idp: login.entityID, attribute: dropped.attribute, value: dropped.value }, 'attribute value dropped'),
  });
}
