import net from 'node:net';
import type { Config } from '../config/schema';

/** Values derived once from the config that several modules need. */
export interface Settings {
  publicUrl: URL;
  /** Parent domain of proxied hosts, e.g. p.gw.lib.example.edu or p.localhost. */
  proxyDomain: string;
  /** Cookie Domain attribute, or undefined for host-only (gateway reached by IP address). */
  cookieDomain: string | undefined;
  secureCookies: boolean;
}

export function settingsFrom(config: Config): Settings {
  const publicUrl = new URL(config.server.publicUrl);
  const host = publicUrl.hostname;
  return {
    publicUrl,
    proxyDomain: (config.server.proxyDomain ?? `p.${host}`).toLowerCase(),
    cookieDomain: config.session.cookieDomain ?? (net.isIP(host.replace(/^\[|\]$/g, '')) ? undefined : host),
    secureCookies: publicUrl.protocol === 'https:',
  };
}

/** True when a Host header names a proxied vendor host (<mapped>.p.<gateway host>[:port]). */
export function isProxyHost(hostHeader: string | undefined, settings: Settings): boolean {
  if (!hostHeader) return false;
  const hostname = hostHeader.replace(/:\d+$/, '').toLowerCase();
  return hostname.endsWith(`.${settings.proxyDomain}`);
}

/** True when an Origin header is a proxied host of this gateway, on the gateway's scheme and port (as the host mapping writes them). */
export function isProxiedOrigin(origin: string, settings: Settings): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.origin === origin && url.protocol === settings.publicUrl.protocol && url.port === settings.publicUrl.port && isProxyHost(url.host, settings);
}
