import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** A password hash as stored in config: `scrypt$N$r$p$salt$hash` (salt and hash base64). */
export interface PasswordHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

const DEFAULTS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hash a password for `admin.bootstrap.passwordHash` (or, at start, the env password, which is never kept). */
export function hashPassword(password: string, salt = randomBytes(16)): string {
  const { N, r, p } = DEFAULTS;
  const hash = scryptSync(password.normalize('NFC'), salt, KEY_LENGTH, { N, r, p, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function parsePasswordHash(text: string): PasswordHash {
  const [kind, N, r, p, salt, hash] = text.split('$');
  if (kind !== 'scrypt' || !N || !r || !p || !salt || !hash) throw new Error('not an scrypt$N$r$p$salt$hash string');
  return { N: Number(N), r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

/** Does the candidate match? Always runs scrypt and compares in constant time. */
export async function verifyPassword(candidate: string, stored: PasswordHash): Promise<boolean> {
  const key = await derive(candidate, stored.salt, { N: stored.N, r: stored.r, p: stored.p }, stored.hash.length);
  return timingSafeEqual(key, stored.hash);
}
