import { decideWithoutSource, type ShortSku } from './backorder.js';
import type { SourcingPolicy } from './policy.js';
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
    if (!holdsUnits(b)) continue;
    for (const s of b.shortSkus) {
      for (const [poId, take] of heldOf(s)) promised.set(lineKey(poId, s.sku), (promised.get(lineKey(poId, s.sku)) ?? 0) + take);
    }
  }
  return promised;
}

/** The units a short sku holds of each PO: at most its shortage, earliest receipt first. */
function heldOf(s: ShortSku): Array<[poId: string, qty: number]> {
  const held: Array<[string, number]> = [];
  let left = s.shortQty;
  for (const po of s.coveredBy) {
    if (left <= 0) break;
    const take = Math.min(po.qty, left);
    held.push([po.poId, take]);
    left -= take;
  }
  return held;
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

/** Whether an open backorder's last promise counts on units of this purchase order. */
export function promisedFrom(backorder: OpenBackorder, poId: string): boolean {
  return backorder.shortSkus.some((s) => s.coveredBy.some((c) => c.poId === poId));
}

/** Whether the backorder holds units, i.e. was promised a date (see `promisedUnits`). */
export function holdsUnits(backorder: OpenBackorder): boolean {
  return backorder.shortSkus.length > 0 && backorder.shortSkus.every((s) => s.expectedAt !== null);
}

/**
 * News of a purchase order (a delay, a confirmation, a cancel, a receipt that closed it) would have
 * its backorders promised again. Of those not placed, oldest first, one whose units promised from the
 * PO are already free where the PO delivers (`freeBySku`, taken as each keeps) keeps its promise: it
 * waits for another sku, its own came (a partial receipt), so a moved or withdrawn date would be
 * untrue. Every other one — its units never came, or others took them — and one promised no date (it
 * held nothing of the PO) must be promised again (`revisePromises`); returned oldest first. The free
 * units stay free for anyone, as after any receipt: a kept promise reserves nothing. While the PO is
 * still inbound it also goes on counting in full against what the PO has still to bring.
 */
export function promisesNotOnTheShelf(promised: readonly OpenBackorder[], poId: string, freeBySku: ReadonlyMap<string, number>): OpenBackorder[] {
  const free = new Map(freeBySku);
  const broken: OpenBackorder[] = [];
  for (const b of promised) {
    const fromPo = b.shortSkus.flatMap((s) => heldOf(s).filter(([id]) => id === poId).map(([, qty]) => [s.sku, qty] as const));
    const kept = holdsUnits(b) && fromPo.every(([sku, qty]) => (free.get(sku) ?? 0) >= qty);
    if (!kept) {
      broken.push(b);
      continue;
    }
    for (const [sku, qty] of fromPo) free.set(sku, (free.get(sku) ?? 0) - qty);
  }
  return broken;
}

/** A purchase order as a kept promise is judged against it: still to deliver or not, and by when. */
export interface PurchaseOrderNow {
  poId: string;
  inbound: boolean;
  expectedAt: number;
}

/**
 * Whether a dated backorder's promise stands on units of this purchase order already on the shelf
 * (kept by `promisesNotOnTheShelf`): the PO will bring it nothing by its date — it closed (received
 * short, cancelled) or it is due after the promise (a delay the promise was kept through). Such a
 * promise reserves nothing, so it holds only while those units are still there. One the PO still
 * keeps by its date does not depend on the shelf.
 */
export function keptOnTheShelf(backorder: OpenBackorder, po: PurchaseOrderNow): boolean {
  if (!holdsUnits(backorder) || !promisedFrom(backorder, po.poId)) return false;
  const promisedAt = Math.max(...backorder.shortSkus.map((s) => s.expectedAt as number));
  return !po.inbound || po.expectedAt > promisedAt;
}

export interface RevisedPromise {
  orderId: string;
  shortSkus: ShortSku[];
  /** The new promise; null when the room left covers the shortage no more. */
  expectedAt: number | null;
  /** False when the revision promises exactly what the order held before (nothing to record). */
  changed: boolean;
}

/**
 * The promises of backorders a purchase order's news broke (delayed, cancelled), decided again oldest
 * first by the rule a new backorder is decided by (`decideWithoutSource`, earliest receipt with room).
 * Each is decided with every other open backorder's promise counted as it stands at that moment — the
 * untouched ones and those revised before it — so a promise once made is not taken back from an order
 * this news did not concern, and an older revised order gets the room before a newer one. The
 * shortage stays what the order recorded: only the inbound side is decided again (stock that came
 * back is the retry's). A revision never cancels: the order was taken as a backorder, and without
 * room it waits without a date, whatever `backorderWithoutInbound` says about new orders.
 */
export function revisePromises(
  revise: readonly OpenBackorder[],
  open: readonly OpenBackorder[],
  inbound: readonly InboundSupply[],
  policy: SourcingPolicy,
): RevisedPromise[] {
  const standing = new Map(open.map((b) => [b.orderId, b]));
  // The orders promised again hold nothing until their turn: a younger one's old promise from the PO
  // must not keep an older one from what the PO still brings.
  for (const b of revise) standing.delete(b.orderId);
  const waits: SourcingPolicy = { ...policy, whenNothingCanServe: 'backorder', backorderWithoutInbound: 'backorder' };
  const out: RevisedPromise[] = [];
  for (const b of revise) {
    const room = inboundWithRoom(inbound, [...standing.values()], b.orderId);
    const lines = b.shortSkus.map((s) => ({ lineId: s.sku, sku: s.sku, qty: s.shortQty }));
    const d = decideWithoutSource(lines, new Map(), room, waits);
    if (d.outcome !== 'backorder') continue; // unreachable with `waits`; kept for the type
    standing.set(b.orderId, { orderId: b.orderId, shortSkus: d.shortSkus });
    out.push({ orderId: b.orderId, shortSkus: d.shortSkus, expectedAt: d.expectedAt, changed: promiseKey(d.shortSkus) !== promiseKey(b.shortSkus) });
  }
  return out;
}

/** A promise as comparable text: the stored record may come back with its keys reordered (jsonb). */
function promiseKey(shortSkus: readonly ShortSku[]): string {
  return JSON.stringify([...shortSkus].sort((a, b) => (a.sku < b.sku ? -1 : 1)).map((s) => [s.sku, s.shortQty, s.expectedAt, s.coveredBy.map((c) => [c.poId, c.qty, c.expectedAt])]));
}
