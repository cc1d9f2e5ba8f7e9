import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config/schema';
import { networkOf } from './client-address';
import type { Store } from './store/types';

/**
 * Request limits per client address (`limits` in the config). Counts live in the store
 * (rate-limiter-flexible), so every node enforces one limit and a burst of parallel requests
 * cannot slip between a check and an increment: a point is taken before the work it guards.
 */

export type LimitName = 'login-start' | 'admin-login';

export interface Refusal {
  limit: LimitName;
  retryAfterSeconds: number;
}

/** An admin sign-in attempt that was allowed: report a correct password so it does not count as a failure. */
export interface AdminAttempt {
  succeeded(): Promise<void>;
}

export interface Limits {
  /** Middleware for routes that start a sign-in (each leaves a pending request in the store). */
  loginStart(refuse: (req: Request, res: Response, refusal: Refusal) => void): RequestHandler;
  /** Take a point for one admin password check, before the check; a Refusal when the user name or the address is out of attempts. */
  adminLogin(username: string, req: Request): Promise<AdminAttempt | Refusal>;
}

export function isRefusal(value: AdminAttempt | Refusal): value is Refusal {
  return 'retryAfterSeconds' in value;
}

export function createLimits(config: Config, store: Store, onRefused: (refusal: Refusal) => void): Limits {
  const { limits } = config;
  const window = limits.adminLoginWindowMinutes * 60;
  const loginStarts = store.rateLimiter({ name: 'login-start', points: limits.loginStartsPerMinute, durationSeconds: 60 });
  const adminByUser = store.rateLimiter({ name: 'admin-login-user', points: limits.adminLoginFailuresPerUser, durationSeconds: window });
  const adminByAddress = store.rateLimiter({ name: 'admin-login-address', points: limits.adminLoginFailuresPerAddress, durationSeconds: window });

  /** The Refusal for a limiter's rejection; anything else (a store error) is thrown on. */
  const refusal = (limit: LimitName, rejection: unknown): Refusal => {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    const refused = { limit, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    onRefused(refused);
    return refused;
  };

  return {
    loginStart: (refuse) => async (req, res, next) => {
      try {
        await loginStarts.consume(clientKey(req));
      } catch (rejection) {
        try {
          refuse(req, res, refusal('login-start', rejection));
        } catch (error) {
          next(error);
        }
        return;
      }
      next();
    },

    async adminLogin(username, req) {
      const address = clientKey(req);
      // The user name is hashed: the store never holds typed user names (a password typed in the wrong field).
      const pair = `${address}|${createHash('sha256').update(username.normalize('NFKC').toLowerCase()).digest('base64url')}`;
      try {
        await adminByAddress.consume(address);
      } catch (rejection) {
        return refusal('admin-login', rejection);
      }
      try {
        await adminByUser.consume(pair);
      } catch (rejection) {
        return refusal('admin-login', rejection);
      }
      return {
        // A correct password clears the pair's failures and gives the address its point back.
        succeeded: async () => {
          await Promise.all([adminByUser.delete(pair), adminByAddress.reward(address, 1)]);
        },
      };
    },
  };
}

/**
 * What a limit counts per: the client address (Express's req.ip, so server.trustProxy decides whether
 * X-Forwarded-For is believed), and for IPv6 its /64, which one subscriber holds whole and can rotate through.
 */
export function clientKey(req: Request): string {
  return networkOf(req.ip ?? req.socket.remoteAddress ?? '', 32, 64) ?? 'unknown';
}
