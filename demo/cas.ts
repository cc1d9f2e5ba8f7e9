/**
 * Demo CAS server: "Demo College" runs only CAS (统一身份认证), no SAML IdP, as many colleges do.
 * CAS protocol 3.0 over HTTP: GET /cas/login shows a password form (or, with its CASTGC single
 * sign-on cookie, issues a ticket at once), POST /cas/login redirects to the service with a
 * one-time service ticket bound to that service; /cas/p3/serviceValidate (with attributes) and
 * /cas/serviceValidate (2.0) validate it once; /cas/logout ends the SSO session.
 * Passway signs its people in through its CAS adapter, and can then be their SAML IdP toward vendors.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import { escapeHtml, fallbackHandlers, sendPage } from './html';
import { escapeXml } from './saml';
import { type DemoListenOptions, type DemoServerHandle, closeServer, listen, pruneExpired, publicOrigin, readCookie, stringParam } from './server';

export interface DemoCasUser {
  username: string;
  /** Shown on the portal on purpose: this is a demo. */
  password: string;
  displayName: string;
  affiliation: 'faculty' | 'student' | 'alum';
  /** CAS attributes as a campus CAS releases them (Chinese values, mapped by Passway's attribute mapping). */
  attributes: Record<string, string[]>;
}

export const DEMO_CAS_USERS: readonly DemoCasUser[] = [
  {
    username: 'teacher',
    password: 'teacher-demo',
    displayName: '王芳 Wang Fang',
    affiliation: 'faculty',
    attributes: { displayName: ['王芳 Wang Fang'], userType: ['教师'], mail: ['wang.fang@college.demo.edu.cn'] },
  },
  {
    username: 'undergrad',
    password: 'undergrad-demo',
    displayName: '陈静 Chen Jing',
    affiliation: 'student',
    attributes: { displayName: ['陈静 Chen Jing'], userType: ['本科生'], mail: ['chen.jing@college.demo.edu.cn'] },
  },
  {
    username: 'graduate',
    password: 'graduate-demo',
    displayName: '刘洋 Liu Yang',
    affiliation: 'alum',
    attributes: { displayName: ['刘洋 Liu Yang'], userType: ['校友'], mail: ['liu.yang@alumni.demo.edu.cn'] },
  },
];

export interface DemoCasHandle extends DemoServerHandle {
  /** CAS base URL (`serverUrl` in Passway's config): `<url>/cas`. */
  serverUrl: string;
}

const SERVICE = 'Demo College CAS 统一身份认证';
const TGC = 'demo_cas_tgc';
const TICKET_TTL_MS = 60_000;
const SSO_MS = 8 * 60 * 60 * 1000;
const CAS_NS = 'http://www.yale.edu/tp/cas';

const failure = (code: string, message: string) =>
  `<cas:serviceResponse xmlns:cas="${CAS_NS}"><cas:authenticationFailure code="${code}">${escapeXml(message)}</cas:authenticationFailure></cas:serviceResponse>`;

function success(user: DemoCasUser, withAttributes: boolean, authenticationDate: string): string {
  const attributes = withAttributes
    ? `<cas:attributes><cas:authenticationDate>${authenticationDate}</cas:authenticationDate>${Object.entries(user.attributes)
        .flatMap(([name, values]) => values.map((value) => `<cas:${name}>${escapeXml(value)}</cas:${name}>`))
        .join('')}</cas:attributes>`
    : '';
  return `<cas:serviceResponse xmlns:cas="${CAS_NS}"><cas:authenticationSuccess><cas:user>${escapeXml(user.username)}</cas:user>${attributes}</cas:authenticationSuccess></cas:serviceResponse>`;
}

