import { CasAdapter } from '../idp-adapters/cas';
import { OidcAdapter } from '../idp-adapters/oidc';
import type { Config } from '../config/schema';
import type { LoginState } from '../idp-adapters/login-state';
import type { Store } from './store/types';

/** Sign-in adapters that finish at `/auth/<id>/callback` (CAS and OIDC; SAML finishes at the shared ACS). */
export type CallbackAdapter = CasAdapter | OidcAdapter;

export function callbackAdapters(config: Config, publicUrl: URL, store: Store, loginState: LoginState): Map<string, CallbackAdapter> {
  const adapters = new Map<string, CallbackAdapter>();
  for (const login of config.logins) {
    const callbackUrl = new URL(`/auth/${encodeURIComponent(login.id)}/callback`, publicUrl).href;
    if (login.kind === 'cas') {
      adapters.set(
        login.id,
        new CasAdapter({ login, store, loginState, callbackUrl, protocol: login.protocol, attributeMapping: login.attributeMapping, timeoutMs: login.timeoutSeconds * 1000 }),
      );
    } else if (login.kind === 'oidc') {
      adapters.set(
        login.id,
        new OidcAdapter({
          login,
          store,
          loginState,
          callbackUrl,
          scopes: login.scopes,
          tokenEndpointAuthMethod: login.tokenEndpointAuthMethod,
          claimMapping: login.claimMapping,
          clockSkewSeconds: login.clockSkewSeconds,
          timeoutMs: login.timeoutSeconds * 1000,
        }),
      );
    }
  }
  return adapters;
}
