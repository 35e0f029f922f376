export { CHANNEL_KINDS, type AvailabilityPolicy, type ChannelAllocationRule, type ChannelKind } from './policy.js';
export {
  allocationRuleFor,
  channelAvailability,
  channelFiguresKey,
  channelQuantity,
  locationsServing,
  type ChannelAvailability,
  type SalesChannel,
} from './channel-availability.js';
export {
  availabilityDeltas,
  coalesceAvailabilityChanges,
  type AvailabilityChange,
  type PublishedAvailability,
} from './availability-delta.js';
// Stock truth is defined by inventory; re-exported so callers of availability need one import.
export { quantityIncludingProtected, sellableQuantity, type StockLevel } from '../sourcing/stock.js';
