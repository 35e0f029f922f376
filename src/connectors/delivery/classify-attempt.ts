import { parseRetryAfter } from './backoff.js';

/** What happened to one HTTP delivery attempt, as seen by the worker. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; retryAfter?: string | null }
  | { kind: 'network'; code?: string }
  | { kind: 'timeout' };

export type AttemptClass =
  | { class: 'success' }
  /** Retry later; `retryAfterMs` when the peer said when. `countsAgainstDestination` feeds the circuit breaker. */
  | { class: 'transient'; reason: string; retryAfterMs?: number; countsAgainstDestination: boolean }
  /** Dead-letter now: the same request will be refused the same way. */
  | { class: 'permanent'; reason: string };

/**
 * 2xx success; 408, 429, 5xx, network errors and timeouts transient; everything else permanent,
 * including 3xx because redirects are not followed (see redirect-policy.ts).
 * A 429 is the peer pacing us, not failing: it does not count toward opening the circuit.
 */
export function classifyAttempt(o: AttemptOutcome, nowMs: number): AttemptClass {
  if (o.kind === 'timeout') return { class: 'transient', reason: 'timeout', countsAgainstDestination: true };
  if (o.kind === 'network') return { class: 'transient', reason: `network:${o.code ?? 'error'}`, countsAgainstDestination: true };
  const s = o.status;
  if (s >= 200 && s < 300) return { class: 'success' };
  const retryAfterMs = parseRetryAfter(o.retryAfter, nowMs) ?? undefined;
  if (s === 429) return { class: 'transient', reason: 'http:429', retryAfterMs, countsAgainstDestination: false };
  if (s === 408 || s >= 500) return { class: 'transient', reason: `http:${s}`, retryAfterMs, countsAgainstDestination: true };
  if (s >= 300 && s < 400) return { class: 'permanent', reason: `redirect_not_followed:${s}` };
  return { class: 'permanent', reason: `http:${s}` };
}
