/** One channel × sku figure as published (or about to be). */
export interface PublishedAvailability {
  channelId: string;
  sku: string;
  quantity: number;
}

/** A change to publish: `previous` is null when the channel was never told about the sku. */
export interface AvailabilityChange {
  channelId: string;
  sku: string;
  previous: number | null;
  quantity: number;
}

const keyOf = (x: { channelId: string; sku: string }) => `${x.channelId}\u0000${x.sku}`;

/**
 * The changes between what each channel was last told and what it may sell now. Only keys present in
 * `next` are compared (a partial recomputation does not zero the rest); within each list the last
 * entry for a key wins. Sorted by channel, then sku.
 */
export function availabilityDeltas(previous: readonly PublishedAvailability[], next: readonly PublishedAvailability[]): AvailabilityChange[] {
  const before = new Map(previous.map((p) => [keyOf(p), p.quantity]));
  const after = new Map(next.map((n) => [keyOf(n), n]));
  const changes: AvailabilityChange[] = [];
  for (const [key, n] of after) {
    const was = before.has(key) ? (before.get(key) as number) : null;
    if (was !== n.quantity) changes.push({ channelId: n.channelId, sku: n.sku, previous: was, quantity: n.quantity });
  }
  return changes.sort(byChannelThenSku);
}

/**
 * Folds a burst of changes into one per channel × sku (first `previous`, last `quantity`) so a channel
 * gets the net effect once; a burst that ends where it started sends nothing.
 */
export function coalesceAvailabilityChanges(changes: readonly AvailabilityChange[]): AvailabilityChange[] {
  const folded = new Map<string, AvailabilityChange>();
  for (const change of changes) {
    const first = folded.get(keyOf(change));
    folded.set(keyOf(change), { ...change, previous: first ? first.previous : change.previous });
  }
  return [...folded.values()].filter((c) => c.previous !== c.quantity).sort(byChannelThenSku);
}

function byChannelThenSku(a: AvailabilityChange, b: AvailabilityChange): number {
  if (a.channelId !== b.channelId) return a.channelId < b.channelId ? -1 : 1;
  return a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0;
}
