import { z } from 'zod';
import { parseAddressRange } from '../resource-catalog/address-policy';
import { Bilingual, Resource } from '../resource-catalog/schema';

/**
 * The whole Passway configuration. Every field's description is documentation: the README's
 * configuration reference is generated from this schema (`npm run docs:config`) and a test
 * fails when the two differ.
 */

const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and hyphens, e.g. "pku" or "campus-cas"');

/** An address or CIDR range, parsed by the same function that matches clients against it. */
const AddressRange = z.string().superRefine((range, ctx) => {
  const parsed = parseAddressRange(range);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

/** An IANA time zone name as Intl knows it (a typo would otherwise throw at the first report day). */
const TimeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { error: (issue) => `"${String(issue.input)}" is not a time zone name; use an IANA name such as "Asia/Shanghai" or "UTC"` },
);

const HostPort = z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });

const Server = z
  .strictObject({
    publicUrl: z
      .url({ protocol: /^https?$/, error: 'an http(s) URL such as https://gw.lib.example.edu' })
      .default('http://localhost:8080')
      .describe('the address users type; cookies are Secure when it is https (env PASSWAY_PUBLIC_URL)'),
    host: z.string().default('127.0.0.1').describe('address to listen on, e.g. 0.0.0.0 (env PASSWAY_HOST)'),
    port: z.number().int().min(0).max(65535).default(8080).describe('port to listen on (env PASSWAY_PORT)'),
    proxyDomain: z
      .string()
      .optional()
      .describe('parent domain of proxied hosts, default "p.<publicUrl host>"; needs a wildcard DNS record and certificate'),
    tls: z
      .strictObject({
        certFile: z.string().describe('PEM certificate chain (env PASSWAY_TLS_CERT_FILE)'),
        keyFile: z.string().describe('PEM private key (env PASSWAY_TLS_KEY_FILE)'),
      })
      .optional()
      .describe('serve HTTPS directly; files are re-read when they change, without a restart'),
    trustProxy: z
      .array(AddressRange)
      .default([])
      .describe('addresses or CIDR ranges of TLS-terminating proxies whose X-Forwarded-For/-Proto are trusted'),
    shutdownGraceSeconds: z.number().positive().default(10).describe('time to drain in-flight requests on SIGTERM'),
  })
  .prefault({});

const Session = z
  .strictObject({
    secret: z
      .string()
      .min(32, 'use at least 32 random characters, e.g. from `openssl rand -hex 32`')
      .optional()
      .describe('signs session cookies; required outside demo mode (env PASSWAY_SESSION_SECRET or PASSWAY_SESSION_SECRET_FILE)'),
    cookieName: z.string().regex(/^[A-Za-z0-9_-]+$/).default('passway_sid').describe('session cookie name'),
    cookieDomain: z
      .string()
      .optional()
      .describe('cookie Domain, default the publicUrl host so the proxy subdomains share the session'),
    idleTimeoutMinutes: z.number().positive().default(120).describe('a session unused this long ends (EZproxy default 120)'),
    absoluteLifetimeHours: z.number().positive().default(12).describe('a session ends this long after sign-in, however busy'),
  })
  .prefault({});

const Store = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('memory').describe('one machine, nothing shared; the default') }),
    z.strictObject({
      kind: z.literal('redis').describe('shared by every gateway node'),
      url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional().describe('standalone Redis (env PASSWAY_REDIS_URL)'),
      password: z.string().optional().describe('env PASSWAY_REDIS_PASSWORD or PASSWAY_REDIS_PASSWORD_FILE'),
      sentinels: z.array(HostPort).optional().describe('Redis Sentinel addresses; with sentinelName'),
      sentinelName: z.string().optional().describe('master name watched by the sentinels'),
      cluster: z.array(HostPort).optional().describe('Redis Cluster seed nodes'),
      keyPrefix: z.string().default('passway:').describe('prefix of every key Passway writes'),
    }),
  ])
  .prefault({ kind: 'memory' })
  .describe('where sessions, pending logins, seats and counters live');

const Institution = z.strictObject({
  id: Id.describe('institution id used in licences and reports'),
  name: Bilingual.describe('display name'),
  domains: z.array(z.string()).default([]).describe('e-mail / scope domains, for discovery search'),
});

/** Whether a login can be asked for a stronger sign-in, for the licences with requireAuthnContext. */
const supportsMfa = (byDefault: boolean, how: string) =>
  z
    .boolean()
    .default(byDefault)
    .describe(`this IdP can deliver the authentication context a licence requires (resources[].licences[].requireAuthnContext, e.g. REFEDS MFA) when asked: a reader without it is sent back to sign in again (${how}); false: such a resource is refused at once with a page saying the campus sign-in offers no two-step sign-in`);

const SamlLogin = z.strictObject({
  kind: z.literal('saml'),
  id: Id,
  institution: Id.describe('institution id this IdP signs people in for'),
  entityID: z.string().min(1).describe('the IdP\'s SAML entityID'),
  metadataUrl: z
    .url()
    .optional()
    .describe('where to fetch this IdP\'s metadata: https only, and with metadataSigningCertFile or metadataSigningCertSha256 (the document is signature-checked, redirects stay on https)'),
  metadataSigningCertFile: z.string().min(1).optional().describe('PEM certificate the IdP signs its metadata with; no other key is trusted for metadataUrl'),
  metadataSigningCertSha256: z
    .string()
    .regex(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, 'the SHA-256 fingerprint of a certificate: 64 hex digits, colons allowed (`openssl x509 -noout -fingerprint -sha256`)')
    .optional()
    .describe('instead of metadataSigningCertFile: SHA-256 fingerprint of the certificate the metadata is signed with'),
  metadataFile: z.string().optional().describe('a local copy of this IdP\'s metadata (trusted as it is: keep it where only administrators can write)'),
  federation: Id.optional().describe('take this IdP\'s metadata from the signed aggregate of this federation (federations[].id)'),
  allowIdpInitiated: z
    .boolean()
    .default(false)
    .describe('accept unsolicited responses from this IdP; such a login is bound to no browser (whoever holds a fresh response can sign someone else in with it), so leave it off unless the IdP needs it'),
  wantAssertionsSigned: z
    .boolean()
    .default(false)
    .describe('require the IdP to sign the Assertion itself; by default a signature on the Response or on the Assertion is accepted, as SAML2int permits (either way it must cover the assertion)'),  supportsMfa: supportsMfa(true, 'SAML AuthnRequest with RequestedAuthnContext (Comparison exact) and ForceAuthn'),
});
const AttributeMapping = z
  .strictObject({
    affiliation: z.array(z.string()).optional().describe('attribute or claim names holding the affiliation, first found wins'),
    affiliationValues: z
      .record(z.string(), z.enum(['faculty', 'student', 'staff', 'member', 'alum', 'affiliate', 'employee', 'library-walk-in']))
      .optional()
      .describe('campus values to affiliations, e.g. { 教师: faculty, 研究生: student }, added to the built-in ones'),
    displayName: z.array(z.string()).optional().describe('attribute or claim names holding the display name'),
    entitlements: z.array(z.string()).optional().describe('attribute or claim names holding entitlements'),
    groups: z.array(z.string()).optional().describe('attribute or claim names holding groups'),
  })
  .optional()
  .describe('which campus attributes mean what; the defaults cover eduPerson names and common 统一身份认证 ones');

