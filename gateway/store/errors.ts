/** The store cannot be reached (connection refused, timed out, closed, cluster down). */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  override readonly name = 'StoreUnavailableError';

  /** `store` names the store, e.g. "Redis at redis://127.0.0.1:6379". */
  constructor(store: string, cause: unknown) {
    super(`${store} is not answering: ${describeCause(cause)}`, { cause });
  }
}

function describeCause(cause: unknown): string {
  // Node reports a refused dual-stack connect (localhost → ::1 and 127.0.0.1) as an AggregateError with an empty message.
  if (cause instanceof AggregateError && cause.errors.length > 0) return describeCause(cause.errors[0]);
  if (cause instanceof Error) return cause.message || (cause as NodeJS.ErrnoException).code || cause.name;
  return String(cause);
}

/** Validates a TTL in milliseconds and rounds it up to a whole millisecond (Redis accepts integers only). */
export function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}

/** Validates the increments of incrGuarded: every one a safe integer. */
export function checkIncrements(increments: Record<string, number>): void {
  for (const [key, by] of Object.entries(increments)) {
    if (!Number.isSafeInteger(by)) throw new RangeError(`increment of ${key} must be an integer, got ${by}`);
  }
}

/** Width of the time buckets windowSum keeps for a window: 60 per window, at least a second. */
export function windowBucketMs(windowMs: number): number {
  return Math.max(1000, Math.floor(checkTtl(windowMs) / 60));
}

/** Largest number of members windowDistinct keeps by default. */
export const DISTINCT_CAP = 10_000;

export function checkAmount(by: number): number {
  if (!Number.isSafeInteger(by) || by < 0) throw new RangeError(`windowSum by must be a non-negative integer, got ${by}`);
  return by;
}
