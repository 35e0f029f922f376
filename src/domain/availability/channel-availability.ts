import type { Location } from '../sourcing/location.js';
import { sellableQuantity, type StockLevel } from '../sourcing/stock.js';
import type { AvailabilityPolicy, ChannelAllocationRule, ChannelKind } from './policy.js';

export interface SalesChannel {
  id: string;
  kind: ChannelKind;
}

export interface ChannelAvailability {
  channelId: string;
  sku: string;
  /** What the channel may sell: floor(Σ sellable × share − buffer), never below 0. */
  quantity: number;
  sellableTotal: number;
  share: number;
  buffer: number;
}

export function allocationRuleFor(channel: SalesChannel, policy: AvailabilityPolicy): ChannelAllocationRule {
  return Object.hasOwn(policy.channels, channel.id) ? policy.channels[channel.id] : policy.byChannelKind[channel.kind];
}

/** Inactive locations sell nothing: their stock cannot be shipped while they are closed. */
export function locationsServing(rule: ChannelAllocationRule, locations: readonly Location[]): Set<string> {
  const chosen = locations.filter((l) => l.active && (rule.locationIds ? rule.locationIds.includes(l.id) : rule.locationKinds.includes(l.kind)));
  return new Set(chosen.map((l) => l.id));
}

/**
 * Everything besides stock that decides the channels' figures: the policy, the channels, and which
 * locations serve each (a store closed or re-kinded, a policy put live, a new channel). When it
 * changes, every sku's figure may change though no stock moved, so the publisher works them all out
 * again. Two equal keys give equal figures for equal stock.
 */
export function channelFiguresKey(channels: readonly SalesChannel[], locations: readonly Location[], policy: AvailabilityPolicy): string {
  const perChannel = [...channels].sort((a, b) => (a.id < b.id ? -1 : 1)).map((c) => {
    const rule = allocationRuleFor(c, policy);
    return [c.id, rule.share, rule.buffer, [...locationsServing(rule, locations)].sort()];
  });
  return JSON.stringify([policy.version, policy.subtractSafetyStock, perChannel]);
}

/**
 * What each channel may sell of each sku in the stock rows given (a sku no serving location holds is
 * reported as 0, so a channel is told when it runs out). Sorted by channel, then sku.
 */
export function channelAvailability(
  channels: readonly SalesChannel[],
  locations: readonly Location[],
  stock: readonly StockLevel[],
  policy: AvailabilityPolicy,
): ChannelAvailability[] {
  // Grouped once: a publisher round asks for hundreds of skus over thousands of stock rows, and a
  // scan of every row per sku and channel was the round's main cost.
  const bySku = new Map<string, StockLevel[]>();
  for (const s of stock) {
    const rows = bySku.get(s.sku);
    if (rows) rows.push(s);
    else bySku.set(s.sku, [s]);
  }
  const skus = [...bySku.keys()].sort();
  const out: ChannelAvailability[] = [];
  for (const channel of [...channels].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const rule = allocationRuleFor(channel, policy);
    const serving = locationsServing(rule, locations);
    for (const sku of skus) {
      let sellableTotal = 0;
      for (const s of bySku.get(sku)!) if (serving.has(s.locationId)) sellableTotal += sellableFor(s, policy);
      out.push({ channelId: channel.id, sku, quantity: channelQuantity(sellableTotal, rule), sellableTotal, share: rule.share, buffer: rule.buffer });
    }
  }
  return out;
}

function sellableFor(stock: StockLevel, policy: AvailabilityPolicy): number {
  const sellable = sellableQuantity(stock);
  return policy.subtractSafetyStock ? Math.max(0, sellable - stock.safetyStock) : sellable;
}

/** The share is applied before flooring; the rounding guard keeps 10 × 0.7 from becoming 6.999…. */
export function channelQuantity(sellableTotal: number, rule: Pick<ChannelAllocationRule, 'share' | 'buffer'>): number {
  const shared = Math.round(sellableTotal * rule.share * 1e6) / 1e6;
  return Math.max(0, Math.floor(shared - rule.buffer));
}
