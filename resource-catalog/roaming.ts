import { z } from 'zod';

/**
 * A roaming account (漫游账号): a vendor account the library holds, signed in at the vendor by the
 * gateway on the reader's behalf (a login recipe), so the reader never sees the username or password.
 * The credential is named here (an environment variable or a file), never written here.
 */

/** A JavaScript regular expression (source, no slashes). */
const Pattern = z.string().min(1).superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(error as Error).message}` });
  }
});

export const SecretRef = z
  .union([
    z.strictObject({
      env: z
        .string()
        .regex(/^[A-Z][A-Z0-9_]*$/, 'an environment variable name, e.g. PASSWAY_ROAMING_CNKI_PASSWORD')
        .describe('environment variable holding the value; NAME_FILE (a file holding it) is read too'),
    }),
    z.strictObject({ file: z.string().min(1).describe('file holding the value (trimmed), e.g. /run/secrets/cnki-password') }),
  ])
  .describe('where a secret is read from at sign-in: { env: NAME } or { file: path }; never the value itself');

export const RoamingAccount = z.strictObject({
  username: SecretRef.describe('the account name ({username} in fields)'),
  password: SecretRef.describe('the account password ({password} in fields)'),
  seats: z.number().int().positive().optional().describe('pooled mode: readers sharing this account at once (default: no limit)'),
});

/** Paths of a vendor's account pages that are refused through the proxy unless `blockPaths` is given. */
export const DEFAULT_BLOCKED_PATHS = [
  '(?:^|/)(?:my-?)?account(?:s)?(?:/|$|\\?|\\.)',
  '(?:^|/)(?:user-?)?profile(?:/|$|\\?|\\.)',
  'passw(?:or)?d',
  'change-?pw',
  '(?:^|/)(?:log-?out|sign-?out|logoff)(?:/|$|\\?|\\.)',
] as const;

export const FIELD_PLACEHOLDERS = ['{username}', '{password}'] as const;

export const RoamingLogin = z
  .strictObject({
    mode: z
      .enum(['per-reader', 'pooled'])
      .default('per-reader')
      .describe('"per-reader": each reader is signed in with the account into their own vendor cookie jar; "pooled": readers share one vendor session per account (a licence of one account), seats per account'),
    form: z.url().optional().describe('the vendor\'s sign-in page, fetched first: its hidden fields (CSRF token) are sent back, its form\'s action is posted to'),
    action: z.url().optional().describe('where the sign-in form is posted (default: the fetched form\'s action); without form, posted directly (EZproxy URL -Form=post)'),
    formName: z.string().min(1).optional().describe('which form of the page (its name or id; EZproxy FormSelect); default: the one with a password field'),
    fields: z
      .record(z.string().min(1), z.string())
      .refine((fields) => Object.values(fields).some((v) => v.includes('{password}')), 'one field must hold {password}')
      .describe('fields to post: "{username}" and "{password}" stand for the account\'s, any other text is sent as written (e.g. remember: "1")'),
    success: z
      .strictObject({
        cookie: z.string().min(1).optional().describe('the vendor sets this cookie on success'),
        redirect: Pattern.optional().describe('a regular expression a redirect Location after the post matches on success'),
        text: z.string().min(1).optional().describe('text the page after sign-in contains on success'),
      })
      .default({})
      .describe('how a successful sign-in looks (every one given must hold); default: the page after it has no password field'),
    failure: z
      .strictObject({ text: z.array(z.string().min(1)).default([]).describe('texts that mean the vendor refused the account (e.g. "Invalid password", "密码错误")') })
      .default({ text: [] })
      .describe('how a refused sign-in looks'),
    expired: z
      .strictObject({
        redirect: Pattern.optional().describe('a redirect Location matching this means the vendor session ended (default: a redirect to the sign-in page)'),
        text: z.array(z.string().min(1)).default([]).describe('texts in a vendor page that mean the session ended (e.g. "Please sign in")'),
      })
      .default({ text: [] })
      .describe('how an ended vendor session looks: the gateway signs in again once, invisibly, and repeats the request'),
    accounts: z.array(RoamingAccount).min(1, 'give at least one account').describe('the account(s); per-reader mode uses the first'),
    readerLoginsPerDay: z.number().int().positive().default(20).describe('vendor sign-ins one reader may cause per day (first launches and renewals), a cap on a shared account'),
    block: z
      .strictObject({
        patterns: z.array(Pattern).default([]).describe('more regular expressions a vendor response must not contain (besides the username and password, always refused)'),
        paths: z.array(Pattern).default([...DEFAULT_BLOCKED_PATHS]).describe('regular expressions on the URL path and query of the vendor\'s account, password-change and sign-out pages, refused through the proxy (default: account, profile, password, sign-out paths)'),
      })
      .default({ patterns: [], paths: [...DEFAULT_BLOCKED_PATHS] })
      .describe('what a reader of a roaming account never sees'),
  })
  .superRefine((login, ctx) => {
    if (!login.form && !login.action) ctx.addIssue({ code: 'custom', path: ['form'], message: 'give form (the sign-in page) or action (where its form posts)' });
    if (login.mode === 'per-reader' && login.accounts.length > 1) ctx.addIssue({ code: 'custom', path: ['accounts'], message: 'per-reader mode signs every reader in with one account; use mode "pooled" for several' });
    if (login.mode === 'per-reader' && login.accounts.some((a) => a.seats)) ctx.addIssue({ code: 'custom', path: ['accounts'], message: 'seats apply to pooled accounts; use mode "pooled" or licences[].seats' });
    for (const [name, value] of Object.entries(login.fields)) {
      const braces = value.match(/\{[^}]*\}/g) ?? [];
      for (const b of braces) {
        if (!(FIELD_PLACEHOLDERS as readonly string[]).includes(b)) ctx.addIssue({ code: 'custom', path: ['fields', name], message: `unknown placeholder ${b}; use {username} or {password}` });
      }
    }
  })
  .describe('a roaming account (漫游账号): the gateway signs in at the vendor on the reader\'s behalf, server-side; the reader never sees the credential. For proxy access');

export type RoamingLogin = z.infer<typeof RoamingLogin>;
export type SecretRef = z.infer<typeof SecretRef>;
