/**
 * Demo vendor that speaks only SAML and trusts Passway as its IdP: "Demo Science Database", an SP
 * built on @node-saml/node-saml, like a publisher registered with a federation. It knows the
 * institutions from Passway's virtual IdP metadata (one IdP per institution, fetched when first
 * needed), signs its AuthnRequests (HTTP-Redirect), checks every response (signature with the
 * metadata key, audience, Destination, InResponseTo of a request it sent, or none for an
 * IdP-initiated launch) and shows what it received: the institution's IdP, the pseudonym
 * (pairwise-id, different for every vendor), the entitlement and the scoped affiliation. Nothing else.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { InMemoryCacheProvider } from '@node-saml/node-saml/lib/in-memory-cache-provider';
import { parseIdpMetadata, type IdpMetadata } from '../idp-adapters/saml/metadata';
import { escapeHtml, fallbackHandlers, sendPage } from './html';
import { loadOrCreateKeyPair } from './keys';
import { type DemoListenOptions, type DemoServerHandle, closeServer, listen, pruneExpired, publicOrigin, readCookie, stringParam } from './server';

export interface DemoIdpVendorOptions extends DemoListenOptions {
  stateDir: string;
  /** Passway's virtual IdP metadata URLs, fetched when first needed (Passway starts after this vendor). */
  idpMetadataUrls: string[];
}

export interface DemoIdpVendorHandle extends DemoServerHandle {
  entityID: string;
  metadataUrl: string;
  /** The SP metadata, also written to `<stateDir>/demo-science/metadata-<port>.xml` for the catalog's metadataFile. */
  metadataFile: string;
  acsUrl: string;
}

interface Reader {
  idp: string;
  pseudonym: string;
  entitlements: string[];
  affiliations: string[];
  expires: number;
}

const SERVICE = 'Demo Science Database';
const SESSION_COOKIE = 'demo_science_session';
const SESSION_MS = 8 * 60 * 60 * 1000;
const OID = {
  pairwiseId: 'urn:oasis:names:tc:SAML:attribute:pairwise-id',
  entitlement: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.7',
  scopedAffiliation: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.9',
};
const DATASETS: Record<string, string> = {
  '1': 'Yangtze River water quality, 2000-2025',
  '2': 'Seismic records of the Sichuan basin',
};