export async function startDemoCas(opts: DemoListenOptions): Promise<DemoCasHandle> {
  const server = http.createServer();
  const port = await listen(server, opts.host ?? '127.0.0.1', opts.port);
  const base = publicOrigin(port, opts.publicUrl);
  const tickets = new Map<string, { service: string; user: string; at: string; expires: number }>();
  const sso = new Map<string, { user: string; expires: number }>();

  const serviceUrl = (value: string | undefined): URL | undefined => {
    try {
      const url = value ? new URL(value) : undefined;
      return url && (url.protocol === 'http:' || url.protocol === 'https:') ? url : undefined;
    } catch {
      return undefined;
    }
  };

  const issue = (res: express.Response, service: URL, user: string) => {
    const ticket = `ST-${randomBytes(16).toString('hex')}`;
    pruneExpired(tickets);
    tickets.set(ticket, { service: service.href, user, at: new Date().toISOString(), expires: Date.now() + TICKET_TTL_MS });
    const target = new URL(service);
    target.searchParams.set('ticket', ticket);
    res.redirect(302, target.href);
  };

  const form = (res: express.Response, status: number, service: string, error?: string) =>
    sendPage(res, status, {
      service: SERVICE,
      title: '统一身份认证 Sign in',
      lang: 'zh-CN',
      body: `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<p>演示学院统一身份认证。Demo College central sign-in (CAS).</p>
<form method="post" action="/cas/login">
<input type="hidden" name="service" value="${escapeHtml(service)}">
<label>用户名 Username <input type="text" name="username" autocomplete="username" required></label>
<label>密码 Password <input type="password" name="password" autocomplete="current-password" required></label>
<p><button type="submit">登录 Sign in</button></p>
</form>
<p class="note">Demo accounts: ${DEMO_CAS_USERS.map((u) => `<code>${escapeHtml(u.username)}</code> / <code>${escapeHtml(u.password)}</code>`).join(', ')}</p>`,
    });

  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));

  app.get('/cas/login', (req, res) => {
    const service = serviceUrl(stringParam(req.query, 'service'));
    if (!service) return void sendPage(res, 400, { service: SERVICE, title: 'No service', body: '<p class="error">The sign-in link names no service.</p>' });
    const tgc = readCookie(req, TGC);
    const session = tgc ? sso.get(tgc) : undefined;
    if (session && session.expires > Date.now()) return issue(res, service, session.user);
    form(res, 200, service.href);
  });

  app.post('/cas/login', (req, res) => {
    const service = serviceUrl(stringParam(req.body, 'service'));
    const user = DEMO_CAS_USERS.find((u) => u.username === stringParam(req.body, 'username'));
    if (!service) return void sendPage(res, 400, { service: SERVICE, title: 'No service', body: '<p class="error">The sign-in form names no service.</p>' });
    if (!user || user.password !== stringParam(req.body, 'password')) return form(res, 401, service.href, '用户名或密码错误 Wrong username or password.');
    const tgc = `TGT-${randomBytes(16).toString('hex')}`;
    pruneExpired(sso);
    sso.set(tgc, { user: user.username, expires: Date.now() + SSO_MS });
    res.cookie(TGC, tgc, { httpOnly: true, sameSite: 'lax', path: '/cas' });
    issue(res, service, user.username);
  });

  const validate = (withAttributes: boolean) => (req: express.Request, res: express.Response) => {
    res.type('application/xml');
    const service = stringParam(req.query, 'service');
    const ticket = stringParam(req.query, 'ticket');
    if (!service || !ticket) return void res.send(failure('INVALID_REQUEST', 'service and ticket are required'));
    const issued = tickets.get(ticket);
    tickets.delete(ticket); // one validation attempt per ticket
    if (!issued || issued.expires < Date.now()) return void res.send(failure('INVALID_TICKET', `ticket ${ticket} not recognized`));
    if (issued.service !== service) return void res.send(failure('INVALID_SERVICE', `ticket ${ticket} was not issued for ${service}`));
    const user = DEMO_CAS_USERS.find((u) => u.username === issued.user)!;
    res.send(success(user, withAttributes, issued.at));
  };
  app.get('/cas/p3/serviceValidate', validate(true));
  app.get('/cas/serviceValidate', validate(false));

  app.get('/cas/logout', (req, res) => {
    const tgc = readCookie(req, TGC);
    if (tgc) sso.delete(tgc);
    res.clearCookie(TGC, { path: '/cas' });
    const service = serviceUrl(stringParam(req.query, 'service'));
    if (service) return void res.redirect(302, service.href);
    sendPage(res, 200, { service: SERVICE, title: 'Signed out', body: '<p>您已退出统一身份认证。You are signed out of CAS.</p>' });
  });

  app.use(...fallbackHandlers(SERVICE));
  server.on('request', app);
  return { url: base, port, serverUrl: `${base}/cas`, close: () => closeServer(server) };
}
