import { Parser } from 'htmlparser2';
import { request, type Dispatcher } from 'undici';
import type { RoamingLogin } from '../../../resource-catalog/roaming';
import type { CookieJars } from '../cookie-jar';
import type { Credential } from './credentials';

/** Why a vendor sign-in failed, as IT sees it on /admin and in `vendor check`. */
export type SignInFailure = 'credential-unavailable' | 'vendor-unreachable' | 'form-not-found' | 'rejected' | 'unrecognised' | 'reader-cap';
export type SignInResult = { ok: true } | { ok: false; reason: SignInFailure; detail: string };

export interface SignInDeps {
  /** The proxy's upstream agent: the same pool, timeouts and SSRF-guarded connector. */
  agent: Dispatcher;
  jars: CookieJars;
  /** Whether a URL is on one of the resource's hosts (redirects elsewhere are not followed). */
  owns: (url: URL) => boolean;
  userAgent: string;
}

const MAX_REDIRECTS = 5;
const MAX_PAGE_BYTES = 2 * 1024 * 1024;

interface Form {
  name?: string;
  id?: string;
  action?: string;
  inputs: { name: string; type: string; value: string }[];
}

/** The forms of a page with their inputs (htmlparser2, tolerant of real-world markup). */
export function parseForms(html: string): Form[] {
  const forms: Form[] = [];
  let open: Form | undefined;
  const parser = new Parser(
    {
      onopentag(tag, attrs) {
        if (tag === 'form') {
          open = { name: attrs.name, id: attrs.id, action: attrs.action, inputs: [] };
          forms.push(open);
        } else if (tag === 'input' && open && attrs.name) {
          open.inputs.push({ name: attrs.name, type: (attrs.type ?? 'text').toLowerCase(), value: attrs.value ?? '' });
        }
      },
      onclosetag(tag) {
        if (tag === 'form') open = undefined;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return forms;
}

const hasPassword = (form: Form) => form.inputs.some((i) => i.type === 'password');

interface Answer {
  url: URL;
  status: number;
  location?: URL;
  text: string;
}

class Unreachable extends Error {}

/**
 * Sign in at the vendor as a login recipe says, server-side, into the cookie jar `jar`: fetch the
 * sign-in page (its hidden fields, the CSRF token among them, are posted back), post the fields with
 * the credential, follow the redirects on the resource's own hosts, and judge the result. Nothing of
 * it reaches a browser; the credential is only in the posted body, never in a URL, an error or a result.
 */
export async function signInAtVendor(deps: SignInDeps, jar: string, recipe: RoamingLogin, credential: Credential): Promise<SignInResult> {
  const exchange = async (url: URL, init: { method: 'GET' | 'POST'; body?: string; referer?: URL }): Promise<Answer> => {
    if (!deps.owns(url)) throw new Unreachable(`${url.host} is not one of the resource's hosts`);
    const headers: Record<string, string> = { 'user-agent': deps.userAgent, accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' };
    const cookie = await deps.jars.cookieHeader(jar, url.href);
    if (cookie) headers.cookie = cookie;
    if (init.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (init.referer) {
      headers.referer = init.referer.href;
      headers.origin = init.referer.origin;
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { dispatcher: deps.agent, method: init.method, headers, body: init.body });
    } catch (error) {
      throw new Unreachable(`${url.host}: ${(error as { code?: string }).code ?? (error as Error).name}`);
    }
    const setCookies = [res.headers['set-cookie'] ?? []].flat();
    await deps.jars.storeFromResponse(jar, url.href, setCookies);
    const buffer = Buffer.from(await res.body.arrayBuffer());
    const location = res.headers.location ? new URL(String(res.headers.location), url) : undefined;
    return { url, status: res.statusCode, location, text: buffer.subarray(0, MAX_PAGE_BYTES).toString('utf8') };
  };
  /** An answer and the redirects after it (GET), on the resource's hosts; every Location seen. */
  const follow = async (first: Answer): Promise<{ last: Answer; locations: URL[] }> => {
    const locations: URL[] = [];
    let last = first;
    for (let hops = 0; last.status >= 300 && last.status < 400 && last.location && hops < MAX_REDIRECTS; hops++) {
      locations.push(last.location);
      last = await exchange(last.location, { method: 'GET', referer: last.url });
    }
    return { last, locations };
  };

  try {
    const fields = new URLSearchParams();
    let action = recipe.action ? new URL(recipe.action) : undefined;
    let referer: URL | undefined;
    if (recipe.form) {
      const { last: page } = await follow(await exchange(new URL(recipe.form), { method: 'GET' }));
      if (page.status >= 400) return { ok: false, reason: 'vendor-unreachable', detail: `the sign-in page answered ${page.status}` };
      const forms = parseForms(page.text);
      const form = recipe.formName ? forms.find((f) => f.name === recipe.formName || f.id === recipe.formName) : (forms.find(hasPassword) ?? (forms.length === 1 ? forms[0] : undefined));
      if (!form) return { ok: false, reason: 'form-not-found', detail: recipe.formName ? `no form named "${recipe.formName}" on the sign-in page` : 'no form with a password field on the sign-in page' };
      for (const input of form.inputs) if (input.type === 'hidden') fields.set(input.name, input.value);
      action ??= new URL(form.action || page.url.href, page.url);
      referer = page.url;
    }
    for (const [name, value] of Object.entries(recipe.fields)) {
      fields.set(name, value.replaceAll('{username}', credential.username).replaceAll('{password}', credential.password));
    }
    const posted = await exchange(action!, { method: 'POST', body: fields.toString(), referer: referer ?? action });
    const { last, locations } = await follow(posted);
    return judge(recipe, last, locations, await deps.jars.cookieHeader(jar, action!.href));
  } catch (error) {
    if (error instanceof Unreachable) return { ok: false, reason: 'vendor-unreachable', detail: error.message };
    throw error;
  }
}

/** Success or failure of a sign-in by the recipe's signs (failure texts first). */
function judge(recipe: RoamingLogin, last: Answer, locations: URL[], cookies: string): SignInResult {
  const refused = recipe.failure.text.find((text) => last.text.includes(text));
  if (refused) return { ok: false, reason: 'rejected', detail: `the vendor refused the account ("${refused}" on the page after sign-in)` };
  if (last.status >= 400) return { ok: false, reason: 'rejected', detail: `the vendor answered ${last.status} after sign-in` };
  const { cookie, redirect, text } = recipe.success;
  const missing: string[] = [];
  if (cookie && !cookies.split(/;\s*/).some((pair) => pair.startsWith(`${cookie}=`))) missing.push(`no ${cookie} cookie`);
  if (redirect && !locations.some((l) => new RegExp(redirect).test(l.href))) missing.push(`no redirect matching ${redirect}`);
  if (text && !last.text.includes(text)) missing.push(`no "${text}" on the page`);
  if (!cookie && !redirect && !text && parseForms(last.text).some(hasPassword)) missing.push('the page after sign-in still asks for a password');
  return missing.length === 0 ? { ok: true } : { ok: false, reason: 'unrecognised', detail: `sign-in not recognised as successful: ${missing.join(', ')}` };
}
