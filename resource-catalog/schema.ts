import { z } from 'zod';
import { ezproxyAddressProblem } from './ezproxy-forms';
import { claimsHost } from './host-claims';
import { itemGroupsProblem } from './item-ids';
import { RoamingLogin } from './roaming';

/** Placeholders a WAYFless template may use; anything else in braces is a mistake. */
export const WAYFLESS_PLACEHOLDERS = ['entityID', 'entityIDEncoded', 'target', 'targetEncoded'] as const;

const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and hyphens, e.g. "cnki" or "web-of-science"');

export const Bilingual = z.strictObject({
  en: z.string().min(1).describe('English text'),
  zh: z.string().min(1).optional().describe('Chinese text (简体中文)'),
});

export const HostRule = z.strictObject({
  host: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'a host name with an optional port, e.g. "kns.cnki.net" or "localhost:8083"')
    .describe('upstream host name (with port when not 80/443)'),
  match: z
    .enum(['host', 'domain'])
    .default('host')
    .describe('"host" claims exactly this host (EZproxy Host/HJ); "domain" claims it and every subdomain (EZproxy Domain/DJ)'),
  allowPrivate: z
    .boolean()
    .default(false)
    .describe('allow this host to resolve to a private, loopback or link-local address (only for on-campus or demo services)'),
  javascript: z
    .boolean()
    .optional()
    .describe('also rewrite this host inside JavaScript (EZproxy HJ/DJ); for the rewriting proxy'),
});

export const WayflessMethod = z.strictObject({
  kind: z.literal('wayfless'),
  template: z
    .string()
    .superRefine((template, ctx) => {
      const used = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] ?? '');
      for (const name of used) {
        if (!(WAYFLESS_PLACEHOLDERS as readonly string[]).includes(name)) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown placeholder {${name}}; use one of ${WAYFLESS_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
          });
        }
      }
      if (!used.includes('entityID') && !used.includes('entityIDEncoded')) {
        ctx.addIssue({ code: 'custom', message: 'missing {entityID}: the vendor must be told which campus IdP to use' });
      }
    })
    .describe('vendor URL that starts SAML sign-in at the user\'s IdP: {entityID} {entityIDEncoded} {target} {targetEncoded}'),
  institutions: z
    .array(Id)
    .optional()
    .describe('institutions registered with this vendor for SAML (default: every licensed institution)'),
  defaultTarget: z
    .url()
    .optional()
    .describe('{target} when the launch link gives none (default: the proxy start page or direct URL, else the first claimed host\'s home page)'),
});

export const ProxyMethod = z.strictObject({
  kind: z.literal('proxy'),
  start: z.url().describe('start page fetched through the rewriting proxy'),
});

export const DirectMethod = z.strictObject({
  kind: z.literal('direct'),
  url: z.url().describe('open-access address, sent as is'),
});

/** SAML V2.0 attribute-release bundles Passway as IdP offers a vendor SP (gateway/saml-idp/release.ts). */
export const RELEASE_PRESETS = ['minimal', 'anonymous', 'pseudonymous'] as const;

export const IdpMethod = z.strictObject({
  kind: z.literal('idp'),
  entityID: z.string().min(1).describe('the vendor SP\'s entityID: Passway answers its AuthnRequests as the reader\'s institution\'s virtual IdP (/idp/<institution>)'),
  metadataFile: z.string().min(1).optional().describe('the vendor\'s SP metadata file (trusted as it is: keep it where only administrators can write); or federation'),
  federation: Id.optional().describe('take the SP\'s metadata from this federation\'s signed aggregate (federations[].id) instead of metadataFile'),
  release: z
    .enum(RELEASE_PRESETS)
    .default('minimal')
    .describe('attributes released: minimal (eduPersonEntitlement, eduPersonScopedAffiliation, pairwise-id, persistent NameID), anonymous (REFEDS Anonymous Access: entitlement, scoped affiliation, schacHomeOrganization, transient NameID), pseudonymous (REFEDS Pseudonymous Access: anonymous + pairwise-id, persistent NameID)'),
  entitlement: z.string().min(1).default('urn:mace:dir:entitlement:common-lib-terms').describe('the eduPersonEntitlement value asserted to this vendor (the licence\'s own value when it names another)'),
  alsoRelease: z.array(z.enum(['displayName'])).default([]).describe('attributes released beyond the preset (nothing else is ever released)'),
  requireSignedRequests: z.boolean().default(false).describe('refuse unsigned AuthnRequests from this SP even when its metadata does not say AuthnRequestsSigned'),
  defaultTarget: z.url().optional().describe('RelayState of an IdP-initiated launch (/go/<id>) when the link names no target (default: the first host\'s home page)'),
});

