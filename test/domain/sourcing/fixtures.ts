import type { Location, OrderToSource, SourcingSnapshot, StockLevel } from '../../../src/domain/sourcing/index.js';
import { defaultSourcingPolicy } from '../../../src/policy/kinds/sourcing.js';
import type { SourcingPolicy } from '../../../src/domain/sourcing/index.js';

/** Monday 2025-03-10 10:00 UTC = 11:00 in Berlin (UTC+1): before the 16:00 local cut-offs. */
export const NOW = Date.parse('2025-03-10T10:00:00Z');
export const HOUR = 3_600_000;

/** The customer, in central Berlin. */
export const BERLIN = { lat: 52.52, lon: 13.405 };

export function loc(id: string, over: Partial<Location> = {}): Location {
  return {
    id,
    kind: 'store',
    lat: BERLIN.lat,
    lon: BERLIN.lon,
    capabilities: ['ship', 'same_day', 'pickup'],
    dailyCapacity: 100,
    usedCapacityToday: 0,
    cutoff: '16:00',
    utcOffsetMinutes: 60,
    timeToShipMinutes: 120,
    acceptSlaMinutes: 30,
    active: true,
    ...over,
  };
}

export function stock(locationId: string, sku: string, onHand: number, over: Partial<StockLevel> = {}): StockLevel {
  return { sku, locationId, onHand, reserved: 0, protected: 0, safetyStock: 0, ...over };
}

export function order(lines: [sku: string, qty: number][], over: Partial<OrderToSource> = {}): OrderToSource {
  return {
    orderId: 'o-1',
    lines: lines.map(([sku, qty], i) => ({ lineId: `l${i + 1}`, sku, qty })),
    shipping: { method: 'standard', address: { ...BERLIN } },
    ...over,
  };
}

export function snapshot(locations: Location[], rows: StockLevel[], over: Partial<SourcingSnapshot> = {}): SourcingSnapshot {
  return { locations, stock: rows, excludedLocationIds: [], inbound: [], ...over };
}

export function policy(over: Partial<SourcingPolicy> = {}): SourcingPolicy {
  return { ...defaultSourcingPolicy, backorderWithoutInbound: 'cancel', version: 'sourcing-v7', ...over };
}
