import { createHash } from 'node:crypto';

/**
 * Which live worker should own a partition: rendezvous (highest random weight) hashing. When a worker
 * joins or leaves, only the partitions it wins or held move — the rest stay put. (Events are put in
 * partitions by PostgreSQL's `hashtext(subject)`, in SQL: src/store/repos/events.ts.)
 *
 * The weight must be a well-mixed hash of (worker, partition). It was FNV-1a of `<worker>#<p>`, whose
 * last steps are the same for every worker: worker ids that differ only in their last characters
 * (the default `<host>-<pid>`) kept the same order of weights for every partition, so one worker won
 * all of them and the others idled. SHA-256 is computed partitions × workers times per rebalance.
 */
export function preferredOwner(partition: number, workers: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const w of workers) {
    const weight = weightOf(w, partition);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && w < best)) {
      best = w;
      bestWeight = weight;
    }
  }
  return best;
}

/** 48 bits of SHA-256 of the pair: exact as a JavaScript number, and spread evenly whatever the ids look like. */
function weightOf(worker: string, partition: number): number {
  return createHash('sha256').update(`${worker}\u0000${partition}`).digest().readUIntBE(0, 6);
}
