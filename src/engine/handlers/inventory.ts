import type { EventHandler } from '../dispatch/handler.js';
import { inventoryAdjusted, inventorySnapshot, type InventoryAdjustedPayload, type InventorySnapshotPayload } from '../../domain/inventory/events.js';
import { applyAdjustment, countedLevels } from '../../domain/inventory/stock.js';
import { getLocation } from '../../store/repos/masterdata.js';
import { countedStockAt, getStock, keepCountedStock, putCounted, setOnHand } from '../../store/repos/stock.js';
import { DomainError } from '../../domain/errors.js';
import { markAvailabilityDirty } from '../../store/repos/availability.js';

/**
 * Stock for a location we do not know yet fails the handler: it is retried (the location may be on
 * its way) and, if it never arrives, dead-lettered where an operator sees it — never silently kept.
 */
async function requireLocation(tx: Parameters<EventHandler['handle']>[0]['tx'], id: string): Promise<void> {
  if (!(await getLocation(tx, id))) throw new DomainError('E_NOT_FOUND', `unknown location ${id}`);
}

export const inventorySnapshotHandler: EventHandler = {
  type: inventorySnapshot.type,
  name: 'inventory.snapshot',
  async prefetch(tx, events) {
    // The batch's counts read what they hold in one statement (PostgreSQL; see keepCountedStock).
    // Payloads were checked at intake; anything unexpected is left for its own handler to refuse.
    const counts: Array<{ locationId: string; skus: string[] }> = [];
    for (const e of events) {
      const p = e.payload as Partial<InventorySnapshotPayload> | null;
      if (typeof p?.locationId !== 'string' || !Array.isArray(p.counts)) continue;
      counts.push({ locationId: p.locationId, skus: p.counts.map((c) => c.sku).filter((sku): sku is string => typeof sku === 'string') });
    }
    await keepCountedStock(tx, counts);
  },
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
  async handle({ tx, event, audit }) {
    const p = event.payload as InventoryAdjustedPayload;
    await requireLocation(tx, p.locationId);
    const before = await getStock(tx, p.sku, p.locationId);
    const outcome = applyAdjustment(before?.onHand ?? 0, p.delta);
    await setOnHand(tx, p.sku, p.locationId, outcome.after, event.receivedAt);
    await markAvailabilityDirty(tx, [p.sku], event.receivedMs);
    audit({
      action: outcome.kind === 'clamped' ? 'stock.adjusted_clamped' : 'stock.adjusted',
      subject: `stock:${p.locationId}:${p.sku}`,
      before: before ?? null,
      after: { onHand: outcome.after },
      detail: { delta: p.delta, reason: p.reason },
    });
  },
};
