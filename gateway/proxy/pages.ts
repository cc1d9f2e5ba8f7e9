import type { IncomingMessage, ServerResponse } from 'node:http';
import { negotiateLang, type MessageKey } from '../i18n';
import { page } from '../pages/layout';
import { messageBody, say, type Link, type MessageView } from '../pages/message';

/** A bilingual page from the proxy (which answers outside Express); no way "back" (the proxy host's `/` is the vendor's). */
export function sendProxyPage(req: IncomingMessage, res: ServerResponse, status: number, title: MessageKey, body: MessageKey, vars: Record<string, string> = {}, actions: Link[] = []) {
  const lang = negotiateLang(req);
  const view: MessageView = { title: { key: title, vars }, message: { key: body, vars }, tone: 'alert', actions, back: false };
  const text = page({ lang, title: say(lang, view.title), body: messageBody(lang, view) });
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}

export function redirect(res: ServerResponse, status: 302 | 303 | 307, location: string) {
  res.writeHead(status, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}
