import path from 'node:path';
import type { Config } from '../config/schema';
import type { KeyPairPem } from '../idp-adapters/saml';
import { DEMO_CAS_USERS, DEMO_USERS, startDemoFederation } from '../demo';
import { loadOrCreateKeyPair } from '../demo/keys';
import type { Logger } from './logger';
import type { DemoInfo } from './routes/context';

export interface RunningDemo {
  info: DemoInfo;
  /** The gateway's SP signing key, generated into <stateDir>/sp/ when config.saml.signing is not set. */
  samlSigningKey?: KeyPairPem;
  /** The gateway's IdP signing key (Passway as IdP toward vendors), generated into <stateDir>/idp/ when config.idp.signing is not set. */
  idpSigningKey?: KeyPairPem;
  close(): Promise<void>;
}

/**
 * Demo mode: the demo campus IdP and the two demo vendors (the same servers the test suites
 * use) start beside the gateway, on the ports the config names.
 */
export async function startDemo(config: Config, logger: Logger): Promise<RunningDemo> {
  const gatewayUrl = new URL(config.server.publicUrl);
  const federation = await startDemoFederation({
    // Beside the gateway, on its address: 0.0.0.0 in a container, so `docker run -p 8080-8083:8080-8083` reaches them.
    host: config.server.host,
    stateDir: path.resolve(config.demo.stateDir),
    ports: config.demo.ports,
    gatewaySpMetadataUrl: new URL('/auth/saml/metadata', gatewayUrl).href,
    // The SAML-only vendor trusts every institution's virtual IdP (locally: the gateway may be on 0.0.0.0 in a container)
    gatewayIdpMetadataUrls: config.idp.enabled ? config.institutions.map((i) => new URL(`/idp/${i.id}/metadata`, gatewayUrl).href) : [],
  });
  logger.info(
    { idp: federation.idp.url, samlVendor: federation.samlVendor.url, plainVendor: federation.plainVendor.url, plainVendorCdn: federation.plainVendor.cdn.url, roamingVendor: federation.roamingVendor.url, cas: federation.cas.serverUrl, idpVendor: federation.idpVendor.url },
    'demo federation started',
  );
  const samlSigningKey = config.saml.signing ? undefined : await loadOrCreateKeyPair(path.resolve(config.demo.stateDir, 'sp'), 'Passway demo SP (DEMO)');
  const idpSigningKey = config.idp.enabled && !config.idp.signing ? await loadOrCreateKeyPair(path.resolve(config.demo.stateDir, 'idp'), 'Passway demo IdP (DEMO)') : undefined;
  return {
    samlSigningKey,
    idpSigningKey,
    info: {
      idpUrl: federation.idp.url,
      users: DEMO_USERS.map((u) => ({ username: u.username, password: u.password, displayName: u.displayName, affiliation: u.affiliation })),
      casUsers: config.logins.some((l) => l.kind === 'cas') ? DEMO_CAS_USERS.map((u) => ({ username: u.username, password: u.password, displayName: u.displayName, affiliation: u.affiliation })) : undefined,
    },
    close: () => federation.close(),
  };
}