export const AccessMethod = z.discriminatedUnion('kind', [WayflessMethod, ProxyMethod, DirectMethod, IdpMethod]);

const IsoDate = z.iso.date('a date as YYYY-MM-DD');

export const Licence = z.strictObject({
  institution: Id.describe('institution id from `institutions`'),
  affiliations: z
    .array(z.enum(['faculty', 'student', 'staff', 'member', 'alum', 'affiliate', 'employee', 'library-walk-in']))
    .optional()
    .describe('affiliations allowed (default: faculty, student, staff, member, employee)'),
  entitlements: z.array(z.string()).optional().describe('any one of these eduPersonEntitlement values also allows'),
  groups: z.array(z.string()).optional().describe('any one of these groups also allows'),
  from: IsoDate.optional().describe('first day of access (trials, 限时免费)'),
  until: IsoDate.optional().describe('last day of access'),
  seats: z.number().int().positive().optional().describe('concurrent users allowed'),
  requireAuthnContext: z
    .url()
    .optional()
    .describe(
      'the authentication context the campus sign-in must have asserted, e.g. https://refeds.org/profile/mfa (REFEDS MFA: two-step sign-in): SAML AuthnContextClassRef, OIDC acr. A reader signed in without it is asked to sign in again at the same campus IdP with it requested (logins[].supportsMfa), and refused with a page that says why if the campus does not deliver it',
    ),
});

