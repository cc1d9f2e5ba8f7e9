import type { IncomingMessage, ServerResponse } from 'node:http';
import { negotiateLang, t, type MessageKey } from '../i18n';
import { html, type Html } from '../pages/html';
import { page } from '../pages/layout';

/** A bilingual page from the proxy (which answers outside Express); `extra` is appended to the body. */
export function sendProxyPage(req: IncomingMessage, res: ServerResponse, status: number, title: MessageKey, body: MessageKey, vars: Record<string, string> = {}, extra?: (lang: 'zh' | 'en') => Html) {
  const lang = negotiateLang(req);
  const text = page({
    lang,
    title: t(lang, title, vars),
    body: html`<p class="notice" role="alert">${t(lang, body, vars)}</p>${extra ? extra(lang) : ''}`,
  });
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}

export function redirect(res: ServerResponse, status: 302 | 303 | 307, location: string) {
  res.writeHead(status, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}
