import type { EventHandler } from '../dispatch/handler.js';
import type { Tx } from '../../store/port.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { inventoryAdjusted, inventorySnapshot, type InventoryAdjustedPayload, type InventorySnapshotPayload } from '../../domain/inventory/events.js';
import { applyAdjustment, countedLevels, countedLevelsAll, countedShort } from '../../domain/inventory/stock.js';
import { countedLines, countTimings, happenedMs, lateSkus } from '../../domain/inventory/count-time.js';
import { adjustmentMs, movementSuperseded } from '../../domain/inventory/movement-time.js';
import { adjustedStockAt, countedRowsAt, keepCountedStock, movedSince, noteMoved, putCounted, setOnHand, type CountedRow } from '../../store/repos/stock.js';
import { DomainError } from '../../domain/errors.js';
import type { HandlerContext } from '../dispatch/handler.js';
import { openException } from '../exceptions/open.js';
import { journalFromMs, type StockJournalRetention } from './stock-journal.js';
import { withdrawShortReservations } from '../orders/stock-short.js';

/**
 * A count or a shrink found fewer units than orders have reserved there. The newest waiting orders
 * give the missing units back and are routed elsewhere (withdrawShortReservations). What they cannot
 * cover — units of orders already picked — stays reserved (those orders' claims: dropping them would
 * leave orders routed to stock nobody holds for them), and inventory control gets an item saying how
 * many are short, one per sku and location, as a short till sale opens.
 */