const CasLogin = z.strictObject({
  kind: z.literal('cas'),
  id: Id,
  institution: Id,
  serverUrl: z.url().describe('CAS server base URL, e.g. https://cas.example.edu.cn/cas'),
  protocol: z.enum(['2.0', '3.0']).default('3.0').describe('3.0 validates at /p3/serviceValidate (with attributes), 2.0 at /serviceValidate'),
  attributeMapping: AttributeMapping,
  timeoutSeconds: z.number().positive().default(10).describe('how long to wait for the CAS server to validate a ticket'),  supportsMfa: supportsMfa(false, 'CAS login with renew=true, the context read from the authnContextClass attribute'),
});
const OidcLogin = z.strictObject({
  kind: z.literal('oidc'),
  id: Id,
  institution: Id,
  issuer: z.url().describe('OpenID Provider issuer URL'),
  clientId: z.string().min(1),
  clientSecret: z.string().optional().describe('env PASSWAY_LOGIN_<ID>_CLIENT_SECRET or …_FILE'),
  scopes: z.array(z.string()).default(['profile', 'email']).describe('scopes besides openid'),
  tokenEndpointAuthMethod: z
    .enum(['client_secret_basic', 'client_secret_post', 'none'])
    .default('client_secret_basic')
    .describe('how the client authenticates at the token endpoint'),
  claimMapping: AttributeMapping,
  clockSkewSeconds: z.number().int().min(0).max(600).default(60).describe('tolerated clock difference for ID token times'),
  timeoutSeconds: z.number().positive().default(10).describe('how long to wait for the provider'),
  supportsMfa: supportsMfa(true, 'OIDC authorization request with acr_values and prompt=login'),
});
const Login = z.discriminatedUnion('kind', [SamlLogin, CasLogin, OidcLogin]);

/** https, or http to this machine only (a local MDQ mirror such as pyFF): every answer is also signature-checked. */
const isLoopbackUrl = (url: URL) => ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
const Mdq = z.strictObject({
  baseUrl: z
    .url()
    .refine((value) => value.startsWith('https://') || (value.startsWith('http://') && isLoopbackUrl(new URL(value))), 'must be an https:// URL (http only to a mirror on this machine, 127.0.0.1 or ::1)')
    .describe('the federation\'s Metadata Query (MDQ) service, e.g. https://mdq.incommon.org/; one IdP is fetched from <baseUrl>/entities/<id> when a login needs it. https (http only to a mirror on this machine); every answer is signature-checked either way'),
  signingCertFile: z
    .string()
    .min(1)
    .optional()
    .describe('PEM certificate every MDQ answer must be signed with, when it is not the federation\'s signingCertFile (InCommon signs MDQ with its own key)'),
  identifier: z
    .enum(['sha1', 'entityID'])
    .default('sha1')
    .describe('how the query names the IdP: "sha1" ({sha1} and the hex SHA-1 of the entityID) or "entityID" (the entityID, URL-encoded)'),
  timeoutSeconds: z.number().positive().default(10).describe('how long to wait for the MDQ server (connect, headers and body each)'),
  maxCacheHours: z
    .number()
    .positive()
    .default(24)
    .describe('longest an answer is kept; a sooner validUntil ends it earlier, and it is fetched again before then (at its cacheDuration, else three quarters of its life)'),
});

const Federation = z.strictObject({
  id: Id.describe('federation id that logins[].federation refers to, e.g. "carsi"'),
  mdq: Mdq.optional().describe('ask the federation\'s MDQ service for one IdP at a time (signed, cached within validUntil); the aggregate, when given too, is the fallback'),
  metadataUrl: z.url().optional().describe('where the federation publishes its signed metadata aggregate'),
  metadataFile: z.string().optional().describe('a local copy of the signed aggregate (instead of metadataUrl)'),
  signingCertFile: z
    .string()
    .min(1)
    .describe('PEM certificate the aggregate (and MDQ answers, unless mdq.signingCertFile) must be signed with (CARSI: dsmeta.pem from its IdP bundle); no other key is trusted'),
  refreshMinutes: z.number().int().min(1).default(60).describe('how often the aggregate is fetched again (a shorter cacheDuration in it wins)'),
  cacheDir: z.string().default('state/federations').describe('folder keeping the last good verified copy, used when the URL fails at start'),
});

const KeyPair = z.strictObject({
  keyFile: z.string().min(1).describe('PEM private key'),
  certFile: z.string().min(1).describe('PEM X.509 certificate published in the SP metadata'),
});

