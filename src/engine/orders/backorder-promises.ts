import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { orderById } from '../../store/repos/orders.js';
import { inboundOfSkus, type PurchaseOrderRecord } from '../../store/repos/replenishment.js';
import { holdsUnits, promisedFrom, promisesNotOnTheShelf, revisePromises, type OpenBackorder, type RevisedPromise } from '../../domain/sourcing/inbound-promises.js';
import { getStock } from '../../store/repos/stock.js';
import { sellable } from '../../domain/inventory/stock.js';
import { routeAndReserve } from './routing.js';
import { routingWouldPlace } from './scheduled.js';
import { unservedLines } from './open-fulfilments.js';
import { moveOrder, persistOrder, queueCustomerMessages } from './transition.js';
import { decidePromiseWithdrawn, type OrderPlacedPayload } from '../../domain/orders/index.js';
import { orderSubject } from './identity.js';

/** The open backorders a purchase order's units were promised to, as read before its news is applied. */
export interface PromisesOfPurchaseOrder {
  poId: string;
  /** Promised from the PO (its id in their last routing record's `coveredBy`), oldest first. */
  promised: OpenBackorder[];
  /** Every open backorder of the PO's skus: their promises count against the room left. */
  open: OpenBackorder[];
}

/**
 * Read while the PO is still inbound, before its step is saved: afterwards a cancelled or fully
 * received PO is no longer inbound and `inboundOfSkus` (which finds backorders only beside inbound
 * supply) would not name its backorders any more. One read per PO event; PO news is rare.
 */
export async function promisesOfPurchaseOrder(h: HandlerContext, po: PurchaseOrderRecord): Promise<PromisesOfPurchaseOrder> {
  const { backorders } = await inboundOfSkus(h.tx, po.lines.map((l) => l.sku));
  return { poId: po.id, promised: backorders.filter((b) => promisedFrom(b, po.id)), open: backorders };
}

/**
 * A PO's news (a delay, a confirmation, a cancel, a receipt that closed it): the promises made from it
 * will not hold as made. Each backorder promised from it that `routed` (the orders this receipt placed,
 * whose promises no longer count) does not name is promised again (oldest first, `revisePromises`)
 * from what is inbound now, and a date that moves is recorded and told as any moved promise is
 * (`moveOrder`'s `promiseAfter`) — unless its units from the PO are already free on the shelf where the
 * PO delivers (`promisesNotOnTheShelf`): it waits for another sku, its own came, and keeps its date.
 * Call after the PO's step is saved, in the same transaction. The backorder retry calls it too, for the
 * promises kept so whose units may have gone since (`reviseKeptPromisesWithoutUnits`).
 */
export async function revisePromisesUnlessOnTheShelf(
  h: HandlerContext, policies: PolicyBook, before: PromisesOfPurchaseOrder, po: Pick<PurchaseOrderRecord, 'id' | 'locationId'>, why: string, routed: ReadonlySet<string> = new Set(),
): Promise<void> {
  const left = before.promised.filter((b) => !routed.has(b.orderId));
  if (left.length === 0) return;
  const free = new Map<string, number>();
  for (const sku of new Set(left.flatMap((b) => b.shortSkus.filter((s) => s.coveredBy.some((c) => c.poId === po.id)).map((s) => s.sku)))) {
    const level = await getStock(h.tx, sku, po.locationId);
    free.set(sku, level ? sellable(level) : 0);
  }
  const broken = promisesNotOnTheShelf(left, po.id, free);
  await revisePromisesOf(h, policies, { poId: before.poId, promised: broken, open: before.open.filter((b) => !routed.has(b.orderId)) }, why);
}

/** Promises every backorder of `before.promised` again, oldest first, each moved date told. */
async function revisePromisesOf(h: HandlerContext, policies: PolicyBook, before: PromisesOfPurchaseOrder, why: string): Promise<void> {
  if (before.promised.length === 0) return;
  const skus = [...new Set(before.promised.flatMap((b) => b.shortSkus.map((s) => s.sku)))];
  // The revised orders may wait for other skus too: what is inbound of all of them, read afresh.
  const now = await inboundOfSkus(h.tx, skus);
  const open = new Map([...before.open, ...now.backorders].map((b) => [b.orderId, b]));
  const sourcing = await policies.get('sourcing', h.tx);
  for (const r of revisePromises(before.promised, [...open.values()], now.inbound, sourcing)) {
    if (r.changed) await recordRevision(h, policies, r, sourcing.version, before.poId, why);
  }
}

async function recordRevision(h: HandlerContext, policies: PolicyBook, r: RevisedPromise, policyVersion: string, poId: string, why: string): Promise<void> {
  const order = await orderById(h.tx, r.orderId);
  if (!order || order.state !== 'backordered') return;
  const orders = await policies.get('orders', h.tx);
  const subject = orderSubject(order.source, order.externalOrderId);
  const last = order.doc.routing[order.doc.routing.length - 1] as Record<string, unknown> | undefined;
  // The new last record is what later promises are netted against (`inboundOfSkus`). Only the inbound
  // side was decided again: why nothing could serve stays the last decision's candidates.
  order.doc.routing.push({ why, outcome: 'backorder', policyVersion, decidedAt: h.decision.now, candidates: last?.candidates ?? [], excluded: last?.excluded ?? [], shortSkus: r.shortSkus, revisedFor: poId });
  h.emit({ type: 'order.backordered', subject, payload: { orderId: order.id, shortSkus: r.shortSkus, expectedAt: r.expectedAt } });
  h.audit({ action: 'order.promise_revised', subject, before: { promisedBy: order.promisedByMs }, after: { promisedBy: r.expectedAt }, detail: { poId, why } });
  if (r.expectedAt !== null) {
    moveOrder(h, order, 'backordered', orders, { note: why, promiseAfter: r.expectedAt });
  } else {
    // No receipt keeps a date: the old one will not hold, so it is withdrawn, not left standing, and
    // the customer told (orders policy template `promise_withdrawn`).
    const promiseBeforeMs = order.promisedByMs;
    order.promisedByMs = null;
    order.doc.history.push({ at: h.decision.now, from: order.state, to: order.state, eventId: h.event.id, note: `${why}: no receipt keeps a date` });
    if (promiseBeforeMs !== null) {
      const placed = order.doc.placed as unknown as OrderPlacedPayload;
      queueCustomerMessages(h, order, decidePromiseWithdrawn({ orderId: order.id, externalOrderId: order.externalOrderId, customer: placed.customer, promiseBeforeMs, why }, orders.notifications), orders);
    }
  }
  await persistOrder(h, order);
}

/**
 * A receipt raised stock: the backorders promised from this PO are routed now, oldest first, in the
 * receipt's transaction — before any new order (or the next retry tick, which takes its window's
 * oldest, not the promised ones) can take the units. An order routing would not place yet (a partial
 * receipt, another sku still short) waits for the retry as before: routing it would only announce the
 * same backorder again. Returns the orders it routed: their promises, read before, count no more.
 */
export async function routePromisedBackorders(h: HandlerContext, policies: PolicyBook, before: PromisesOfPurchaseOrder, why: string): Promise<Set<string>> {
  const routed = new Set<string>();
  for (const b of before.promised) {
    if (!holdsUnits(b)) continue;
    const order = await orderById(h.tx, b.orderId);
    if (!order || order.state !== 'backordered') continue;
    const lines = await unservedLines(h, order);
    if (lines.length === 0 || !(await routingWouldPlace(h, policies, order, lines))) continue;
    await routeAndReserve(h, policies, order, why, lines);
    await persistOrder(h, order);
    routed.add(order.id);
  }
  return routed;
}
