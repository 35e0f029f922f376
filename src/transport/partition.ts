/**
 * Events are partitioned by subject: every event of one order (or location, or fulfilment) lands in
 * the same partition, and a partition is worked by one worker at a time, so per-subject order holds
 * across the cluster. FNV-1a keeps the mapping stable across processes and versions.
 */
export function partitionOf(subject: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < subject.length; i++) {
    h ^= subject.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

/**
 * Rendezvous (highest random weight) hashing: which live worker should own a partition. When a
 * worker joins or leaves, only the partitions it wins or held move — the rest stay put.
 */
export function preferredOwner(partition: number, workers: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const w of workers) {
    const weight = partitionOf(`${w}#${partition}`, 0x7fffffff);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && w < best)) {
      best = w;
      bestWeight = weight;
    }
  }
  return best;
}