const Saml = z
  .strictObject({
    entityID: z.string().min(1).optional().describe('this service provider\'s entityID, default "<publicUrl>/auth/saml/metadata"'),
    signing: KeyPair.optional().describe('signs AuthnRequests (SHA-256); required with a SAML login outside demo mode, which generates one'),
    previousSigning: KeyPair.optional().describe('the old signing key during a rollover: its certificate stays in the metadata'),
    encryption: KeyPair.optional().describe('IdPs encrypt assertions to this certificate; without it assertions come unencrypted'),
    clockSkewSeconds: z.number().int().min(0).max(3600).default(180).describe('tolerated clock difference with IdPs (Shibboleth\'s default)'),
    validationWorkers: z
      .number()
      .int()
      .min(0)
      .max(64)
      .optional()
      .describe('worker threads that verify SAML responses (the XML signature work of each sign-in), started on first use; default one per core; 0 verifies on the main thread'),
    displayName: Bilingual.default({ en: 'Passway library access', zh: '图书馆校外访问' }).describe('mdui:DisplayName in the SP metadata, shown by IdPs'),
    entityCategory: z
      .enum(['anonymous', 'pseudonymous', 'personalized'])
      .optional()
      .describe('the REFEDS entity category the SP metadata asserts (https://refeds.org/category/…), and the attribute bundle it then requests: anonymous (scoped affiliation, home organisation), pseudonymous (+ pairwise-id, assurance), personalized (+ subject-id, name, mail); eduPersonEntitlement is always requested (licences are decided on it). Not set: no category, and the attributes of every bundle are requested'),
    metadata: z
      .strictObject({
        validDays: z.number().int().min(1).max(365).default(10).describe('validUntil of the SP metadata: this many days after it was made (it is made again when half of that has passed)'),
        cacheDurationHours: z.number().positive().max(24 * 30).default(6).describe('cacheDuration: how often IdPs and federations should fetch it again'),
        sign: z.boolean().default(true).describe('sign the SP metadata (enveloped XML signature, RSA-SHA256) with metadata.signing, else saml.signing'),
        signing: KeyPair.optional().describe('a key of its own for the metadata signature (e.g. the one the federation registered), instead of saml.signing'),
      })
      .prefault({})
      .describe('the SP metadata at /auth/saml/metadata'),
  })
  .prefault({})
  .describe('the SAML service provider that campus IdPs sign people in to');

const IdpInstitution = z.strictObject({
  id: Id.describe('institution id (institutions[].id) whose virtual IdP this describes'),
  scope: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]*$/i, 'a domain such as "pku.edu.cn"')
    .optional()
    .describe('the scope of eduPersonScopedAffiliation and pairwise-id (shibmd:Scope), default the institution\'s first domain'),
  displayName: Bilingual.optional().describe('mdui:DisplayName of the virtual IdP, default the institution\'s name'),
  logo: z.url().optional().describe('mdui:Logo (an https URL of a PNG, e.g. 80x60) shown by vendors\' discovery pages'),
});

const Idp = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Passway as the SAML IdP toward vendors (resources with access kind idp): one virtual IdP per institution at <publicUrl>/idp/<institution>, its metadata at …/metadata'),
    signing: KeyPair.optional().describe('signs responses, assertions and the IdP metadata (RSA-SHA256); required when enabled outside demo mode, which generates one'),
    nextSigning: KeyPair.optional().describe('the next signing key during a rollover: published in the metadata now so vendors trust it before it signs'),
    pairwiseSecret: z
      .string()
      .min(32, 'use at least 32 random characters, e.g. from `openssl rand -hex 32`')
      .optional()
      .describe('key of the pairwise-id and persistent NameID (keyed HMAC per vendor SP); default derived from session.secret, so set it before rotating that (env PASSWAY_IDP_PAIRWISE_SECRET or PASSWAY_IDP_PAIRWISE_SECRET_FILE)'),
    requireSignedRequests: z.boolean().default(false).describe('refuse every unsigned AuthnRequest (by default only SPs whose metadata says AuthnRequestsSigned, or resources with requireSignedRequests)'),
    assertionLifetimeSeconds: z.number().int().min(30).max(300).default(300).describe('NotOnOrAfter of an assertion, at most 5 minutes after it is made'),
    clockSkewSeconds: z.number().int().min(0).max(600).default(180).describe('tolerated clock difference with vendor SPs (an AuthnRequest\'s IssueInstant)'),
    institutions: z.array(IdpInstitution).default([]).describe('per-institution settings of the virtual IdPs (every institution has one; these add scope, names and a logo)'),
    metadata: z
      .strictObject({
        validDays: z.number().int().min(1).max(365).default(10).describe('validUntil of each IdP metadata document'),
        cacheDurationHours: z.number().positive().max(24 * 30).default(6).describe('cacheDuration: how often vendors should fetch it again'),
      })
      .prefault({})
      .describe('the IdP metadata at /idp/<institution>/metadata, signed with idp.signing'),
  })
  .prefault({})
  .describe('Passway as the identity provider toward SAML vendors');

const Discovery = z
  .strictObject({
    externalServiceUrl: z
      .url()
      .optional()
      .describe('use an external OASIS discovery service (e.g. https://ds.carsi.edu.cn/ds/index.html) instead of Passway\'s own page'),
    rememberDays: z.number().int().min(0).default(90).describe('how long the last chosen institution is remembered (0: not at all)'),
  })
  .prefault({})
  .describe('the "choose your institution" step (/ds)');

const Demo = z
  .strictObject({
    enabled: z.boolean().default(false).describe('start the demo IdP and demo vendors beside the gateway'),
    stateDir: z.string().default('state').describe('git-ignored folder for generated demo keys and secrets'),
    ports: z
      .strictObject({
        idp: z.number().int().min(0).default(8081),
        samlVendor: z.number().int().min(0).default(8082),
        plainVendor: z.number().int().min(0).default(8083),
        plainVendorCdn: z.number().int().min(0).default(8084).describe("the CDN of the demo vendor without SAML (its second host)"),
        roamingVendor: z.number().int().min(0).default(8087).describe('the demo vendor with a form login, reached with a roaming account'),
        cas: z.number().int().min(0).default(8085).describe('the CAS server of the demo college (a campus without SAML)'),
        idpVendor: z.number().int().min(0).default(8086).describe('the demo vendor that speaks only SAML and trusts Passway as its IdP'),
      })
      .prefault({})
      .describe('ports of the demo servers'),
  })
  .prefault({});

