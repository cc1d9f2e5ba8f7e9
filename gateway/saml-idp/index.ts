import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FederationMetadata } from '../../idp-adapters/saml/federation';
import type { LoginState } from '../../idp-adapters/login-state';
import type { KeyPairPem } from '../../idp-adapters/saml/sp-config';
import type { RouteContext } from '../routes/context';
import type { LaunchDeps } from '../routes/launch';
import { SamlIdp } from './frontend';
import { idpSettings } from './settings';
import { SpTrust } from './sp-trust';

export { SamlIdp } from './frontend';
export { idpSettings, idpPath, type IdpSettings, type VirtualIdp } from './settings';
export { pairwiseValue, releaseFor, presetAttributes, ATTRIBUTES, NAMEID_PERSISTENT, NAMEID_TRANSIENT } from './release';
export { SpTrust, resourceOfSp, type TrustedSp } from './sp-trust';
export { idpMetadataXml } from './metadata';

export interface SamlIdpOptions {
  ctx: RouteContext;
  /** The access decision, load control, and the campus sign-ins (a licence needing MFA steps up at the session's campus). */
  launch: Pick<LaunchDeps, 'access' | 'load' | 'adapters'>;
  federations: ReadonlyMap<string, FederationMetadata>;
  loginState: LoginState;
  sessionSecret: string;
  /** The IdP signing key generated in demo mode, when idp.signing is not set. */
  generatedSigningKey?: KeyPairPem;
}

/** The IdP frontend when `idp.enabled`, else undefined. */
export function createSamlIdp(options: SamlIdpOptions): SamlIdp | undefined {
  const { ctx } = options;
  if (!ctx.config.idp.enabled) return undefined;
  const settings = idpSettings(ctx.config, ctx.settings.publicUrl, options.sessionSecret, (file) => readFileSync(file, 'utf8'), options.generatedSigningKey);
  const trust = new SpTrust({ catalog: ctx.catalog, federations: options.federations, readFile: (file) => readFile(file, 'utf8') });
  return new SamlIdp({ ctx, launch: options.launch, settings, trust, loginState: options.loginState });
}