async function reportShortReservations(h: HandlerContext, locationId: string, short: ReadonlyArray<{ sku: string; onHand: number; reserved: number; short: number }>, what: string): Promise<void> {
  for (const s of short) {
    const { withdrawn, uncovered } = await withdrawShortReservations(h, { locationId, ...s });
    if (withdrawn.length > 0) h.audit({ action: 'stock.short_withdrawn', subject: `stock:${locationId}:${s.sku}`, detail: { eventId: h.event.id, onHand: s.onHand, reserved: s.reserved, short: s.short, withdrawn } });
    if (uncovered === 0) continue;
    const reserved = s.reserved - withdrawn.reduce((n, w) => n + w.qty, 0);
    await openException(h, {
      category: 'reconciliation_discrepancy',
      subjectRef: `stock:${s.sku}@${locationId}`,
      summary: `${what}: ${s.onHand} × ${s.sku} on hand at ${locationId}, where picked orders have ${reserved} reserved; ${uncovered} short — count again or find the units`,
      detail: { kind: 'reserved_short', eventId: h.event.id, sku: s.sku, locationId, onHand: s.onHand, reservedForOrders: reserved, short: uncovered, withdrawn },
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

/** Counts, rolled forward by the stock journal as far as it goes back (`journal`: config `stock`; without it, all the way). */
export const inventorySnapshotHandler = (journal?: StockJournalRetention): EventHandler => ({
  type: inventorySnapshot.type,
  name: 'inventory.snapshot',
  prefetch: (tx, events) => readAhead(tx, events, (p: Partial<InventorySnapshotPayload>) => (Array.isArray(p.counts) ? p.counts.map((c) => c?.sku) : [])),
  async handle(h) {
    const { tx, event, audit } = h;
    const p = event.payload as InventorySnapshotPayload;
    const { known, held } = await countedRowsAt(tx, p.locationId, p.counts.map((c) => c.sku));
    if (!known) throw new DomainError('E_NOT_FOUND', `unknown location ${p.locationId}`);
    const takenMs = happenedMs(event.occurredAt, event.receivedMs);
    const { lines, stale, rolled, unknown } = await byCountTime(h, p, held, takenMs, journalFromMs(journal, h.decision.now));
    // Every applied line is written (its count time moves on), together; only the lines that differ
    // from what we hold change any channel's availability (marked with the write).
    const levels = countedLevelsAll(held, lines);
    const counted = countedLevels(held, lines);
    await putCounted(tx, p.locationId, levels, event.receivedAt, event.receivedMs, { takenMs, changed: new Set(counted.map((l) => l.sku)) });
    const changed = counted.length;
    const short = countedShort(held, counted);
    // One entry per snapshot, not per sku: a 20,000-line count is one auditable act.
    audit({
      action: 'stock.counted', subject: `location:${p.locationId}`, after: p.counts,
      detail: { lines: p.counts.length, changed, takenMs, ...(short.length ? { short } : {}), ...(stale.length ? { stale } : {}), ...(rolled.length ? { rolledForward: rolled } : {}), ...(unknown.length ? { notApplied: unknown } : {}) },
    });
    await reportShortReservations(h, p.locationId, short, 'count');
    for (const u of unknown) {
      await openException(h, {
        category: 'reconciliation_discrepancy',
        subjectRef: `stock:${u.sku}@${p.locationId}`,
        summary: `count of ${u.counted} × ${u.sku} at ${p.locationId} taken ${new Date(takenMs).toISOString()}, before stock moved there (${new Date(u.movedMs).toISOString()}); book says ${u.onHand} — count again or correct the book`,
        detail: { kind: 'count_before_movements', eventId: event.id, sku: u.sku, locationId: p.locationId, counted: u.counted, onHand: u.onHand, reserved: u.reserved, takenMs, movedMs: u.movedMs },
      });
    }
  },
});

/**
 * Sorts a count's lines by when it was taken against each row (count-time.ts, countedLines). The
 * journal is read only when some line is late, in one statement per 500 skus.
 */
async function byCountTime(h: HandlerContext, p: InventorySnapshotPayload, held: ReadonlyMap<string, CountedRow>, takenMs: number, journalFrom: number) {
  const timing = countTimings(p.counts, held, takenMs, journalFrom);
  const late = lateSkus(timing);
  const moved = late.length > 0 ? await movedSince(h.tx, p.locationId, late, takenMs) : new Map<string, number>();
  return countedLines(p.counts, timing, moved, held);
}

/**
 * Adjustments, timed by when they happened and never behind the stock journal's horizon (`journal`:
 * config `stock`; without it, no floor): see adjustmentMs for why.
 */
export const inventoryAdjustedHandler = (journal?: StockJournalRetention): EventHandler => ({
  type: inventoryAdjusted.type,
  name: 'inventory.adjusted',
  prefetch: (tx, events) => readAhead(tx, events, (p: Partial<InventoryAdjustedPayload>) => [p.sku]),
  async handle(h) {
    const { tx, event, audit } = h;
    const p = event.payload as InventoryAdjustedPayload;
    const { known, level: row } = await adjustedStockAt(tx, p.locationId, p.sku);
    // Audited as the level it was; the row's times are bookkeeping.
    const before = row && { sku: row.sku, locationId: row.locationId, onHand: row.onHand, reserved: row.reserved, protected: row.protected, safetyStock: row.safetyStock };
    if (!known) throw new DomainError('E_NOT_FOUND', `unknown location ${p.locationId}`);
    // A shrink found (or goods received) before the row's count was taken is already in that count.
    // Its time is the sender's, floored at the journal's horizon as a till sale's (adjustmentMs).
    const happened = adjustmentMs(event, journalFromMs(journal, h.decision.now));
    const countedMs = movementSuperseded(row, happened);
    if (countedMs !== null) {
      audit({ action: 'stock.adjustment_superseded', subject: `stock:${p.locationId}:${p.sku}`, before: before ?? null, detail: { delta: p.delta, reason: p.reason, happenedMs: happened, countedMs } });
      return;
    }
    const outcome = applyAdjustment(before ?? { onHand: 0, reserved: 0, protected: 0 }, p.delta);
    if (before && outcome.protected !== before.protected) {
      // Protected stock shrinks with the shelf: written with on-hand, reservations kept.
      await putCounted(tx, p.locationId, [{ sku: p.sku, onHand: outcome.after, protected: outcome.protected, safetyStock: before.safetyStock }], event.receivedAt, event.receivedMs);
    } else {
      await setOnHand(tx, p.sku, p.locationId, outcome.after, event.receivedAt, event.receivedMs);
    }
    // Journaled at when it happened, so a count taken before it and arriving later adds it.
    if (outcome.after !== (before?.onHand ?? 0)) await noteMoved(tx, p.sku, p.locationId, outcome.after - (before?.onHand ?? 0), happened);
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
});