const Proxy = z
  .strictObject({
    connectTimeoutSeconds: z.number().positive().default(10).describe('give up connecting to a vendor after this long'),
    headersTimeoutSeconds: z.number().positive().default(30).describe('give up when a vendor sends no response headers for this long'),
    bodyTimeoutSeconds: z.number().positive().default(60).describe('give up when a vendor response body stalls (no bytes) for this long'),
    forwardedFor: z
      .enum(['none', 'append', 'replace'])
      .default('none')
      .describe('X-Forwarded-For to vendors: none (vendors see only the gateway), append (the client address added to what came in) or replace (only the client address)'),
    maxRequestBodyMegabytes: z.number().positive().default(100).describe('largest request body (uploads, forms) forwarded to a vendor; larger gets 413'),
    maxResponseBodyMegabytes: z.number().positive().optional().describe('largest vendor response passed on; unlimited when not set (downloads stream, nothing is buffered)'),
    browserCookies: z
      .enum(['forward', 'drop'])
      .default('forward')
      .describe('cookies vendor JavaScript sets in the browser: forward (each proxied page loads a shim from /.passway/cookies.js that keeps them per resource, so one vendor\'s script cannot read another\'s and a vendor gets only its own resource\'s, after the server-side jar\'s cookies, which win on a name clash; the gateway\'s own cookies never) or drop (none reaches a vendor)'),
    summaryEveryRequests: z.number().int().positive().default(100).describe('proxied traffic is summarised per session and resource in memory; a proxy-summary usage event is written after this many requests'),
    summaryIdleSeconds: z.number().positive().default(60).describe('… or after this many seconds without a request from that session to that resource (and for all at shutdown)'),
    unproxiedHostDays: z.number().positive().default(30).describe('hosts seen in vendor pages that no resource claims are counted per resource for this many days (passway vendor check, /admin/unproxied)'),
    unproxiedHostsPerResource: z.number().int().positive().default(200).describe('at most this many such hosts are kept per resource, so a hostile page cannot flood the Store'),
  })
  .prefault({})
  .describe('the rewriting proxy');

const AdminRoleRule = z.strictObject({
  groups: z.array(z.string().min(1)).default([]).describe('campus groups (isMemberOf) that grant the role'),
  entitlements: z.array(z.string().min(1)).default([]).describe('eduPersonEntitlement values that grant the role'),
  subjects: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9-]*:.+$/, 'write "institution:subject", e.g. "uni:alice@uni.edu.cn"'))
    .default([])
    .describe('people by "institution:subject"'),
  institutions: z
    .array(z.string())
    .optional()
    .describe('groups and entitlements grant the role only to people signed in by these institutions\' IdPs; default: the one institution when only one is configured, else none (any member IdP can assert any group name; subjects still work)'),
});

const Admin = z
  .strictObject({
    roles: z
      .strictObject({
        admins: AdminRoleRule.optional().describe('may read reports and act (lift suspensions, reload the catalog)'),
        librarians: AdminRoleRule.optional().describe('may read usage reports only'),
      })
      .prefault({})
      .describe('who gets an admin role, from their campus sign-in attributes'),
    bootstrap: z
      .strictObject({
        username: z.string().min(1).describe('local admin user name for /admin/login'),
        password: z.string().min(12, 'use at least 12 characters').optional().describe('env PASSWAY_ADMIN_PASSWORD or PASSWAY_ADMIN_PASSWORD_FILE; never in the file'),
        passwordHash: z
          .string()
          .regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=_-]+\$[A-Za-z0-9+/=_-]+$/, 'an "scrypt$N$r$p$salt$hash" string, see the admin notes in README.md')
          .optional()
          .describe('scrypt hash of the password, instead of the env password'),
      })
      .optional()
      .describe('a local admin account for the first setup, before campus roles work'),
    apiTokens: z
      .array(
        z.strictObject({
          name: z.string().min(1).describe('who uses it, for the audit log'),
          sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 hex digits: `printf %s "$TOKEN" | sha256sum`').describe('SHA-256 of the bearer token (hex)'),
        }),
      )
      .default([])
      .describe('bearer tokens that may read /api/v1/usage (librarian role)'),
  })
  .prefault({})
  .describe('the admin pages (/admin) and the usage API');

const CounterRequestor = z.strictObject({
  id: z.string().min(1).describe('the requestor_id it sends'),
  name: z.string().min(1).describe('who harvests with it (e.g. JUSP, CELUS, the consortium office), for the log'),
  apiKeySha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, '64 hex digits: `printf %s "$API_KEY" | sha256sum`')
    .describe('SHA-256 of the api_key it sends (hex); the key itself stays with the harvester'),
  customers: z
    .array(z.string().min(1))
    .optional()
    .describe('customer_ids it may harvest: institution ids and/or counter.consortium.customerId (default: all)'),
});

const Counter = z
  .strictObject({
    platformId: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_./]{1,17}$/, 'a letter, then 1-17 letters, digits, "_", "." or "/"')
      .default('passway')
      .describe('namespace of Passway\'s own identifiers in reports (Institution_ID passway:<institution>, database Proprietary_ID passway:<resource>)'),
    registryRecord: z
      .string()
      .regex(/^(https:\/\/registry\.(projectcounter|countermetrics)\.org\/platform\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|)$/, 'a https://registry.projectcounter.org/platform/<uuid> link, or empty')
      .default('')
      .describe('link to the COUNTER Registry record, if there is one (Registry_Record)'),
    createdBy: z.string().min(2).optional().describe('Created_By of reports (default "Passway (<public host>)")'),
    firstMonth: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month, YYYY-MM')
      .default('2025-01')
      .describe('first month Passway counted usage for (First_Month_Available; earlier months get Exception 3032)'),
    institutionIds: z
      .record(
        z.string(),
        z.strictObject({
          ISNI: z.array(z.string().regex(/^[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{3}[0-9X]$/, '16 digits (the last may be X), e.g. 0000000419369078')).min(1).optional(),
          ROR: z.array(z.string().regex(/^0[a-z0-9]{6}[0-9]{2}$/, 'the 9-character ROR id without https://ror.org/, e.g. 02v51f717')).min(1).optional(),
          ISIL: z.array(z.string().regex(/^[A-Za-z0-9]{1,4}-.{1,11}$/, 'an ISIL such as CN-100000-X')).min(1).optional(),
          OCLC: z.array(z.string().regex(/^[0-9]+$/, 'digits only')).min(1).optional(),
        }),
      )
      .default({})
      .describe('public identifiers of institutions (by institution id) put in Institution_ID and /r51/members beside passway:<id>, so harvesters (JUSP, CELUS) can match them'),
    consortium: z
      .strictObject({
        customerId: Id.default('all').describe('customer_id of the report over every institution (and of /r51/members listing them)'),
        name: Bilingual.default({ en: 'All institutions', zh: '全部机构' }).describe('its Institution_Name'),
      })
      .prefault({})
      .describe('all configured institutions together, as one customer'),
    requestors: z
      .array(CounterRequestor)
      .default([])
      .describe('harvesters that may use the COUNTER API (requestor_id + api_key); none: the API answers every report request with Exception 2000'),
  })
  .prefault({})
  .describe('COUNTER Release 5.1 reports (/admin/usage/counter/…) and the COUNTER API, formerly SUSHI (/counter/r51/…)');

