/** The service provider's own settings: entityID, endpoints, keys (read once at start), skew. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { SamlSpConfig } from '../../config/schema';

export interface KeyPairPem {
  privateKeyPem: string;
  certificatePem: string;
}

export interface SpKeys {
  signing: KeyPairPem;
  /** Certificate of the key being rolled over: still published, no longer used to sign. */
  previousSigningCert?: string;
  encryption?: KeyPairPem;
  /** Signs the SP metadata when saml.metadata.signing is given (else the signing key does). */
  metadataSigning?: KeyPairPem;
}

export interface SpSettings {
  entityID: string;
  acsUrl: string;
  /** SingleLogoutService, for both bindings. */
  sloUrl: string;
  metadataUrl: string;
  keys: SpKeys;
  clockSkewMs: number;
  displayName: { en: string; zh?: string };
  /** The REFEDS entity category the metadata asserts (and the attribute bundle it requests). */
  entityCategory?: EntityCategory;
  metadata: { validDays: number; cacheDurationHours: number; sign: boolean };
}

export type EntityCategory = 'anonymous' | 'pseudonymous' | 'personalized';

/** A problem in the SAML part of the config, named by key path like the config checker does. */
export class SpConfigError extends Error {
  override readonly name = 'SpConfigError';
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
  }
}

type ReadFile = (file: string) => string;

export function readPair(pair: { keyFile: string; certFile: string }, at: string, readFile: ReadFile): KeyPairPem {
  const read = (file: string, key: string) => {
    try {
      return readFile(file);
    } catch (error) {
      throw new SpConfigError(`${at}.${key}`, `cannot read ${file}: ${(error as Error).message}`);
    }
  };
  const privateKeyPem = read(pair.keyFile, 'keyFile');
  const certificatePem = read(pair.certFile, 'certFile');
  let matches: boolean;
  try {
    matches = new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(privateKeyPem));
  } catch (error) {
    throw new SpConfigError(at, `not a PEM key and certificate: ${(error as Error).message}`);
  }
  if (!matches) throw new SpConfigError(at, `${pair.keyFile} does not belong to ${pair.certFile}`);
  return { privateKeyPem, certificatePem };
}

/**
 * Keys from the files the config names. `generated` (demo mode) stands in for a missing
 * signing key; outside demo mode a SAML login without one is a config problem.
 */
export function loadSpKeys(saml: SamlSpConfig, readFile: ReadFile, generated?: KeyPairPem): SpKeys {
  const signing = saml.signing ? readPair(saml.signing, 'saml.signing', readFile) : generated;
  if (!signing) throw new SpConfigError('saml.signing', 'required with a SAML login: give keyFile and certFile of the SP signing key (e.g. made with `openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days 3650`)');
  return {
    signing,
    previousSigningCert: saml.previousSigning ? readPair(saml.previousSigning, 'saml.previousSigning', readFile).certificatePem : undefined,
    encryption: saml.encryption ? readPair(saml.encryption, 'saml.encryption', readFile) : undefined,
    metadataSigning: saml.metadata.signing ? readPair(saml.metadata.signing, 'saml.metadata.signing', readFile) : undefined,
  };
}

export function spSettings(saml: SamlSpConfig, publicUrl: URL, keys: SpKeys): SpSettings {
  const metadataUrl = new URL('/auth/saml/metadata', publicUrl).href;
  return {
    entityID: saml.entityID ?? metadataUrl,
    acsUrl: new URL('/auth/saml/acs', publicUrl).href,
    sloUrl: new URL('/auth/saml/slo', publicUrl).href,
    metadataUrl,
    keys,
    clockSkewMs: saml.clockSkewSeconds * 1000,
    displayName: saml.displayName,
    entityCategory: saml.entityCategory,
    metadata: { validDays: saml.metadata.validDays, cacheDurationHours: saml.metadata.cacheDurationHours, sign: saml.metadata.sign },
  };
}
