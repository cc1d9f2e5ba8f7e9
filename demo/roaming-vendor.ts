/**
 * Demo vendor with a form login and one library account (a roaming account, 漫游账号): the sign-in page
 * carries a CSRF token in a hidden field bound to a cookie, a successful sign-in sets a session cookie,
 * and /logout ends that session on the server. Pages show what a real platform shows that a shared
 * account must hide: /account names the account, /welcome greets it ("welcome, lib-…"), /account/password
 * changes the password. The account's username and password are generated into the state folder at first
 * start (never written in any config); `expireSessions()` ends every session, as a vendor's timeout would.
 * Its pages redirect to /login when the session has ended; its API /api/holdings says so in its JSON instead.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { escapeHtml, fallbackHandlers, sendPage } from './html';
import { type DemoListenOptions, type DemoServerHandle, closeServer, listen, publicOrigin, readCookie, stringParam } from './server';

const SERVICE = 'Demo Roaming Database';
export const ROAMING_SESSION_COOKIE = 'roam_session';
const CSRF_COOKIE = 'roam_csrf';

export interface DemoRoamingVendorOptions extends DemoListenOptions {
  /** The account's username and password are generated into <stateDir>/roaming-vendor/ once. */
  stateDir: string;
}

export interface DemoRoamingVendorHandle extends DemoServerHandle {
  /** Files holding the account's username and password (what a catalog entry names). */
  usernameFile: string;
  passwordFile: string;
  /** Successful and refused sign-ins so far. */
  signIns: () => { ok: number; refused: number };
  /** Sessions open now. */
  openSessions: () => number;
  /** End every session (a vendor timeout, or the account signed in elsewhere). */
  expireSessions(): void;
}

/** The account's secret, generated once into the state folder (mode 600). */
function generated(file: string, make: () => string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    const value = make();
    writeFileSync(file, value, { mode: 0o600 });
    return value;
  }
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export async function startDemoRoamingVendor(opts: DemoRoamingVendorOptions): Promise<DemoRoamingVendorHandle> {
  const folder = path.join(opts.stateDir, 'roaming-vendor');
  const usernameFile = path.join(folder, 'username');
  const passwordFile = path.join(folder, 'password');
  const username = generated(usernameFile, () => `lib-${randomBytes(4).toString('hex')}`);
  const password = generated(passwordFile, () => randomBytes(18).toString('base64url'));
  const sessions = new Set<string>();
  const csrf = new Map<string, string>(); // csrf cookie → token in the form
  const counts = { ok: 0, refused: 0 };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false }));

  const signedIn = (req: Request) => {
    const id = readCookie(req, ROAMING_SESSION_COOKIE);
    return !!id && sessions.has(id);
  };
  const requireSession = (req: Request, res: Response, next: () => void) => {
    if (signedIn(req)) next();
    else res.redirect(302, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  };
  const loginForm = (res: Response, status: number, next: string, error?: string) => {
    const id = randomBytes(12).toString('base64url');
    const token = randomBytes(16).toString('base64url');
    csrf.set(id, token);
    res.cookie(CSRF_COOKIE, id, { httpOnly: true, sameSite: 'lax', path: '/' });
    sendPage(res, status, {
      service: SERVICE,
      title: 'Sign in',
      body: `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login" name="signin">
<input type="hidden" name="csrf" value="${escapeHtml(token)}">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label>Username <input type="text" name="user" autocomplete="username"></label>
<label>Password <input type="password" name="pass" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form>`,
    });
  };

  app.get('/login', (req, res) => loginForm(res, 200, stringParam(req.query, 'next') ?? '/'));
  app.post('/login', (req, res) => {
    const id = readCookie(req, CSRF_COOKIE) ?? '';
    const token = csrf.get(id);
    csrf.delete(id);
    const next = stringParam(req.body, 'next') ?? '/';
    if (!token || !same(token, stringParam(req.body, 'csrf') ?? '')) {
      loginForm(res, 403, next, 'The sign-in form expired (CSRF check failed). Please try again.');
      return;
    }
    if (!same(stringParam(req.body, 'user') ?? '', username) || !same(stringParam(req.body, 'pass') ?? '', password)) {
      counts.refused++;
      loginForm(res, 200, next, 'Invalid username or password.');
      return;
    }
    counts.ok++;
    const session = randomBytes(16).toString('base64url');
    sessions.add(session);
    res.cookie(ROAMING_SESSION_COOKIE, session, { httpOnly: true, sameSite: 'lax', path: '/' });
    res.redirect(303, next.startsWith('/') && !next.startsWith('//') ? next : '/');
  });
  app.get('/logout', (req, res) => {
    const id = readCookie(req, ROAMING_SESSION_COOKIE);
    if (id) sessions.delete(id);
    res.clearCookie(ROAMING_SESSION_COOKIE, { path: '/' });
    res.redirect(302, '/login');
  });
  app.get('/', requireSession, (_req, res) => {
    sendPage(res, 200, {
      service: SERVICE,
      title: 'Demo Roaming Database',
      body: `<p>You are signed in with the library's account.</p>
<ul><li><a href="/article/7">Article 7: Holiday roaming in 2020</a></li><li><a href="/search?q=roaming">Search "roaming"</a></li>
<li><a href="/welcome">Welcome banner</a></li><li><a href="/account">Your account</a></li><li><a href="/account/password">Change password</a></li><li><a href="/logout">Sign out</a></li></ul>`,
    });
  });
  app.get('/article/:id', requireSession, (req, res) => {
    sendPage(res, 200, { service: SERVICE, title: `Article ${escapeHtml(req.params.id)}`, body: '<p>Full text of the article, read through the library\'s roaming account.</p><p><a href="/">Home</a></p>' });
  });
  app.get('/search', requireSession, (req, res) => {
    sendPage(res, 200, { service: SERVICE, title: 'Search', body: `<p>3 results for ${escapeHtml(stringParam(req.query, 'q') ?? '')}.</p>` });
  });
  // An API that, like many, answers 200 with a message instead of redirecting when the session has ended.
  app.get('/api/holdings', (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (!signedIn(req)) res.json({ ok: false, message: 'Please sign in again' });
    else res.json({ ok: true, holdings: [{ title: 'Holiday roaming in 2020', year: 2020 }] });
  });
  // What a shared account must never show a reader.
  app.get('/welcome', requireSession, (_req, res) => {
    sendPage(res, 200, { service: SERVICE, title: 'Welcome', body: `<p>Welcome, ${escapeHtml(username)}!</p>` });
  });
  app.get('/account', requireSession, (_req, res) => {
    sendPage(res, 200, { service: SERVICE, title: 'Your account', body: `<p>Signed in as ${escapeHtml(username)}.</p>` });
  });
  app.get('/account/password', requireSession, (_req, res) => {
    sendPage(res, 200, { service: SERVICE, title: 'Change password', body: '<form method="post"><label>New password <input type="password" name="new"></label><button>Change</button></form>' });
  });
  app.use(...fallbackHandlers(SERVICE));

  const server = http.createServer(app);
  const port = await listen(server, opts.host ?? '127.0.0.1', opts.port);
  return {
    url: publicOrigin(port, opts.publicUrl),
    port,
    usernameFile,
    passwordFile,
    signIns: () => ({ ...counts }),
    openSessions: () => sessions.size,
    expireSessions: () => sessions.clear(),
    close: () => closeServer(server),
  };
}
