/** The OP's discovery document, fetched once and cached (a failed fetch is retried next time). */
import { LoginError } from '../types';

export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  token_endpoint_auth_methods_supported?: string[];
  id_token_signing_alg_values_supported?: string[];
  /** RP-initiated logout. */
  end_session_endpoint?: string;
  backchannel_logout_supported?: boolean;
}

export interface DiscoveryOptions {
  issuer: string;
  fetch: typeof fetch;
  timeoutMs: number;
  /** How long a fetched document is used. */
  ttlMs: number;
  adapterId: string;
}

export class Discovery {
  private cached?: { at: number; metadata: Promise<ProviderMetadata> };

  constructor(private readonly options: DiscoveryOptions) {}

  get(): Promise<ProviderMetadata> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.options.ttlMs) {
      const metadata = this.load();
      this.cached = { at: now, metadata };
      metadata.catch(() => {
        if (this.cached?.metadata === metadata) this.cached = undefined;
      });
    }
    return this.cached.metadata;
  }

  private async load(): Promise<ProviderMetadata> {
    const { issuer, adapterId } = this.options;
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let doc: Partial<ProviderMetadata>;
    try {
      const res = await this.options.fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs), headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      doc = (await res.json()) as Partial<ProviderMetadata>;
    } catch (error) {
      throw new LoginError('metadata-unavailable', `OpenID discovery at ${url} failed: ${(error as Error).message}`, { adapter: adapterId });
    }
    if (doc.issuer !== issuer) {
      throw new LoginError('issuer-mismatch', `discovery document names issuer ${String(doc.issuer)}, configured ${issuer}`, { adapter: adapterId });
    }
    for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
      if (typeof doc[field] !== 'string') throw new LoginError('metadata-unavailable', `discovery document lacks ${field}`, { adapter: adapterId });
    }
    return doc as ProviderMetadata;
  }
}