/** A JavaScript regular expression (source, no slashes), tested against the whole upstream URL. */
const UrlPattern = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(error as Error).message}` });
  }
});

/** An item pattern may name what it captures (resource-catalog/item-ids.ts). */
const ItemPattern = UrlPattern.superRefine((source, ctx) => {
  const problem = itemGroupsProblem(source);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const Patterns = z.strictObject({
  item: z
    .array(ItemPattern)
    .optional()
    .describe(
      'regular expressions for URLs of one full-text item (COUNTER item requests). Named groups give the COUNTER Item and Title Reports their identifiers: (?<doi>…) or (?<item>…) (the vendor\'s item id), and for the title the item belongs to (?<online_issn>…), (?<print_issn>…) or (?<journal>…) (a journal), (?<isbn>…) or (?<book>…) (a book), e.g. "/doi/pdf/(?<doi>10\\.\\d+/[^?#]+)"',
    ),
  search: z.array(UrlPattern).optional().describe('regular expressions for URLs of a search (COUNTER searches)'),
});

export const FindReplace = z.strictObject({
  find: z.string().min(1).describe('literal text to find in the vendor\'s pages, scripts and styles'),
  replace: z.string().describe('text put in its place, before URLs are rewritten: write upstream URLs (https://www.vendor.com/…), the proxy maps them'),
});

export const Rewrite = z.strictObject({
  rules: z.array(FindReplace).default([]).describe('Find/Replace rules (EZproxy Find/Replace), e.g. for scripts that assemble URLs from pieces'),
});

/**
 * A URL pattern for credential-less requests: `*` stands for any run of characters; the scheme and host are
 * written out (a host may start with `*.` for its subdomains); a leading `-` makes it an exception.
 */
const ANONYMOUS = /^(-?)(https?):\/\/(\*\.)?([a-z0-9.-]+(?::\d+)?)(\/.*)?$/i;

export const AnonymousPattern = z
  .string()
  .regex(ANONYMOUS, 'a URL with * wildcards in its path, e.g. "https://www.vendor.com/rss/*" (a leading "-" for an exception, "*." before the host for its subdomains)');

/** The fields of a resource; `Resource` adds the checks across fields. */
export const ResourceFields = z.strictObject({
  id: Id.describe('stable id used in /go/<id> links'),
  title: Bilingual.describe('database name'),
  description: Bilingual.optional(),
  vendor: z.string().min(1).describe('vendor or platform name'),
  subjects: z.array(z.string()).default([]).describe('subject tags for the portal filter'),
  hosts: z.array(HostRule).min(1, 'list at least one upstream host the resource owns').describe('upstream hosts the resource owns'),
  access: z
    .array(AccessMethod)
    .min(1, 'list at least one access method: wayfless, proxy, direct or idp')
    .describe('access methods in preference order'),
  licences: z.array(Licence).default([]).describe('who may use it, per institution'),
  patterns: Patterns.optional().describe('upstream URL patterns (JavaScript regular expressions on the full URL) for usage reports'),
  rewrite: Rewrite.optional().describe('rewriting-proxy adjustments for this resource\'s responses'),
  anonymous: z
    .array(AnonymousPattern)
    .optional()
    .describe(
      'URLs the proxy serves without the reader\'s session (EZproxy AnonymousURL): scripts loaded with crossorigin="anonymous", APIs fetched with credentials: "omit", RSS feeds. URLs with * wildcards, matched case-insensitively against the whole upstream URL (GET and HEAD); a leading "-" excepts URLs; every host must be one of this resource\'s hosts, and a URL matching patterns.item is never served without a session. Stylesheets and fonts of the resource\'s hosts and CORS preflights need no pattern',
    ),
  security: z
    .strictObject({
      // The names of gateway/rules/presets.ts VENDOR_PRESETS (tests/unit/security-presets.test.ts keeps them in step)
      rulePreset: z.enum(['cnki', 'stm']).optional().describe('security rules modelled on the vendor\'s published limits (gateway/rules/presets), applied to this resource'),
      pseudonymHeader: z
        .string()
        .regex(/^[A-Za-z0-9-]+$/, 'a header name, e.g. X-Passway-User')
        .optional()
        .describe('send the vendor a pseudonymous user id in this request header (keyed HMAC per resource, as EZproxy 7.1 does for some publishers), so it can report "one user" without a name'),
    })
    .optional()
    .describe('compromised-account defence for this resource'),
  roaming: RoamingLogin.optional(),
  sources: z.array(z.string().min(1)).optional().describe('where the facts in this entry come from (documents, URLs)'),
  notes: z.array(z.string().min(1)).optional().describe('remarks for IT, e.g. EZproxy directives kept for a later rewrite rule'),
});

type CheckedFields = Pick<z.infer<typeof ResourceFields>, 'hosts' | 'rewrite' | 'anonymous'> & Partial<Pick<z.infer<typeof ResourceFields>, 'access' | 'roaming'>>;

/**
 * Checks across a resource's fields (every catalog path parses through here): an anonymous pattern stays
 * inside the resource's own hosts, and a Find/Replace never names an old EZproxy address (it would send
 * readers away from Passway; the proxy maps the vendor's own hosts itself).
 */
export function checkResourceFields(resource: CheckedFields, ctx: z.RefinementCtx): void {
  const claims = (host: string) => resource.hosts.some((rule) => claimsHost(rule, host));
  resource.anonymous?.forEach((pattern, index) => {
    const [, , scheme = 'https', wildcard, host = ''] = ANONYMOUS.exec(pattern) ?? [];
    const port = scheme.toLowerCase() === 'https' ? ':443' : ':80';
    const bare = host.toLowerCase().endsWith(port) ? host.slice(0, -port.length) : host;
    const inside = wildcard
      ? resource.hosts.some((rule) => rule.match === 'domain' && claimsHost(rule, bare))
      : claims(bare);
    if (!inside) {
      ctx.addIssue({
        code: 'custom',
        path: ['anonymous', index],
        message: `${wildcard ?? ''}${bare} is not one of this resource's hosts${wildcard ? ' (a *. pattern needs a domain claim)' : ''}: an anonymous pattern never opens a host the resource does not claim`,
      });
    }
  });
  checkRoaming(resource, claims, ctx);
  resource.access?.forEach((method, index) => {
    if (method.kind === 'idp' && !method.metadataFile === !method.federation) {
      ctx.addIssue({ code: 'custom', path: ['access', index], message: 'give exactly one of metadataFile or federation: the vendor SP is trusted only from its verified metadata' });
    }
  });
  resource.rewrite?.rules.forEach((rule, index) => {
    for (const field of ['find', 'replace'] as const) {
      const problem = ezproxyAddressProblem(rule[field], claims);
      if (problem) ctx.addIssue({ code: 'custom', path: ['rewrite', 'rules', index, field], message: problem });
    }
  });
}

/** A roaming account signs in through the proxy, on the resource's own hosts. */
function checkRoaming(resource: CheckedFields, claims: (host: string) => boolean, ctx: z.RefinementCtx): void {
  const roaming = resource.roaming;
  if (!roaming) return;
  if (resource.access && !resource.access.some((method) => method.kind === 'proxy')) {
    ctx.addIssue({ code: 'custom', path: ['roaming'], message: 'a roaming account is used through the rewriting proxy: add an access method of kind "proxy"' });
  }
  for (const key of ['form', 'action'] as const) {
    const url = roaming[key];
    if (url && !claims(new URL(url).host)) ctx.addIssue({ code: 'custom', path: ['roaming', key], message: `${new URL(url).host} is not one of this resource's hosts: the sign-in goes only to hosts the resource claims` });
  }
}

export const Resource = ResourceFields.superRefine(checkResourceFields);

export type Resource = z.infer<typeof Resource>;
export type AccessMethod = z.infer<typeof AccessMethod>;
export type Licence = z.infer<typeof Licence>;
export type HostRule = z.infer<typeof HostRule>;
export type ResourceInput = z.input<typeof Resource>;
export type WayflessMethod = z.infer<typeof WayflessMethod>;
export type IdpMethod = z.infer<typeof IdpMethod>;
