/**
 * On-hand movements (a shipment, a till sale, a receipt, a transfer, an adjustment) by when they
 * happened, not when they were booked. A till batch synced at 20:00 carries sales made at 10:00; a
 * count taken at 12:00 already did not see those units. Booked at 20:00, after the count, they were
 * taken off again. Live handlers and the policy backtest time each movement with the functions
 * below, so both decide alike (docs/orders.md, "Stock counts").
 */
import { happenedMs } from './count-time.js';

/**
 * When a movement happened, as far as we can tell: the sender's time (`occurredAt`), never after it
 * reached us (a clock running ahead must not make it newer than what was booked before it), and
 * never before the latest of `floorsMs` — what we know it cannot precede (the fulfilment it ships
 * was created then; before the stock journal's horizon nothing is decided by time any more). A
 * floor later than the arrival counts as the arrival.
 */
export function movementMs(occurredAt: string, receivedMs: number, ...floorsMs: ReadonlyArray<number | undefined>): number {
  const floor = Math.min(receivedMs, Math.max(Number.NEGATIVE_INFINITY, ...floorsMs.filter((f): f is number => f !== undefined && Number.isFinite(f))));
  return Math.max(happenedMs(occurredAt, receivedMs), floor);
}

/** What a movement's time is read from: the sender's time and when the event reached us. */
export interface Sent {
  occurredAt: string;
  receivedMs: number;
}

/**
 * A shipment (`fulfilment.shipped`; a delivery or collection when no shipment was reported): never
 * before its fulfilment existed, nor behind the journal's horizon (`journalFrom`, journalFromMs).
 */
export const shipmentMs = (sent: Sent, fulfilmentCreatedMs: number, journalFrom: number): number =>
  movementMs(sent.occurredAt, sent.receivedMs, fulfilmentCreatedMs, journalFrom);

/** A till sale: when it was handed over, never behind the journal's horizon (it has no fulfilment to be later than). */
export const tillSaleMs = (handedOverAt: string, receivedMs: number, journalFrom: number): number =>
  movementMs(handedOverAt, receivedMs, journalFrom);

/** Goods in (a purchase order's receipt, a transfer's): never before what ordered them existed. */
export const receiptMs = (sent: Sent, orderedMs: number): number => movementMs(sent.occurredAt, sent.receivedMs, orderedMs);

/**
 * An adjustment (`inventory.adjusted`): never behind the journal's horizon, as a till sale — it has
 * nothing else to be later than. Behind the horizon the journal is pruned and a count taken there
 * goes to a person: time decides nothing there any more, so an adjustment a sender dates there (a
 * clock set weeks back, a shrink booked from old paperwork) is not swallowed by whatever count was
 * taken since that time; only a count taken within the horizon (one we still order movements
 * against) can supersede it. The price: an adjustment that really is that old, and that a count
 * taken between it and the horizon already saw, is applied again — the book is off by it until the
 * next count, visibly (`stock.adjusted`), where without the floor a recent shrink on a clock set
 * back would have been dropped (`stock.adjustment_superseded`) and the book left high.
 */
export const adjustmentMs = (sent: Sent, journalFrom: number): number => movementMs(sent.occurredAt, sent.receivedMs, journalFrom);

/**
 * The count time of a row whose count already saw a movement that happened at `happened` (the count
 * was taken strictly later), or null: the movement is after the count (a tie counts as after: arrival
 * order, as for counts) or the row was never counted. Adjustments are judged by it too (inventory.adjusted).
 */
export function movementSuperseded(row: { countedMs: number | null } | undefined, happened: number): number | null {
  return row?.countedMs !== null && row?.countedMs !== undefined && happened < row.countedMs ? row.countedMs : null;
}

/**
 * Whether a movement at `happened` that moved on-hand goes into the row's journal: only after the
 * row's count (strictly: a tie is in the count's arrival order, and the roll-forward adds movements
 * strictly after a count's time), and a row never counted journals nothing — there is no count to
 * roll forward from. The store's statements (writeAndJournal) decide the same under the row's lock.
 */
export function journaled(row: { countedMs: number | null }, happened: number): boolean {
  return row.countedMs !== null && row.countedMs < happened;
}

/** Of the rows a movement at `happened` touches (by sku), those whose count already saw it, with that count's time. */
export function supersededSkus(rows: ReadonlyMap<string, { countedMs: number | null }>, happened: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [sku, row] of rows) {
    const countedMs = movementSuperseded(row, happened);
    if (countedMs !== null) out.set(sku, countedMs);
  }
  return out;
}
