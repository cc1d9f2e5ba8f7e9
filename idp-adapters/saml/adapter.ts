/**
 * One SAML IdP (`logins[kind=saml]`) as an IdpAdapter. Every SAML login shares the hub: one SP
 * (entityID, keys), one ACS and one SingleLogoutService, where a message names its IdP.
 */
import type { Request, Response } from 'express';
import type { SamlLoginConfig } from '../../config/schema';
import type { BeginContext, CampusSignIn, IdpAdapter, LoginResult, LogoutStep } from '../types';
import type { SamlHub } from './hub';

export class SamlAdapter implements IdpAdapter {
  readonly kind = 'saml' as const;
  readonly id: string;
  readonly institution: string;
  readonly returnPath = '/auth/saml/acs';
  readonly supportsMfa: boolean;

  constructor(
    readonly login: SamlLoginConfig,
    private readonly hub: SamlHub,
  ) {
    this.id = login.id;
    this.institution = login.institution;
    this.supportsMfa = login.supportsMfa;
  }

  async begin(_req: Request, res: Response, ctx: BeginContext): Promise<void> {
    res.redirect(303, await this.hub.begin(res, this.login, ctx));
  }

  /** At the shared ACS: completes the response of whichever SAML login it answers (the result names it). */
  complete(req: Request, res: Response): Promise<LoginResult> {
    return this.hub.consume(req, res);
  }

  logout(campus: CampusSignIn): Promise<LogoutStep> {
    return this.hub.slo.begin(this.login, campus);
  }

  async campusUrl(): Promise<string | undefined> {
    try {
      return new URL((await this.hub.registry.metadata(this.login)).ssoRedirectUrl).origin;
    } catch {
      return undefined;
    }
  }
}
