import { Router } from 'express';
import { notBuiltYet, type RouteContext } from './context';

/** Sign-in, discovery and launch: their real implementations come with the sign-in and catalog issues. */
export function authRoutes(ctx: RouteContext): Router {
  const router = Router();
  router.get('/ds', notBuiltYet(ctx, 'institution discovery and campus sign-in'));
  router.get('/auth/:login/login', notBuiltYet(ctx, 'campus sign-in'));
  router.get('/go/:resource', notBuiltYet(ctx, 'launch links'));
  router.get('/login', notBuiltYet(ctx, 'EZproxy-style /login?url= launch'));
  const logout = async (req: import('express').Request, res: import('express').Response) => {
    await ctx.sessions.destroy(res, req.session);
    res.redirect(303, '/');
  };
  router.post('/logout', logout);
  router.get('/logout', logout);
  return router;
}
