import path from 'node:path';
import type { Config } from '../config/schema';
import type { KeyPairPem } from '../idp-adapters/saml';
import { DEMO_USERS, startDemoFederation } from '../demo';
import { loadOrCreateKeyPair } from '../demo/keys';
import type { Logger } from './logger';
import type { DemoInfo } from './routes/context';

export interface RunningDemo {
  info: DemoInfo;
  /** The gateway's SP signing key, generated into <stateDir>/sp/ when config.saml.signing is not set. */
  samlSigningKey?: KeyPairPem;
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
  });
  logger.info(
    { idp: federation.idp.url, samlVendor: federation.samlVendor.url, plainVendor: federation.plainVendor.url, plainVendorCdn: federation.plainVendor.cdn.url, roamingVendor: federation.roamingVendor.url },
    'demo federation started',
  );
  const samlSigningKey = config.saml.signing ? undefined : await loadOrCreateKeyPair(path.resolve(config.demo.stateDir, 'sp'), 'Passway demo SP (DEMO)');
  return {
    samlSigningKey,
    info: {
      idpUrl: federation.idp.url,
      users: DEMO_USERS.map((u) => ({ username: u.username, password: u.password, displayName: u.displayName, affiliation: u.affiliation })),
    },
    close: () => federation.close(),
  };
}
