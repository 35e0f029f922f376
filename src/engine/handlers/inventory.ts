import type { EventHandler } from '../dispatch/handler.js';
import type { Tx } from '../../store/port.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { inventoryAdjusted, inventorySnapshot, type InventoryAdjustedPayload, type InventorySnapshotPayload } from '../../domain/inventory/events.js';
import { applyAdjustment, countedLevels } from '../../domain/inventory/stock.js';
import { adjustedStockAt, countedStockAt, keepCountedStock, putCounted, setOnHand } from '../../store/repos/stock.js';
import { DomainError } from '../../domain/errors.js';

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
  async handle({ tx, event, audit }) {
    const p = event.payload as InventorySnapshotPayload;
    const { known, held } = await countedStockAt(tx, p.locationId, p.counts.map((c) => c.sku));
    if (!known) throw new DomainError('E_NOT_FOUND', `unknown location ${p.locationId}`);
    // Only lines that differ from what we hold are written (together), and only their skus change
    // any channel's availability (marked with the write).
    const counted = countedLevels(held, p.counts);
    await putCounted(tx, p.locationId, counted, event.receivedAt, event.receivedMs);
    const changed = counted.length;
    // One entry per snapshot, not per sku: a 20,000-line count is one auditable act.
    audit({ action: 'stock.counted', subject: `location:${p.locationId}`, after: p.counts, detail: { lines: p.counts.length, changed } });
  },
};

export const inventoryAdjustedHandler: EventHandler = {
  type: inventoryAdjusted.type,
  name: 'inventory.adjusted',
  prefetch: (tx, events) => readAhead(tx, events, (p: Partial<InventoryAdjustedPayload>) => [p.sku]),
  async handle({ tx, event, audit }) {
    const p = event.payload as InventoryAdjustedPayload;
    const { known, level: before } = await adjustedStockAt(tx, p.locationId, p.sku);
    if (!known) throw new DomainError('E_NOT_FOUND', `unknown location ${p.locationId}`);
    const outcome = applyAdjustment(before?.onHand ?? 0, p.delta);
    await setOnHand(tx, p.sku, p.locationId, outcome.after, event.receivedAt, event.receivedMs);
    audit({
      action: outcome.kind === 'clamped' ? 'stock.adjusted_clamped' : 'stock.adjusted',
      subject: `stock:${p.locationId}:${p.sku}`,
      before: before ?? null,
      after: { onHand: outcome.after },
      detail: { delta: p.delta, reason: p.reason },
    });
  },
};
