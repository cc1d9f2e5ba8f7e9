import { z } from 'zod';
import { Bilingual, Resource } from '../resource-catalog/schema';

/**
 * The whole Passway configuration. Every field's description is documentation: the README's
 * configuration reference is generated from this schema (`npm run docs:config`) and a test
 * fails when the two differ.
 */

const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and hyphens, e.g. "pku" or "campus-cas"');

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
      .array(z.string())
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

const SamlLogin = z.strictObject({
  kind: z.literal('saml'),
  id: Id,
  institution: Id.describe('institution id this IdP signs people in for'),
  entityID: z.string().min(1).describe('the IdP\'s SAML entityID'),
  metadataUrl: z.url().optional().describe('where to fetch this IdP\'s metadata'),
  metadataFile: z.string().optional().describe('a local copy of this IdP\'s metadata'),
  allowIdpInitiated: z.boolean().default(false).describe('accept unsolicited responses from this IdP'),
});
const CasLogin = z.strictObject({
  kind: z.literal('cas'),
  id: Id,
  institution: Id,
  serverUrl: z.url().describe('CAS server base URL, e.g. https://cas.example.edu.cn/cas'),
});
const OidcLogin = z.strictObject({
  kind: z.literal('oidc'),
  id: Id,
  institution: Id,
  issuer: z.url().describe('OpenID Provider issuer URL'),
  clientId: z.string().min(1),
  clientSecret: z.string().optional().describe('env PASSWAY_LOGIN_<ID>_CLIENT_SECRET or …_FILE'),
});
const Login = z.discriminatedUnion('kind', [SamlLogin, CasLogin, OidcLogin]);

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
    displayName: Bilingual.default({ en: 'Passway library access', zh: '图书馆校外访问' }).describe('mdui:DisplayName in the SP metadata, shown by IdPs'),
  })
  .prefault({})
  .describe('the SAML service provider that campus IdPs sign people in to');

const Demo = z
  .strictObject({
    enabled: z.boolean().default(false).describe('start the demo IdP and demo vendors beside the gateway'),
    stateDir: z.string().default('state').describe('git-ignored folder for generated demo keys and secrets'),
    ports: z
      .strictObject({
        idp: z.number().int().min(0).default(8081),
        samlVendor: z.number().int().min(0).default(8082),
        plainVendor: z.number().int().min(0).default(8083),
      })
      .prefault({})
      .describe('ports of the demo servers'),
  })
  .prefault({});

export const ConfigSchema = z
  .strictObject({
    server: Server,
    session: Session,
    store: Store,
    institutions: z.array(Institution).default([]).describe('institutions whose members use Passway'),
    logins: z.array(Login).default([]).describe('campus sign-in methods: saml, cas, oidc'),
    saml: Saml,
    resources: z.array(Resource).default([]).describe('licensed databases (see resource-catalog/)'),
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
  })
  // Cross-references are checked even when other keys are wrong, so one run lists every problem.
  .superRefine((config, ctx) => crossCheck(config as unknown as Loose, ctx), { when: () => true });

/** The parsed shape, before we know it is valid: every field may be missing or of the wrong type. */
type Loose = {
  institutions?: { id?: unknown }[];
  logins?: { id?: unknown; kind?: unknown; institution?: unknown; metadataUrl?: unknown; metadataFile?: unknown }[];
  resources?: { id?: unknown; hosts?: { host?: unknown }[]; licences?: { institution?: unknown; from?: unknown; until?: unknown }[] }[];
  store?: { kind?: unknown; url?: unknown; sentinels?: unknown; sentinelName?: unknown; cluster?: unknown };
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

  list(config.logins).forEach((login, index) => {
    if (typeof login.institution === 'string' && !institutions.has(login.institution)) {
      ctx.addIssue({ code: 'custom', path: ['logins', index, 'institution'], message: `unknown institution "${login.institution}"; add it under institutions` });
    }
    if (login.kind === 'saml' && !login.metadataUrl && !login.metadataFile) {
      ctx.addIssue({ code: 'custom', path: ['logins', index], message: 'a SAML IdP needs metadataUrl or metadataFile' });
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
    list(resource.licences).forEach((licence, l) => {
      if (typeof licence.institution === 'string' && !institutions.has(licence.institution)) {
        ctx.addIssue({ code: 'custom', path: ['resources', r, 'licences', l, 'institution'], message: `unknown institution "${licence.institution}"; add it under institutions` });
      }
      if (typeof licence.from === 'string' && typeof licence.until === 'string' && licence.from > licence.until) {
        ctx.addIssue({ code: 'custom', path: ['resources', r, 'licences', l, 'until'], message: `ends (${licence.until}) before it starts (${licence.from})` });
      }
    });
  });

  const store = config.store;
  if (store?.kind === 'redis') {
    const ways = [store.url, store.sentinels, store.cluster].filter(Boolean).length;
    if (ways !== 1) ctx.addIssue({ code: 'custom', path: ['store'], message: 'give exactly one of url, sentinels (with sentinelName) or cluster' });
    if (store.sentinels && !store.sentinelName) ctx.addIssue({ code: 'custom', path: ['store', 'sentinelName'], message: 'required with sentinels' });
  }
}

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Login = z.infer<typeof Login>;
export type Institution = z.infer<typeof Institution>;
export type SamlLoginConfig = z.infer<typeof SamlLogin>;
export type SamlSpConfig = z.infer<typeof Saml>;
