import type { Store } from '../../store/types';
import type { SignInResult } from './sign-in';

/** The latest vendor sign-ins of a roaming resource, for /admin and `passway vendor check` (no account data). */
export interface VendorLoginStatus {
  /** ISO time of the last attempt, and whether it succeeded. */
  at: string;
  ok: boolean;
  lastSuccessAt?: string;
  lastFailure?: { at: string; reason: string; detail: string };
  /** Failed attempts since the last success. */
  failures: number;
}

const KEEP_MS = 30 * 86_400_000;
const key = (resource: string) => `roaming:status:${resource}`;

/** Record one sign-in attempt (read, update, write: two nodes at one instant may lose one count, accepted). */
export async function noteVendorLogin(store: Store, resource: string, result: SignInResult, now: number): Promise<void> {
  const at = new Date(now).toISOString();
  const before = await readVendorLoginStatus(store, resource);
  const next: VendorLoginStatus = result.ok
    ? { ...before, at, ok: true, lastSuccessAt: at, failures: 0 }
    : { ...before, at, ok: false, lastFailure: { at, reason: result.reason, detail: result.detail }, failures: (before?.failures ?? 0) + 1 };
  await store.set(key(resource), JSON.stringify(next), KEEP_MS);
}

export async function readVendorLoginStatus(store: Store, resource: string): Promise<VendorLoginStatus | undefined> {
  const raw = await store.get(key(resource));
  return raw ? (JSON.parse(raw) as VendorLoginStatus) : undefined;
}