const DownloadLimit = z.strictObject({
  items: z.number().int().positive().optional().describe('most item (full-text) downloads in the window'),
  bytes: z.number().int().positive().optional().describe('most bytes downloaded in the window'),
  windowMinutes: z.number().positive().default(60).describe('length of the sliding window'),
  suspendMinutes: z.number().positive().default(60).describe('how long access to the resource is suspended after the limit is passed'),
});

const Limits = z
  .strictObject({
    loginStartsPerMinute: z
      .number()
      .int()
      .positive()
      .default(60)
      .describe('sign-ins one client address may start per minute, vendors\' AuthnRequests to Passway as IdP included (each keeps a pending request in the store for up to 10 minutes); more get 429. Readers behind one campus or carrier NAT share an address: raise it there'),
    adminLoginFailuresPerUser: z
      .number()
      .int()
      .positive()
      .default(5)
      .describe('wrong passwords for one user name from one client address before that pair is refused for adminLoginWindowMinutes (the bootstrap /admin/login)'),
    adminLoginFailuresPerAddress: z
      .number()
      .int()
      .positive()
      .default(30)
      .describe('wrong passwords from one client address, whatever the user name, before the address is refused for adminLoginWindowMinutes'),
    adminLoginWindowMinutes: z.number().int().positive().default(15).describe('the window those failures are counted in, and how long a refusal lasts'),
  })
  .prefault({})
  .describe('request limits per client address (server.trustProxy decides the address), counted in the store so all nodes share them');

const Load = z
  .strictObject({
    maxInFlight: z.number().int().positive().default(500).describe('more requests than this in progress on one node: anonymous login starts and launches get a 503 page'),
    maxEventLoopLagMs: z.number().positive().default(500).describe('mean event-loop delay (ms), over two seconds running, above which anonymous login starts and launches get a 503 page'),
    maxEventLoopUtilization: z
      .number()
      .positive()
      .max(1)
      .default(0.95)
      .describe('share of the time the event loop is busy (0–1), over two seconds running, above which anonymous login starts and launches get a 503 page: a CPU-bound storm of cheap requests passes it long before the lag or in-flight limits; 1 turns it off'),
    signedInLaunchHeadroom: z
      .number()
      .min(1)
      .default(2)
      .describe('signed-in readers\' launches get the 503 page only past this multiple of maxInFlight and maxEventLoopLagMs (anonymous login starts go first, and a busy event loop alone never refuses them); their pages and proxied traffic are never refused'),
    retryAfterSeconds: z.number().int().positive().default(30).describe('Retry-After sent with the overload page'),
    metricsAllow: z
      .array(AddressRange)
      .default(['127.0.0.1', '::1'])
      .describe('addresses or CIDR ranges allowed to read /metrics (the Prometheus scraper); everyone else gets 403'),
    maxSessionsPerUser: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('live sessions one person may hold (EZproxy ::Limit); a new sign-in ends their least recently used one'),
    downloadLimits: DownloadLimit.optional().describe('per user and resource, like EZproxy UsageLimit; passing it suspends that user\'s access to that resource'),
    resourceDownloadLimits: z.record(z.string(), DownloadLimit).default({}).describe('download limits for single resources by id, instead of downloadLimits'),
  })
  .prefault({})
  .describe('load and overload control: metrics, shedding, download limits, session cap');

export const RULE_CRITERIA = ['networks', 'countries', 'asns', 'logins', 'login-failures', 'sessions', 'item-requests', 'pdf-downloads', 'bytes', 'requests'] as const;

export const SecurityRule = z
  .strictObject({
    name: Id.describe('names the rule on /admin/security, in alerts and in the evidence export'),
    criterion: z
      .enum(RULE_CRITERIA)
      .describe('what is counted: networks (distinct client /24 IPv4, /48 IPv6), countries, asns (distinct, from the offline IP database), logins, login-failures, sessions (in parallel, at sign-in), item-requests, pdf-downloads, bytes (proxied), requests (proxied)'),
    per: z
      .enum(['user', 'session', 'everyone'])
      .default('user')
      .describe('whose requests are counted together: one person (pseudonym), one session, or everyone (a platform total; log and alert only)'),
    across: z
      .enum(['platform', 'resource'])
      .default('platform')
      .describe('platform: over every resource together; resource: each resource counted on its own'),
    resources: z.array(z.string().min(1)).optional().describe('only these resources count (default: all; networks and countries also count at sign-in)'),
    over: z.number().int().min(0).describe('the rule trips when the count in the window passes this number ("more than")'),
    windowMinutes: z.number().positive().default(60).describe('length of the sliding window'),
    hours: z
      .strictObject({
        from: z.number().int().min(0).max(23).describe('first hour (catalog.timeZone)'),
        until: z.number().int().min(0).max(24).describe('hour the span ends (may wrap past midnight, e.g. from 1 until 6)'),
      })
      .optional()
      .describe('unusual hours: only what happens between these local hours counts'),
    action: z
      .enum(['log', 'alert', 'suspend', 'require-reauth'])
      .default('log')
      .describe('log: a log line and /admin/security; alert: also e-mail and webhook; suspend: the person loses access (see suspend); require-reauth: all their sessions end, they sign in again'),
    suspend: z.enum(['resource', 'all']).default('all').describe('with action suspend: the resource the rule tripped on, or every resource'),
    forMinutes: z.number().positive().default(60).describe('how long a suspension lasts, and how long the rule stays tripped (it trips once per person in this time)'),
  })
  .superRefine((rule, ctx) => {
    if (rule.per === 'everyone' && (rule.action === 'suspend' || rule.action === 'require-reauth')) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: `per: everyone counts no one person, so it can only log or alert (not ${rule.action})` });
    }
    if (rule.criterion === 'login-failures' && rule.per !== 'everyone') {
      ctx.addIssue({ code: 'custom', path: ['per'], message: 'a failed sign-in names no user: count login-failures per everyone' });
    }
    if (rule.criterion === 'sessions' && rule.per !== 'user') ctx.addIssue({ code: 'custom', path: ['per'], message: 'sessions in parallel are counted per user' });
    if (rule.suspend === 'resource' && rule.action === 'suspend' && rule.across !== 'resource' && !rule.resources) {
      ctx.addIssue({ code: 'custom', path: ['suspend'], message: 'suspend: resource needs across: resource or a resources list (otherwise which resource?)' });
    }
  });

