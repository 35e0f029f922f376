import type { ShortSku } from './backorder.js';
import type { InboundSupply } from './types.js';

/** An open backorder as its last routing decision left it: what it was promised, per short sku. */
export interface OpenBackorder {
  orderId: string;
  shortSkus: readonly ShortSku[];
}

const lineKey = (poId: string, sku: string) => `${poId}\u0000${sku}`;

/**
 * The units of each purchase order line promised to open backorders. Only an order promised a date
 * holds units: one that waits without a date could not be served by these receipts anyway, and
 * holding what it would need would deny a date to a later order they can serve. Each short sku
 * takes at most its shortage, earliest receipt first — so a record written before `coveredBy`
 * carried the promised units (it carried the PO's whole quantity) reads as the same promise.
 */
export function promisedUnits(backorders: readonly OpenBackorder[]): Map<string, number> {
  const promised = new Map<string, number>();
  for (const b of backorders) {
    if (b.shortSkus.length === 0 || b.shortSkus.some((s) => s.expectedAt === null)) continue;
    for (const s of b.shortSkus) {
      let left = s.shortQty;
      for (const po of s.coveredBy) {
        if (left <= 0) break;
        const take = Math.min(po.qty, left);
        const key = lineKey(po.poId, s.sku);
        promised.set(key, (promised.get(key) ?? 0) + take);
        left -= take;
      }
    }
  }
  return promised;
}

/**
 * What is on its way and not yet promised: each line's outstanding quantity less the units open
 * backorders (all decided before this one: a promise once made is not taken back) hold of it.
 * `orderId`'s own earlier promise does not count against it. A line partly received still counts
 * its promises in full until the retry places those orders: fewer units are promised, never more.
 */
export function inboundWithRoom(inbound: readonly InboundSupply[], backorders: readonly OpenBackorder[], orderId: string): InboundSupply[] {
  const promised = promisedUnits(backorders.filter((b) => b.orderId !== orderId));
  const room: InboundSupply[] = [];
  for (const po of inbound) {
    const qty = po.qty - (promised.get(lineKey(po.poId, po.sku)) ?? 0);
    if (qty > 0) room.push({ ...po, qty });
  }
  return room;
}
