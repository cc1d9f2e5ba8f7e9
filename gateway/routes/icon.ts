import { Router } from 'express';
import { ICON_SVG } from '../pages/icon';

/** /favicon.svg (the pages link it) and /favicon.ico (what browsers and bookmarks ask for without a link). */
export function iconRoutes(): Router {
  const router = Router();
  router.get(['/favicon.svg', '/favicon.ico'], (_req, res) => {
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(ICON_SVG);
  });
  return router;
}
