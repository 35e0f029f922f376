import type { EventHandler } from '../dispatch/handler.js';
import type { Tx } from '../../store/port.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { inventoryAdjusted, inventorySnapshot, type InventoryAdjustedPayload, type InventorySnapshotPayload } from '../../domain/inventory/events.js';
import { applyAdjustment, countedLevels, countedShort } from '../../domain/inventory/stock.js';
import { adjustedStockAt, countedStockAt, keepCountedStock, putCounted, setOnHand } from '../../store/repos/stock.js';
import { DomainError } from '../../domain/errors.js';
import type { HandlerContext } from '../dispatch/handler.js';
import { openException } from '../exceptions/open.js';

/**
 * A count or a shrink found fewer units than orders have reserved there. The units are not there,
 * but the reservations are orders' claims: dropping them would leave orders routed to stock nobody
 * holds for them, so they stay (released or shipped by their orders) and inventory control gets an
 * item saying which orders' stock is short — one per sku and location, as a short till sale opens.
 */
async function reportShortReservations(h: HandlerContext, locationId: string, short: ReadonlyArray<{ sku: string; onHand: number; reserved: number; short: number }>, what: string): Promise<void> {
  for (const s of short) {
    await openException(h, {
      category: 'reconciliation_discrepancy',
      subjectRef: `stock:${s.sku}@${locationId}`,
      summary: `${what}: ${s.onHand} × ${s.sku} on hand at ${locationId}, where orders have ${s.reserved} reserved; ${s.short} short — reroute those orders or count again`,
      detail: { kind: 'reserved_short', eventId: h.event.id, sku: s.sku, locationId, onHand: s.onHand, reservedForOrders: s.reserved, short: s.short },
    });
  }
}

// Stock for a location we do not know yet fails the handler: it is retried (the location may be on
// its way) and, if it never arrives, dead-lettered where an operator sees it — never silently kept.

/**
 * The rows of stock a batch's counts or adjustments will read, in one statement (PostgreSQL; see
 * keepCountedStock). Payloads were checked at intake; anything unexpected is left out, for its own
 * handler to refuse.
 */
function readAhead<P>(tx: Tx, events: readonly StoredEvent[], skusOf: (payload: Partial<P>) => unknown[]): Promise<void> {
  const wants: Array<{ locationId: string; skus: string[] }> = [];
  for (const e of events) {
    const p = e.payload as Partial<P> & { locationId?: unknown } | null;
    if (typeof p?.locationId !== 'string') continue;
    wants.push({ locationId: p.locationId, skus: skusOf(p).filter((sku): sku is string => typeof sku === 'string') });
  }
  return keepCountedStock(tx, wants);
}

export const inventorySnapshotHandler: EventHandler = {
  type: inventorySnapshot.type,
  name: 'inventory.snapshot',
  prefetch: (tx, events) => readAhead(tx, events, (p: Partial<InventorySnapshotPayload>) => (Array.isArray(p.counts) ? p.counts.map((c) => c?.sku) : [])),
  async handle(h) {
    const { tx, event, audit } = h;
    const p = event.payload as InventorySnapshotPayload;
    const { known, held } = await countedStockAt(tx, p.locationId, p.counts.map((c) => c.sku));
    if (!known) throw new DomainError('E_NOT_FOUND', `unknown location ${p.locationId}`);
    // Only lines that differ from what we hold are written (together), and only their skus change
    // any channel's availability (marked with the write).
    const counted = countedLevels(held, p.counts);
    await putCounted(tx, p.locationId, counted, event.receivedAt, event.receivedMs);
    const changed = counted.length;
    const short = countedShort(held, counted);
    // One entry per snapshot, not per sku: a 20,000-line count is one auditable act.
    audit({ action: 'stock.counted', subject: `location:${p.locationId}`, after: p.counts, detail: { lines: p.counts.length, changed, ...(short.length ? { short } : {}) } });
    await reportShortReservations(h, p.locationId, short, 'count');
  },
};

export const inventoryAdjustedHandler: EventHandler = {
  type: inventoryAdjusted.type,
  name: 'inventory.adjusted',
  prefetch: (tx, events) => readAhead(tx, events, (p: Partial<InventoryAdjustedPayload>) => [p.sku]),
  async handle(h) {
    const { tx, event, audit } = h;
    const p = event.payload as InventoryAdjustedPayload;
    const { known, level: before } = await adjustedStockAt(tx, p.locationId, p.sku);
    if (!known) throw new DomainError('E_NOT_FOUND', `unknown location ${p.locationId}`);
    const outcome = applyAdjustment(before ?? { onHand: 0, reserved: 0, protected: 0 }, p.delta);
    if (before && outcome.protected !== before.protected) {
      // Protected stock shrinks with the shelf: written with on-hand, reservations kept.
      await putCounted(tx, p.locationId, [{ sku: p.sku, onHand: outcome.after, protected: outcome.protected, safetyStock: before.safetyStock }], event.receivedAt, event.receivedMs);
    } else {
      await setOnHand(tx, p.sku, p.locationId, outcome.after, event.receivedAt, event.receivedMs);
    }
    audit({
      action: outcome.kind === 'clamped' ? 'stock.adjusted_clamped' : 'stock.adjusted',
      subject: `stock:${p.locationId}:${p.sku}`,
      before: before ?? null,
      after: { onHand: outcome.after, protected: outcome.protected },
      detail: { delta: p.delta, reason: p.reason, ...(outcome.short > 0 ? { short: outcome.short } : {}) },
    });
    if (outcome.short > 0) {
      await reportShortReservations(h, p.locationId, [{ sku: p.sku, onHand: outcome.after, reserved: before?.reserved ?? 0, short: outcome.short }], `${p.reason} of ${-p.delta}`);
    }
  },
};
