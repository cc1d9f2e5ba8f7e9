/**
 * Shared by the saml-*.test.ts suites: gateway nodes on real ports wired to demo IdPs, and a
 * tiny browser (cookie jar, manual redirects, auto-POST forms).
 */
import http from 'node:http';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import type { ConfigInput } from '../../config';
import type { Gateway } from '../../gateway/app';
import type { Store } from '../../gateway/store/types';
import { DEMO_USERS, startDemoIdp, type DemoIdpHandle } from '../../demo';
import { loadOrCreateKeyPair } from '../../demo/keys';
import { testConfig, testGateway } from '../helpers/gateway';

export class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export async function get(url: string, jar?: CookieJar, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { redirect: 'manual', headers: { ...headers, ...(jar ? { cookie: jar.header() } : {}) } });
  jar?.store(res);
  return res;
}

export async function post(url: string, form: Record<string, string>, jar?: CookieJar, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { method: 'POST', redirect: 'manual', body: new URLSearchParams(form), headers: { ...headers, ...(jar ? { cookie: jar.header() } : {}) } });
  jar?.store(res);
  return res;
}

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function parseForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form in page:\n${html}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescapeHtml(m[1] ?? '')] = unescapeHtml(m[2] ?? '');
  return { action: unescapeHtml(action), fields };
}

export interface GatewayNode {
  url: string;
  lines: Record<string, unknown>[];
  gateway: Gateway;
  close(): Promise<void>;
}

export interface SpKeyFiles {
  keyFile: string;
  certFile: string;
}

export async function spKeyFiles(stateDir: string, name = 'sp'): Promise<SpKeyFiles> {
  const dir = path.join(stateDir, name);
  await loadOrCreateKeyPair(dir, `Passway test SP ${name}`);
  return { keyFile: path.join(dir, 'key.pem'), certFile: path.join(dir, 'cert.pem') };
}

export const INSTITUTIONS = [{ id: 'demo-university', name: { en: 'Demo University', zh: '演示大学' }, domains: ['demo.edu.cn'] }];

export const samlLogin = (id: string, idp: DemoIdpHandle, extra: { allowIdpInitiated?: boolean } = {}) => ({
  kind: 'saml' as const,
  id,
  institution: 'demo-university',
  entityID: idp.entityID,
  metadataFile: idp.metadataFile,
  ...extra,
});

/**
 * A gateway on a real port. `publicUrl` defaults to its own address; two nodes behind one
 * load balancer share one publicUrl (and so one ACS URL).
 */
export async function startGatewayNode(input: ConfigInput, opts: { store?: Store; publicUrl?: string } = {}): Promise<GatewayNode> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://localhost:${port}`;
  const config = testConfig({ ...input, server: { publicUrl: opts.publicUrl ?? url, ...input.server } });
  const { gateway, lines } = testGateway(config, opts.store ? { store: opts.store } : {});
  server.on('request', gateway.handle);
  return {
    url,
    lines,
    gateway,
    close: () =>
      new Promise<void>((resolve) => {
        gateway.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function startIdp(stateDir: string, gatewayMetadataUrls: string[], publicUrl?: string): Promise<DemoIdpHandle> {
  return startDemoIdp({ host: '127.0.0.1', port: 0, stateDir, trustedSpMetadataUrls: gatewayMetadataUrls, publicUrl });
}

/**
 * Gateway login start → IdP login form → password → the IdP's auto-POST form (not yet posted).
 * Returns the form and the AuthnRequest redirect the gateway issued.
 */
export async function signInAtIdp(gatewayUrl: string, loginId: string, username: string, jar: CookieJar, returnTo = '/') {
  const start = await get(`${gatewayUrl}/auth/${loginId}/login?returnTo=${encodeURIComponent(returnTo)}`, jar);
  if (start.status !== 303) throw new Error(`login start answered ${start.status}: ${await start.text()}`);
  const location = start.headers.get('location') ?? '';
  const loginPage = await get(location, jar);
  const pageHtml = await loginPage.text();
  if (loginPage.status !== 200) throw new Error(`IdP answered ${loginPage.status}: ${pageHtml}`);
  const { action, fields } = parseForm(pageHtml);
  const user = DEMO_USERS.find((u) => u.username === username);
  const answer = await post(new URL(action, location).href, { ticket: fields.ticket ?? '', username, password: user?.password ?? '' }, jar);
  const form = parseForm(await answer.text());
  const requestId = /ID="([^"]+)"/.exec(requestXmlOf(location))?.[1] ?? '';
  return { form, location, requestId };
}

export function requestXmlOf(location: string): string {
  return inflateRawSync(Buffer.from(new URL(location).searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
}
