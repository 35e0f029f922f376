import type { SqlExecutor } from '../../store/port.js';
import type { FailedLocation, Location as SourcingLocation, SourcingSnapshot } from '../../domain/sourcing/index.js';
import { failedForRouting } from './failed-locations.js';
import { listLocations } from '../../store/repos/masterdata.js';
import { stockOfSkus } from '../../store/repos/stock.js';
import { capacityUsed } from '../../store/repos/orders.js';
import type { Location } from '../../domain/masterdata/location.js';
import type { StockLevel } from '../../domain/inventory/stock.js';

/** A location's local calendar day at `nowMs` (capacity is counted per local day). */
export function localDay(nowMs: number, utcOffsetMinutes: number): string {
  // Formatted once per calendar day (routing asks for every location of every order).
  const day = Math.floor((nowMs + utcOffsetMinutes * 60_000) / 86_400_000);
  let text = dayText.get(day);
  if (text === undefined) {
    text = new Date(day * 86_400_000).toISOString().slice(0, 10);
    if (dayText.size >= 1000) dayText.clear();
    dayText.set(day, text);
  }
  return text;
}
const dayText = new Map<number, string>();

export function toSourcingLocation(l: Location, usedToday: number): SourcingLocation {
  return {
    id: l.id, kind: l.kind, lat: l.lat, lon: l.lon, capabilities: l.capabilities, dailyCapacity: l.dailyCapacity, usedCapacityToday: usedToday,
    cutoff: l.cutoff, utcOffsetMinutes: l.utcOffsetMinutes, timeToShipMinutes: l.shipSlaMinutes, acceptSlaMinutes: l.acceptSlaMinutes, active: l.active,
  };
}

/**
 * Everything the router may look at, read in the handler's transaction; `stock`, when given, is the
 * skus' stock read already in it (as stockOfSkus, nothing written since). `failed`: the locations
 * that failed the order (failedLocationsOf), with when their stock of it was last counted or received.
 */
export async function loadSourcingSnapshot(
  db: SqlExecutor, skus: readonly string[], failed: readonly FailedLocation[], nowMs: number, stock?: readonly StockLevel[],
): Promise<SourcingSnapshot> {
  const locations = await listLocations(db);
  const days = new Map<string, Map<string, number>>();
  for (const l of locations) {
    const day = localDay(nowMs, l.utcOffsetMinutes);
    if (!days.has(day)) days.set(day, await capacityUsed(db, day));
  }
  const snapshot: SourcingSnapshot = {
    locations: locations.map((l) => toSourcingLocation(l, days.get(localDay(nowMs, l.utcOffsetMinutes))?.get(l.id) ?? 0)),
    stock: stock ?? (await stockOfSkus(db, skus)),
    excludedLocationIds: [],
    inbound: [],
  };
  // A read more only for an order some location failed (a reroute, a backorder after one).
  if (failed.length > 0) snapshot.failed = await failedForRouting(db, failed);
  return snapshot;
}