const Security = z
  .strictObject({
    preset: z
      .enum(['conservative', 'none'])
      .default('conservative')
      .describe('a rule set to start from: conservative (log and alert on stolen-account patterns, suspend only a clear harvest) or none; rules below are added, a rule of the same name replaces the preset\'s'),
    rules: z.array(SecurityRule).default([]).describe('security rules, like EZproxy 7.1 security rules but counted in the store across every node'),
    exemptions: z
      .array(
        z.strictObject({
          subject: z.string().regex(/^[a-z0-9][a-z0-9-]*:.+$/, 'write "institution:subject", e.g. "uni:alice@uni.edu.cn"').describe('the exempted person'),
          rules: z.array(z.string()).optional().describe('only these rules (default: all)'),
          reason: z.string().min(1).describe('why, e.g. an approved text-mining project'),
        }),
      )
      .default([])
      .describe('people no rule trips for (more can be added on /admin/security, with an expiry)'),
    ipDatabase: z
      .strictObject({
        country: z.string().optional().describe('MMDB file of address → country (default: the shipped @ip-location-db/geo-whois-asn-country-mmdb package; "none" to count no countries)'),
        asn: z.string().optional().describe('MMDB file of address → ASN (records with autonomous_system_number, as GeoLite2-ASN or ip-location-db\'s asn MMDB) or a CSV file in ip-location-db\'s ASN format (start,end,asn; numbers or addresses) (default: the shipped @ip-location-db/asn package; "none" to count no ASNs)'),
      })
      .prefault({})
      .describe('offline IP databases for the countries and asns criteria; refreshed by upgrading the package'),
    alerts: z
      .strictObject({
        email: z
          .strictObject({
            host: z.string().min(1).describe('SMTP server'),
            port: z.number().int().min(1).max(65535).default(587).describe('SMTP port (587 with STARTTLS, 465 with secure)'),
            secure: z.boolean().default(false).describe('TLS from the first byte (port 465); otherwise STARTTLS when the server offers it'),
            user: z.string().optional().describe('SMTP user name'),
            password: z.string().optional().describe('env PASSWAY_SMTP_PASSWORD or PASSWAY_SMTP_PASSWORD_FILE; never in the file'),
            from: z.email().describe('sender address'),
            to: z.array(z.email()).min(1).describe('who is told: the library\'s e-resources team, IT security'),
          })
          .optional()
          .describe('e-mail at each trip of an alert, suspend or require-reauth rule, and the daily digest'),
        webhook: z
          .strictObject({
            url: z.url().describe('receives a JSON POST per trip (and the digest)'),
            secret: z
              .string()
              .min(16, 'use at least 16 random characters')
              .optional()
              .describe('signs each body: X-Passway-Signature: sha256=<hex HMAC of "<X-Passway-Timestamp>.<body>"> (env PASSWAY_ALERT_WEBHOOK_SECRET or …_FILE)'),
          })
          .optional()
          .describe('a chat or ticket system to tell (JSON, HMAC-signed)'),
        digestHour: z.number().int().min(0).max(23).default(8).describe('the daily digest of the last 24 hours\' trips is sent at this hour (catalog.timeZone), by one node'),
      })
      .prefault({})
      .describe('where trips are reported besides the log and /admin/security'),
    apiTokens: z
      .array(
        z.strictObject({
          name: z.string().min(1).describe('who uses it (e.g. the IT service desk), for the audit log'),
          sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 hex digits: `printf %s "$TOKEN" | sha256sum`').describe('SHA-256 of the bearer token (hex)'),
        }),
      )
      .default([])
      .describe('bearer tokens that may call POST /api/v1/security/sign-out (sign a stolen account out everywhere) and …/lift'),
  })
  .prefault({})
  .describe('compromised-account defence: security rules, suspensions, sign-out everywhere');

const Usage = z
  .strictObject({
    dir: z.string().default('state/usage').describe('folder of the usage log: usage-YYYY-MM-DD.<node>.jsonl per day and gateway process (and access-…log)'),
    pseudonymKey: z
      .string()
      .min(32, 'use at least 32 random characters, e.g. from `openssl rand -hex 32`')
      .optional()
      .describe('key of the pseudonymous user ids (HMAC of institution + subject); default: generated in demo mode, else derived from session.secret (env PASSWAY_USAGE_KEY or PASSWAY_USAGE_KEY_FILE)'),
    flush: z
      .enum(['every-event', 'interval'])
      .default('every-event')
      .describe('every-event: each event written at once (events of the same 2 ms share a write; no fsync); interval: written every flushIntervalMs'),
    flushIntervalMs: z.number().int().positive().default(1000).describe('with flush: interval, how often buffered events are written'),
    retentionDays: z.number().int().positive().default(400).describe('log files older than this many days are deleted (checked daily); aggregates in the store are kept'),
    accessLog: z.boolean().default(false).describe('also write an NCSA combined log of proxied requests (access-YYYY-MM-DD.<node>.log) for ezPAARSE / EZproxy log tools'),
    timeZone: TimeZone.optional().describe('the time zone of reporting days; default catalog.timeZone'),
    catchUpIntervalSeconds: z.number().positive().default(5).describe('after a store outage, how often counting retries from the log'),
  })
  .prefault({})
  .describe('usage log (durable, per node) and aggregates for reports');

