import { nextRetryDelay, type BackoffPolicy } from '../delivery/backoff.js';
import { isOdooError } from './errors.js';

export interface RetryOptions {
  maxAttempts: number;
  backoff: BackoffPolicy;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Re-runs a whole idempotent operation (pushSaleOrder, not a bare `create`) while it fails transiently.
 * Permanent and auth failures, and anything that is not an OdooError, go straight to the caller.
 */
export async function retryTransient<T>(op: () => Promise<T>, o: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!isOdooError(e) || e.kind !== 'transient' || attempt >= o.maxAttempts) throw e;
      await o.sleep(nextRetryDelay(attempt, o.backoff, o.random, e.retryAfterMs));
    }
  }
}
