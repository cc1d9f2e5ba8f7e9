import { parseSetCookie, stringifyCookie } from 'cookie';

/** A browser played by hand: manual redirects, cookies kept per origin and path (parsed by the `cookie` package). */
export class HttpBrowser {
  private readonly jar = new Map<string, { origin: string; path: string; name: string; value: string }>();

  async get(url: string): Promise<Response> {
    return this.request(url);
  }

  async post(url: string, form: Record<string, string>): Promise<Response> {
    return this.request(url, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  async request(url: string, init: { method?: string; body?: URLSearchParams; headers?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = Object.fromEntries(
      [...this.jar.values()].filter((c) => c.origin === target.origin && target.pathname.startsWith(c.path)).map((c) => [c.name, c.value]),
    );
    const headers: Record<string, string> = { ...init.headers, ...(Object.keys(cookies).length ? { cookie: stringifyCookie(cookies) } : {}) };
    const res = await fetch(target, { method: init.method, body: init.body, redirect: 'manual', headers });
    for (const line of res.headers.getSetCookie()) {
      const c = parseSetCookie(line);
      const path = c.path ?? '/';
      const key = `${target.origin} ${path} ${c.name}`;
      if (!c.value || (c.expires && c.expires.getTime() < Date.now()) || c.maxAge === 0) this.jar.delete(key);
      else this.jar.set(key, { origin: target.origin, path, name: c.name, value: c.value });
    }
    return res;
  }
}

export function location(res: Response, base: string): string {
  const value = res.headers.get('location');
  if (!value) throw new Error(`expected a redirect from ${base}, got HTTP ${res.status}`);
  return new URL(value, base).href;
}

/** The cookies a response sets, as a Cookie header (e.g. a login's state cookie, handed on to its callback). */
export function cookieHeader(res: Response): string {
  return stringifyCookie(Object.fromEntries(res.headers.getSetCookie().map((line) => parseSetCookie(line)).map((c) => [c.name, c.value])));
}
