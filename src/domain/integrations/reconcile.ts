/**
 * Stock reconciliation with the ERP, pure: omniops' on-hand per sku × location against what the ERP
 * counts per warehouse, mapped to locations by the location's `odooWarehouseId`. Lines only one side
 * knows are compared against 0 (stock the other side has never heard of is a discrepancy too).
 */
export interface ReconciliationPolicy {
  /** A difference of at most this many units is not a discrepancy. */
  stockToleranceUnits: number;
}

export interface StockLine {
  sku: string;
  locationId: string;
  onHand: number;
}

export interface StockDiscrepancy {
  sku: string;
  locationId: string;
  omniops: number;
  erp: number;
}

export interface StockComparison {
  compared: number;
  discrepancies: StockDiscrepancy[];
  unmappedWarehouses: number[];
}

export function compareStock(
  omniops: readonly StockLine[],
  erp: readonly { sku: string; warehouseId: number; onHand: number }[],
  warehouseToLocation: ReadonlyMap<number, string>,
  policy: ReconciliationPolicy,
): StockComparison {
  const key = (sku: string, loc: string) => `${sku}\u0000${loc}`;
  const ours = new Map<string, StockLine>();
  for (const l of omniops) if (isMappedLocation(l.locationId, warehouseToLocation)) ours.set(key(l.sku, l.locationId), l);
  const theirs = new Map<string, { sku: string; locationId: string; onHand: number }>();
  const unmapped = new Set<number>();
  for (const l of erp) {
    const loc = warehouseToLocation.get(l.warehouseId);
    if (loc === undefined) {
      unmapped.add(l.warehouseId);
      continue;
    }
    const k = key(l.sku, loc);
    const prev = theirs.get(k);
    theirs.set(k, { sku: l.sku, locationId: loc, onHand: (prev?.onHand ?? 0) + l.onHand });
  }
  const keys = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
  const discrepancies: StockDiscrepancy[] = [];
  for (const k of keys) {
    const a = ours.get(k);
    const b = theirs.get(k);
    const mine = a?.onHand ?? 0;
    const erpQty = b?.onHand ?? 0;
    if (Math.abs(mine - erpQty) > policy.stockToleranceUnits) discrepancies.push({ sku: (a ?? b)!.sku, locationId: (a ?? b)!.locationId, omniops: mine, erp: erpQty });
  }
  return { compared: keys.length, discrepancies, unmappedWarehouses: [...unmapped].sort((x, y) => x - y) };
}

function isMappedLocation(locationId: string, map: ReadonlyMap<number, string>): boolean {
  for (const v of map.values()) if (v === locationId) return true;
  return false;
}

/**
 * Odoo sale.order state vs the omniops order state: the disagreements worth a person's look.
 * Odoo cancelled what omniops is still fulfilling, or omniops cancelled what Odoo still books.
 */
export function compareOrderState(omniopsState: string, odooState: string | null): string | null {
  if (odooState === null) return 'missing in the ERP';
  const cancelledHere = omniopsState === 'cancelled';
  const cancelledThere = odooState === 'cancel';
  if (cancelledThere && !cancelledHere) return `cancelled in the ERP but ${omniopsState} in omniops`;
  if (cancelledHere && !cancelledThere && odooState !== 'draft') return `cancelled in omniops but ${odooState} in the ERP`;
  return null;
}
