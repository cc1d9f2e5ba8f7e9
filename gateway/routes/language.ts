import { Router } from 'express';
import { stringifySetCookie } from 'cookie';
import { isLang, LANG_COOKIE } from '../i18n';
import { localPath } from '../local-path';
import type { RouteContext } from './context';

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/** The language switch: GET /lang/zh?returnTo=/x remembers the choice in a cookie and goes back to /x. */
export function languageRoutes(ctx: RouteContext): Router {
  const router = Router();
  router.get('/lang/:lang', (req, res) => {
    const lang = req.params.lang;
    if (isLang(lang)) {
      res.append('Set-Cookie', stringifySetCookie({ name: LANG_COOKIE, value: lang, path: '/', httpOnly: true, secure: ctx.settings.secureCookies, sameSite: 'lax', maxAge: ONE_YEAR_SECONDS }));
    }
    res.redirect(303, localPath(req.query.returnTo));
  });
  return router;
}
