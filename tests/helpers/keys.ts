import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';

/** A self-signed RSA key pair written as key.pem/cert.pem-style files in `dir` (key made natively: fast). */
export async function writeKeyPair(dir: string, name: string): Promise<{ keyFile: string; certFile: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const pems = await generate([{ name: 'commonName', value: name }], { keyPair: { privateKey, publicKey }, algorithm: 'sha256' });
  const keyFile = path.join(dir, `${name}-key.pem`);
  const certFile = path.join(dir, `${name}-cert.pem`);
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
  return { keyFile, certFile };
}

/** A generated key pair in memory (e.g. the IdP signing key a demo-mode gateway generates). */
export async function keyPairPem(name: string): Promise<{ privateKeyPem: string; certificatePem: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const pems = await generate([{ name: 'commonName', value: name }], { keyPair: { privateKey, publicKey }, algorithm: 'sha256' });
  return { privateKeyPem: pems.private, certificatePem: pems.cert };
}
