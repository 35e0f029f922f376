/**
 * Retry delays: exponential with full jitter (a uniformly random wait in [0, cap)), so that many rows
 * failing together against one destination do not retry together. Pure: randomness is passed in.
 */
export interface BackoffPolicy {
  /** Cap of the first retry's window, in ms. */
  baseMs: number;
  /** Upper bound of any jittered window, in ms. */
  maxMs: number;
  /** Growth per attempt; 2 when absent. */
  factor?: number;
  /** Longest Retry-After we honour; a peer asking for more gets this (the row stays scheduled, not lost). */
  maxRetryAfterMs: number;
}

/** `attempt` counts failed attempts so far (1 = the first failure). `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * (policy.factor ?? 2) ** Math.max(0, attempt - 1));
  return Math.floor(random() * exp);
}

/**
 * The delay before the next attempt. A Retry-After from the peer is a floor (we never come back
 * earlier than asked), clamped by `maxRetryAfterMs`.
 */
export function nextRetryDelay(attempt: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number | null): number {
  const jittered = backoffDelay(attempt, policy, random);
  if (retryAfterMs === undefined || retryAfterMs === null) return jittered;
  return Math.min(policy.maxRetryAfterMs, Math.max(retryAfterMs, jittered));
}

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds (digits only) or an HTTP-date. Returns ms from `nowMs`,
 * 0 for a date in the past, null when absent or unparseable (then plain backoff applies).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Date.parse also accepts odd inputs like "1"; only take strings that look like an HTTP-date.
  if (!/^[A-Za-z]{3},? /.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}