export const ConfigSchema = z
  .strictObject({
    server: Server,
    session: Session,
    store: Store,
    institutions: z.array(Institution).default([]).describe('institutions whose members use Passway'),
    logins: z.array(Login).default([]).describe('campus sign-in methods: saml, cas, oidc'),
    federations: z.array(Federation).default([]).describe('signed federation metadata (aggregates such as CARSI\'s or eduGAIN\'s, MDQ services such as InCommon\'s) that SAML logins take their IdP from; their status is at /admin/federations'),
    discovery: Discovery,
    saml: Saml,
    idp: Idp,
    resources: z.array(Resource).default([]).describe('licensed databases (see resource-catalog/); more may come from catalog.files'),
    catalog: z
      .strictObject({
        files: z.array(z.string()).default([]).describe('YAML files with `resources:` lists, reloaded on SIGHUP'),
        timeZone: TimeZone.default('Asia/Shanghai').describe('the time zone in which licence from/until days are counted'),
        subjects: z
          .record(z.string().min(1), Bilingual)
          .default({})
          .describe('names of subject tags (resources[].subjects) in both languages, e.g. `marine: { en: Marine science, zh: 海洋科学 }`; the tags of the shipped presets are named already'),
      })
      .prefault({})
      .describe('the resource catalog beyond the resources listed here'),
    onCampus: z
      .strictObject({
        ranges: z.array(AddressRange).default([]).describe('campus address ranges (CIDR), sent straight to the vendor without sign-in, as EZproxy ExcludeIP'),
      })
      .prefault({})
      .describe('on-campus bypass'),
    documentDelivery: z
      .strictObject({
        name: Bilingual.describe('the service\'s name, e.g. 原文传递 / Document delivery'),
        url: z.string().includes('{openurl}', { error: 'missing {openurl}: where the OpenURL 1.0 query of the article goes' }).describe('link template; {openurl} is replaced by an OpenURL 1.0 (KEV) query for the article'),
      })
      .optional()
      .describe('document delivery / interlibrary loan offered on a denial (BALIS, CALIS, CASHL take OpenURL)'),
    contact: z
      .strictObject({
        name: Bilingual.optional(),
        email: z.email().optional(),
        url: z.url().optional(),
      })
      .prefault({})
      .describe('whom users should ask when access is denied'),
    logging: z
      .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .prefault({}),
    demo: Demo,
    usage: Usage,
    proxy: Proxy,
    load: Load,
    admin: Admin,
    limits: Limits,
    counter: Counter,
    security: Security,
  })
  // Cross-references are checked even when other keys are wrong, so one run lists every problem.
  .superRefine((config, ctx) => crossCheck(config as unknown as Loose, ctx), { when: () => true });

/** The parsed shape, before we know it is valid: every field may be missing or of the wrong type. */
type Loose = {
  institutions?: { id?: unknown }[];
  logins?: {
    id?: unknown;
    kind?: unknown;
    institution?: unknown;
    metadataUrl?: unknown;
    metadataFile?: unknown;
    federation?: unknown;
    metadataSigningCertFile?: unknown;
    metadataSigningCertSha256?: unknown;
  }[];
  federations?: { id?: unknown; metadataUrl?: unknown; metadataFile?: unknown; mdq?: unknown }[];
  resources?: { id?: unknown; hosts?: { host?: unknown }[]; access?: { kind?: unknown; federation?: unknown }[]; licences?: { institution?: unknown; from?: unknown; until?: unknown }[] }[];
  idp?: { enabled?: unknown; institutions?: { id?: unknown }[] };
  store?: { kind?: unknown; url?: unknown; sentinels?: unknown; sentinelName?: unknown; cluster?: unknown };
  counter?: { consortium?: { customerId?: unknown }; requestors?: { id?: unknown; customers?: unknown }[]; institutionIds?: unknown };
  admin?: { roles?: Record<string, { institutions?: unknown } | undefined> };
};

const list = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value.filter((v) => typeof v === 'object' && v !== null) : []);