const valuesOf = (value: unknown): string[] => (typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

export async function startDemoIdpVendor(opts: DemoIdpVendorOptions): Promise<DemoIdpVendorHandle> {
  const dir = path.join(opts.stateDir, 'demo-science');
  const keys = await loadOrCreateKeyPair(dir, 'Demo Science Database SP (DEMO)');
  const server = http.createServer();
  const port = await listen(server, opts.host ?? '127.0.0.1', opts.port);
  const base = publicOrigin(port, opts.publicUrl);
  const entityID = `${base}/sp`;
  const acsUrl = `${base}/saml/acs`;
  const metadataUrl = `${base}/saml/metadata`;
  const requests = new InMemoryCacheProvider({ keyExpirationPeriodMs: 10 * 60_000 }); // InResponseTo of the requests sent
  const samlFor = (idp?: IdpMetadata) =>
    new SAML({
      entryPoint: idp?.ssoRedirectUrl ?? `${base}/`,
      issuer: entityID,
      callbackUrl: acsUrl,
      audience: entityID,
      idpCert: idp?.signingCerts ?? keys.certificatePem,
      idpIssuer: idp?.entityID,
      privateKey: keys.privateKeyPem,
      publicCert: keys.certificatePem,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      validateInResponseTo: ValidateInResponseTo.ifPresent, // IdP-initiated launches carry none
      cacheProvider: requests,
      disableRequestedAuthnContext: true,
    });
  const metadataXml = samlFor().generateServiceProviderMetadata(null, keys.certificatePem);
  const metadataFile = path.join(dir, `metadata-${port}.xml`);
  await writeFile(metadataFile, metadataXml);

  /** Passway's virtual IdPs, from their metadata (a failed fetch is tried again next time). */
  const idps = new Map<string, IdpMetadata>();
  async function knownIdps(): Promise<IdpMetadata[]> {
    await Promise.all(
      opts.idpMetadataUrls.map(async (url) => {
        if ([...idps.values()].some((idp) => url.startsWith(idp.entityID))) return;
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
          const xml = await res.text();
          const entityID = /entityID="([^"]+)"/.exec(xml)?.[1];
          if (res.ok && entityID) idps.set(entityID, await parseIdpMetadata(xml, entityID));
        } catch {
          // not up yet
        }
      }),
    );
    return [...idps.values()];
  }

  const sessions = new Map<string, Reader>();
  const readerOf = (req: Request) => {
    const id = readCookie(req, SESSION_COOKIE);
    const reader = id ? sessions.get(id) : undefined;
    return reader && reader.expires > Date.now() ? reader : undefined;
  };
  const safeTarget = (target: string | undefined) => {
    try {
      const url = new URL(target ?? '/', `${base}/`);
      return url.origin === base ? url.href : `${base}/`;
    } catch {
      return `${base}/`;
    }
  };
  const status = async (req: Request) => {
    const reader = readerOf(req);
    if (reader) {
      const idp = idps.get(reader.idp);
      return `<div id="signin-status"><p>Signed in through <strong>${escapeHtml(idp?.displayName.en ?? reader.idp)}</strong> (<code>${escapeHtml(reader.idp)}</code>). This platform received only:</p>
<table><tbody>
<tr><th scope="row">pseudonym (pairwise-id)</th><td><code id="pseudonym">${escapeHtml(reader.pseudonym)}</code></td></tr>
<tr><th scope="row">eduPersonEntitlement</th><td><code id="entitlement">${escapeHtml(reader.entitlements.join(' '))}</code></td></tr>
<tr><th scope="row">eduPersonScopedAffiliation</th><td><code id="affiliation">${escapeHtml(reader.affiliations.join(' '))}</code></td></tr>
</tbody></table><p><a href="/logout">Sign out</a></p></div>`;
    }
    const links = (await knownIdps())
      .map((idp) => `<li><a href="/saml/login?idp=${encodeURIComponent(idp.entityID)}">${escapeHtml(idp.displayName.en ?? idp.entityID)}${idp.displayName.zh ? ` ${escapeHtml(idp.displayName.zh)}` : ''}</a></li>`)
      .join('');
    return `<div id="signin-status"><p>Not signed in. Sign in through your institution:</p><ul>${links || '<li>no institution known yet (is Passway running?)</li>'}</ul></div>`;
  };
  const fail = (res: Response, statusCode: number, message: string) =>
    sendPage(res, statusCode, { service: SERVICE, title: 'Sign-in rejected', body: `<p class="error">${escapeHtml(message)}</p><p><a href="/">Home</a></p>` });

  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '1mb' }));

  app.get('/', async (req, res) => {
    const list = Object.entries(DATASETS).map(([id, title]) => `<li><a href="/dataset/${id}">${escapeHtml(title)}</a></li>`).join('');
    sendPage(res, 200, { service: SERVICE, title: SERVICE, body: `${await status(req)}<h2>Datasets</h2><ul>${list}</ul>` });
  });
  app.get('/dataset/:id', async (req, res) => {
    const title = DATASETS[req.params.id];
    if (!title) return fail(res, 404, 'No such dataset.');
    const body = readerOf(req) ? `<p id="full-text">Download &ldquo;${escapeHtml(title)}&rdquo; (CSV), licensed through your institution.</p>` : '<p class="note">Datasets are for readers of subscribing institutions.</p>';
    sendPage(res, 200, { service: SERVICE, title, body: `${await status(req)}${body}<p><a href="/">All datasets</a></p>` });
  });
  app.get('/saml/metadata', (_req, res) => {
    res.type('application/samlmetadata+xml').send(metadataXml);
  });
  app.get('/saml/login', async (req, res) => {
    const wanted = stringParam(req.query, 'idp');
    const idp = (await knownIdps()).find((i) => i.entityID === wanted);
    if (!idp) return fail(res, 400, `${wanted ?? '(none)'} is not an institution this platform knows.`);
    res.redirect(302, await samlFor(idp).getAuthorizeUrlAsync(safeTarget(stringParam(req.query, 'target')), undefined, {}));
  });
  app.post('/saml/acs', async (req, res) => {
    const encoded = stringParam(req.body, 'SAMLResponse') ?? '';
    const issuer = /<(?:saml2?:)?Issuer[^>]*>([^<]+)</.exec(Buffer.from(encoded, 'base64').toString('utf8'))?.[1];
    const idp = (await knownIdps()).find((i) => i.entityID === issuer);
    if (!idp) return fail(res, 403, `The response comes from ${issuer ?? 'no issuer'}, not an institution this platform knows.`);
    let profile;
    try {
      ({ profile } = await samlFor(idp).validatePostResponseAsync({ SAMLResponse: encoded }));
    } catch (error) {
      return fail(res, 403, `The SAML response was rejected: ${(error as Error).message}`);
    }
    if (!profile) return fail(res, 403, 'The SAML response carries no assertion.');
    const id = randomBytes(16).toString('hex');
    pruneExpired(sessions);
    sessions.set(id, {
      idp: idp.entityID,
      pseudonym: valuesOf(profile[OID.pairwiseId])[0] ?? profile.nameID,
      entitlements: valuesOf(profile[OID.entitlement]),
      affiliations: valuesOf(profile[OID.scopedAffiliation]),
      expires: Date.now() + SESSION_MS,
    });
    res.cookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'lax', path: '/' });
    res.redirect(302, safeTarget(stringParam(req.body, 'RelayState')));
  });
  app.get('/logout', (req, res) => {
    const id = readCookie(req, SESSION_COOKIE);
    if (id) sessions.delete(id);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(302, `${base}/`);
  });
  app.use(...fallbackHandlers(SERVICE));
  server.on('request', app);
  return { url: base, port, entityID, metadataUrl, metadataFile, acsUrl, close: () => closeServer(server) };
}
