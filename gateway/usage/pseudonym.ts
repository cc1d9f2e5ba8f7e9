import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Pseudonymous user ids: base64url(HMAC-SHA256(key, institution + "\0" + subject)). Stable for
 * one key, so unique users count across days; unlinkable to the person without the key.
 */
export function pseudonymizer(key: string): (institution: string, subject: string) => string {
  if (key.length < 16) throw new RangeError('usage pseudonym key must be at least 16 characters');
  return (institution, subject) => createHmac('sha256', key).update(`${institution}\0${subject}`).digest('base64url');
}

/** Demo mode only: a key generated once into the (git-ignored) demo state directory. */
export function demoPseudonymKey(stateDir: string): string {
  const file = path.join(stateDir, 'usage-pseudonym-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(stateDir, { recursive: true });
    const key = randomBytes(32).toString('hex');
    writeFileSync(file, key, { mode: 0o600 });
    return key;
  }
}
