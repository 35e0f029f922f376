import type { LocationKind } from '../sourcing/location.js';

export const CHANNEL_KINDS = ['web', 'marketplace', 'pos', 'service'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** How much of the stock one channel may sell (SPEC §5, channel availability). */
export interface ChannelAllocationRule {
  /** Fraction of the summed sellable stock the channel may offer (a marketplace cap such as 0.8). */
  share: number;
  /** Units held back from the channel after the share, per sku. */
  buffer: number;
  /** Locations that serve the channel, by kind… */
  locationKinds: LocationKind[];
  /** …or, when given, exactly these locations (the kinds are then ignored). */
  locationIds?: string[];
}

/**
 * What the availability decider reads from policy. The zod schema and defaults live in
 * src/policy/kinds/availability.ts and are checked against this shape.
 */
export interface AvailabilityPolicy {
  version: string;
  /** Also hold back each location's safety stock from what channels may sell. */
  subtractSafetyStock: boolean;
  /** The rule for a channel without its own entry. */
  byChannelKind: Record<ChannelKind, ChannelAllocationRule>;
  /** Per channel id, replacing the kind's rule. */
  channels: Record<string, ChannelAllocationRule>;
  /**
   * Channel sync reliability's target (SPEC §7, docs/kpis.md): a changed figure should reach its
   * channel within this many seconds. Measured, never enforced; absent in versions made before it
   * existed (the KPI then has no rate until it is taken up).
   */
  syncTargetSeconds?: number;
}
