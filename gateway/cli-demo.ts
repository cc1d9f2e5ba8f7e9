import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { startDemoFederation } from '../demo';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number (0-65535; 0 = any free port)');
  return n;
}

function origin(value: string): string {
  try {
    return new URL(value).origin;
  } catch {
    throw new InvalidArgumentError('a URL such as http://demo:8083');
  }
}

interface DemoOptions {
  host: string;
  stateDir: string;
  gatewayMetadataUrl: string;
  idpPort: number;
  samlVendorPort: number;
  plainVendorPort: number;
  plainVendorCdnPort: number;
  roamingVendorPort: number;
  idpUrl?: string;
  samlVendorUrl?: string;
  plainVendorUrl?: string;
  plainVendorCdnUrl?: string;
}

/**
 * `passway demo`: only the demo IdP and vendors, for a gateway run apart (docker/compose.yaml).
 * Each server writes its links from its public URL, so a vendor the gateway reaches as `demo:8083`
 * says `http://demo:8083/…` and the proxy can map every link.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run only the demo IdP and demo vendors (docker/compose.yaml runs the gateway apart)')
    .option('--host <address>', 'address to listen on (0.0.0.0 in a container)', '127.0.0.1')
    .option('--state-dir <dir>', 'where generated demo keys are kept', 'state')
    .option('--gateway-metadata-url <url>', "the gateway's SP metadata, trusted by the demo IdP", 'http://localhost:8080/auth/saml/metadata')
    .option('--idp-port <port>', 'port of the demo IdP', port, 8081)
    .option('--saml-vendor-port <port>', 'port of the demo SAML vendor', port, 8082)
    .option('--plain-vendor-port <port>', 'port of the demo vendor without SAML', port, 8083)
    .option('--plain-vendor-cdn-port <port>', 'port of the CDN of the demo vendor without SAML', port, 8084)
    .option('--roaming-vendor-port <port>', 'port of the demo vendor with a form login (roaming account)', port, 8087)
    .option('--idp-url <url>', 'public URL of the demo IdP (default http://localhost:<port>)', origin)
    .option('--saml-vendor-url <url>', 'public URL of the demo SAML vendor (default http://localhost:<port>)', origin)
    .option('--plain-vendor-url <url>', 'URL the gateway reaches the demo vendor without SAML at (default http://localhost:<port>)', origin)
    .option('--plain-vendor-cdn-url <url>', 'URL the gateway reaches its CDN at (default http://localhost:<port>)', origin)
    .action(async (options: DemoOptions) => {
      const federation = await startDemoFederation({
        host: options.host,
        stateDir: path.resolve(options.stateDir),
        ports: { idp: options.idpPort, samlVendor: options.samlVendorPort, plainVendor: options.plainVendorPort, plainVendorCdn: options.plainVendorCdnPort, roamingVendor: options.roamingVendorPort },
        publicUrls: { idp: options.idpUrl, samlVendor: options.samlVendorUrl, plainVendor: options.plainVendorUrl, plainVendorCdn: options.plainVendorCdnUrl },
        gatewaySpMetadataUrl: options.gatewayMetadataUrl,
      });
      const { idp, samlVendor, plainVendor } = federation;
      process.stdout.write(
        `Demo IdP ${idp.url} (port ${idp.port}), SAML vendor ${samlVendor.url} (port ${samlVendor.port}), plain vendor ${plainVendor.url} (port ${plainVendor.port}) and its CDN ${plainVendor.cdn.url} (port ${plainVendor.cdn.port}), roaming-account vendor ${federation.roamingVendor.url} (port ${federation.roamingVendor.port})\n`,
      );
      const stop = () => void federation.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
