import { finding, type Finding } from './finding.js';

/**
 * One stock row beside what holds units on it: orders' active reservations and transfers its location
 * has not shipped yet (a transfer reserves at its source until it leaves); `reserved` null when no
 * stock row exists.
 */
export interface ReservedRow {
  sku: string;
  locationId: string;
  reserved: number | null;
  activeReservations: number;
  transfersToShip: number;
}

export interface StockFiguresRow {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  protected: number;
}

export const stockSubject = (locationId: string, sku: string) => `stock:${locationId}:${sku}`;

/**
 * stock.reserved is only ever moved together with what holds the units, in the same transaction: a
 * reservation's status (reserve with `active`, release with `released`, a shipment with `consumed`) or
 * a transfer's state (made `in_transit`; shipped, received or cancelled). So the figure is the sum of
 * the active reservations and the unshipped transfers behind it. A difference means stock is held for
 * nothing (units nobody can sell) or orders hold units the figure does not count (oversell).
 */
export function reservedMatchesReservations(rows: readonly ReservedRow[]): Finding[] {
  return rows.flatMap((r) => {
    const reserved = r.reserved ?? 0;
    const held = r.activeReservations + r.transfersToShip;
    if (reserved === held) return [];
    const gap = reserved - held;
    const holders = r.transfersToShip > 0 ? `active reservations and transfers to ship hold ${r.activeReservations} + ${r.transfersToShip}` : `active reservations hold ${r.activeReservations}`;
    const detail = r.reserved === null
      ? `${held} units held by active reservations or transfers of ${r.sku} at ${r.locationId}, which has no stock row`
      : gap > 0
        ? `${reserved} reserved of ${r.sku} at ${r.locationId}, but ${holders}: ${gap} units held for no order or transfer, not sellable`
        : `${reserved} reserved of ${r.sku} at ${r.locationId}, but ${holders}: ${-gap} units promised are not counted (they can be sold again)`;
    return [finding('reserved_matches_reservations', stockSubject(r.locationId, r.sku), detail, {
      sku: r.sku, locationId: r.locationId, reserved, activeReservations: r.activeReservations, transfersToShip: r.transfersToShip, stockRow: r.reserved !== null,
    })];
  });
}

/**
 * Every writer keeps the three figures at zero or above: a shipment and a shrink stop on-hand at zero,
 * a release stops reserved at zero, protected stock is kept within what is unreserved. A negative
 * figure was written by hand or by a bug, and every sellable figure computed from it is wrong.
 */
export function stockNegative(rows: readonly StockFiguresRow[]): Finding[] {
  return rows.flatMap((r) => {
    const negative = (['onHand', 'reserved', 'protected'] as const).filter((k) => r[k] < 0);
    if (negative.length === 0) return [];
    return [finding('stock_negative', stockSubject(r.locationId, r.sku), `${r.sku} at ${r.locationId}: ${negative.map((k) => `${k} ${r[k]}`).join(', ')} below zero`, {
      sku: r.sku, locationId: r.locationId, onHand: r.onHand, reserved: r.reserved, protected: r.protected,
    })];
  });
}

/**
 * Reserved above on-hand is only a warning: a count or a shrink may find fewer units than orders
 * hold (docs/orders.md, "Stock counts"). The waiting orders are then withdrawn and routed again, but
 * units of picked and click-and-collect orders stay reserved, and inventory control gets a
 * `reserved_short` item. It lasts until the shelf is counted again or those orders ship or stop.
 */
export function reservedAboveOnHand(rows: readonly StockFiguresRow[]): Finding[] {
  return rows.flatMap((r) => {
    if (r.onHand < 0 || r.reserved <= r.onHand) return []; // a negative on-hand is stock_negative's
    return [finding('reserved_above_on_hand', stockSubject(r.locationId, r.sku),
      `${r.reserved} reserved of ${r.sku} at ${r.locationId} but ${r.onHand} on hand (${r.reserved - r.onHand} short): a count or shrink found fewer units than orders hold; `
      + 'picked and click-and-collect orders keep their claim, so look for the reserved_short item in inventory control\'s queue and count the shelf',
      { sku: r.sku, locationId: r.locationId, onHand: r.onHand, reserved: r.reserved, short: r.reserved - r.onHand })];
  });
}