function crossCheck(config: Loose, ctx: z.RefinementCtx): void {
  const institutions = new Set(list(config.institutions).map((i) => i.id));
  const unique = (items: { id?: unknown }[], path: string) => {
    const seen = new Map<unknown, number>();
    items.forEach((item, index) => {
      const first = seen.get(item.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [path, index, 'id'], message: `id "${String(item.id)}" is already used by ${path}[${first}]` });
      else seen.set(item.id, index);
    });
  };
  unique(list(config.institutions), 'institutions');
  unique(list(config.logins), 'logins');
  unique(list(config.resources), 'resources');
  unique(list(config.federations), 'federations');

  const federations = new Set(list(config.federations).map((f) => f.id));
  list(config.federations).forEach((federation, index) => {
    if (federation.metadataUrl && federation.metadataFile) {
      ctx.addIssue({ code: 'custom', path: ['federations', index], message: 'give only one of metadataUrl or metadataFile' });
    } else if (!federation.metadataUrl && !federation.metadataFile && !federation.mdq) {
      ctx.addIssue({ code: 'custom', path: ['federations', index], message: 'give exactly one of metadataUrl or metadataFile (the signed aggregate), or an mdq service' });
    }
  });

  list(config.logins).forEach((login, index) => {
    if (typeof login.institution === 'string' && !institutions.has(login.institution)) {
      ctx.addIssue({ code: 'custom', path: ['logins', index, 'institution'], message: `unknown institution "${login.institution}"; add it under institutions` });
    }
    if (login.kind === 'saml') {
      const sources = [login.metadataUrl, login.metadataFile, login.federation].filter(Boolean).length;
      if (sources !== 1) {
        const message = sources === 0 ? 'a SAML IdP needs metadataUrl or metadataFile, or a federation' : 'give only one of metadataUrl, metadataFile or federation';
        ctx.addIssue({ code: 'custom', path: ['logins', index], message });
      }
      metadataTrust(login, index, ctx);
      if (typeof login.federation === 'string' && !federations.has(login.federation)) {
        ctx.addIssue({ code: 'custom', path: ['logins', index, 'federation'], message: `unknown federation "${login.federation}"; add it under federations` });
      }
    }
  });

  const hostOwner = new Map<string, unknown>();
  list(config.resources).forEach((resource, r) => {
    list(resource.hosts).forEach((rule, h) => {
      if (typeof rule.host !== 'string') return;
      const host = rule.host.toLowerCase();
      const owner = hostOwner.get(host);
      if (owner !== undefined) ctx.addIssue({ code: 'custom', path: ['resources', r, 'hosts', h, 'host'], message: `host "${host}" is already claimed by resource "${String(owner)}"` });
      else hostOwner.set(host, resource.id);
    });
    list(resource.access).forEach((method, m) => {
      if (method.kind === 'idp' && config.idp?.enabled !== true) {
        ctx.addIssue({ code: 'custom', path: ['resources', r, 'access', m], message: 'access kind idp needs idp.enabled: true (Passway as the SAML IdP toward vendors)' });
      }
      if (method.kind === 'idp' && typeof method.federation === 'string' && !federations.has(method.federation)) {
        ctx.addIssue({ code: 'custom', path: ['resources', r, 'access', m, 'federation'], message: `unknown federation "${method.federation}"; add it under federations` });
      }
    });
    list(resource.licences).forEach((licence, l) => {
      if (typeof licence.institution === 'string' && !institutions.has(licence.institution)) {
        ctx.addIssue({ code: 'custom', path: ['resources', r, 'licences', l, 'institution'], message: `unknown institution "${licence.institution}"; add it under institutions` });
      }
      if (typeof licence.from === 'string' && typeof licence.until === 'string' && licence.from > licence.until) {
        ctx.addIssue({ code: 'custom', path: ['resources', r, 'licences', l, 'until'], message: `ends (${licence.until}) before it starts (${licence.from})` });
      }
    });
  });

  list(config.idp?.institutions).forEach((entry, i) => {
    if (typeof entry.id === 'string' && !institutions.has(entry.id)) ctx.addIssue({ code: 'custom', path: ['idp', 'institutions', i, 'id'], message: `unknown institution "${entry.id}"; add it under institutions` });
  });
  unique(list(config.idp?.institutions), 'idp.institutions');

  const consortium = config.counter?.consortium?.customerId ?? 'all';
  if (institutions.has(consortium)) {
    ctx.addIssue({ code: 'custom', path: ['counter', 'consortium', 'customerId'], message: `"${String(consortium)}" is also an institution id; choose another customer_id for all institutions` });
  }
  unique(list(config.counter?.requestors), 'counter.requestors');
  const ids = config.counter?.institutionIds;
  for (const institution of ids && typeof ids === 'object' ? Object.keys(ids) : []) {
    if (!institutions.has(institution)) ctx.addIssue({ code: 'custom', path: ['counter', 'institutionIds', institution], message: `unknown institution "${institution}"; add it under institutions` });
  }
  list(config.counter?.requestors).forEach((requestor, r) => {
    (Array.isArray(requestor.customers) ? requestor.customers : []).forEach((customer: unknown, c: number) => {
      if (typeof customer === 'string' && customer !== consortium && !institutions.has(customer)) {
        ctx.addIssue({ code: 'custom', path: ['counter', 'requestors', r, 'customers', c], message: `unknown customer "${customer}"; use an institution id or "${String(consortium)}"` });
      }
    });
  });
  for (const [name, rule] of Object.entries(config.admin?.roles ?? {})) {
    if (!Array.isArray(rule?.institutions)) continue;
    (rule.institutions as unknown[]).forEach((id, i) => {
      if (typeof id === 'string' && !institutions.has(id)) ctx.addIssue({ code: 'custom', path: ['admin', 'roles', name, 'institutions', i], message: `unknown institution "${id}"; add it under institutions` });
    });
  }

  const store = config.store;
  if (store?.kind === 'redis') {
    const ways = [store.url, store.sentinels, store.cluster].filter(Boolean).length;
    if (ways !== 1) ctx.addIssue({ code: 'custom', path: ['store'], message: 'give exactly one of url, sentinels (with sentinelName) or cluster' });
    if (store.sentinels && !store.sentinelName) ctx.addIssue({ code: 'custom', path: ['store', 'sentinelName'], message: 'required with sentinels' });
  }
}

/** Valid but risky settings, printed by `config check` and at start-up. */
export function configWarnings(config: z.infer<typeof ConfigSchema>): { path: string; message: string }[] {
  const warnings: { path: string; message: string }[] = [];
  if (config.institutions.length > 1) {
    for (const [name, rule] of Object.entries(config.admin.roles)) {
      if (!rule || rule.institutions || (rule.groups.length === 0 && rule.entitlements.length === 0)) continue;
      warnings.push({
        path: `admin.roles.${name}.institutions`,
        message: `not set, so its groups and entitlements grant the role to nobody: ${config.institutions.length} institutions are configured and any of their IdPs could assert them; list the institutions whose IdP may grant it, e.g. [${config.institutions[0]!.id}]`,
      });
    }
  }
  return warnings;
}

/**
 * An IdP's signing keys come from its metadata, so fetched metadata must be authenticated: https,
 * and signed with a pinned certificate (a local file or a federation aggregate is trusted as such).
 */
function metadataTrust(login: NonNullable<Loose['logins']>[number], index: number, ctx: z.RefinementCtx): void {
  const pinned = [login.metadataSigningCertFile, login.metadataSigningCertSha256].filter(Boolean).length;
  if (pinned > 1) ctx.addIssue({ code: 'custom', path: ['logins', index, 'metadataSigningCertSha256'], message: 'give only one of metadataSigningCertFile or metadataSigningCertSha256' });
  if (typeof login.metadataUrl !== 'string') {
    if (pinned > 0) ctx.addIssue({ code: 'custom', path: ['logins', index], message: 'metadataSigningCertFile / metadataSigningCertSha256 go with metadataUrl' });
    return;
  }
  if (!login.metadataUrl.startsWith('https://')) {
    ctx.addIssue({
      code: 'custom',
      path: ['logins', index, 'metadataUrl'],
      message: 'must be an https:// URL: the IdP\'s signing keys come from this document. Use https with metadataSigningCertFile, or a local metadataFile, or a federation',
    });
  } else if (pinned === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['logins', index, 'metadataSigningCertFile'],
      message: 'metadataUrl needs a pinned signature: set metadataSigningCertFile (the PEM certificate the IdP signs its metadata with) or metadataSigningCertSha256, or use a local metadataFile or a federation',
    });
  }
}

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Login = z.infer<typeof Login>;
export type SecurityRuleConfig = z.infer<typeof SecurityRule>;
export type Institution = z.infer<typeof Institution>;
export type SamlLoginConfig = z.infer<typeof SamlLogin>;
export type CasLoginConfig = z.infer<typeof CasLogin>;
export type OidcLoginConfig = z.infer<typeof OidcLogin>;
export type SamlSpConfig = z.infer<typeof Saml>;
export type IdpConfig = z.infer<typeof Idp>;
export type FederationConfig = z.infer<typeof Federation>;
export type MdqConfig = z.infer<typeof Mdq>;
