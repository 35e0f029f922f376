import { dayNumber, isoDate } from '../replenishment/days.js';
import type { PoConfirmedPayload, PoDelayedPayload, PoReceivedPayload } from './events.js';

/** SPEC §4: recommended → awaiting_approval → placed → confirmed → delayed? → received; cancelled. */
export const PURCHASE_ORDER_STATES = ['recommended', 'awaiting_approval', 'placed', 'confirmed', 'delayed', 'received', 'cancelled'] as const;
export type PurchaseOrderState = (typeof PURCHASE_ORDER_STATES)[number];

/** States in which the goods are committed by the supplier and on their way: they count as inbound. */
export const INBOUND_STATES: readonly PurchaseOrderState[] = ['placed', 'confirmed', 'delayed'];

export interface PurchaseOrderLine {
  sku: string;
  qty: number;
  receivedQty: number;
}

export interface PurchaseOrder {
  id: string;
  supplierId: string;
  locationId: string;
  state: PurchaseOrderState;
  lines: PurchaseOrderLine[];
  /** When the goods are expected now (`YYYY-MM-DD`), after every delay the supplier announced. */
  expectedDate: string;
  /** What omniops expected when it drafted the order (today + lead time). */
  plannedDate: string;
  /** The date the supplier first committed to; supplier reliability is measured against it. */
  promisedDate: string | null;
  /** Day the latest goods arrived (set by every receipt; the day of the last once the PO is `received`). */
  receivedDate: string | null;
  expedite: boolean;
  /**
   * When the supplier sent the confirmation or delay the PO last took (ms, by the supplier's own
   * clock): news sent before it is stale. Absent or null: nothing from the supplier applied yet.
   */
  supplierSentMs?: number | null;
  /** Goods-receipt numbers already taken in (`po.received` receiptId): a resent receipt is not counted twice. */
  receiptIds?: readonly string[];
}

export type PurchaseOrderCommand =
  /** A draft goes out: to approval when anything is required, else straight to the supplier. */
  | { kind: 'submit'; approvalsRequired: number }
  /** The last approval: the order goes out. `waitedDays`: whole days it waited since it was drafted. */
  | { kind: 'approve'; waitedDays?: number }
  | { kind: 'reject' }
  | { kind: 'cancel' }
  /** `sentMs`: when the supplier sent it (the event's occurredAt); absent: taken as news. */
  | { kind: 'confirmed'; payload: PoConfirmedPayload; sentMs?: number }
  | { kind: 'delayed'; payload: PoDelayedPayload; sentMs?: number }
  | { kind: 'received'; payload: PoReceivedPayload };

export type PurchaseOrderTransition =
  | { ok: true; po: PurchaseOrder }
  | { ok: false; reason: 'invalid_transition'; from: PurchaseOrderState; command: PurchaseOrderCommand['kind'] }
  /**
   * Not news, to be ignored (never an error): `stale` — the supplier sent it before the confirmation
   * or delay the PO already took (a resend, or messages overtaking each other); `repeated` — a delay
   * to the date the PO is already delayed to, or a goods receipt already taken in under its number.
   */
  | { ok: false; reason: 'stale' | 'repeated'; from: PurchaseOrderState; command: PurchaseOrderCommand['kind'] };

/** Which commands each state accepts; anything else is refused, never guessed. */
const ALLOWED: Record<PurchaseOrderState, readonly PurchaseOrderCommand['kind'][]> = {
  recommended: ['submit', 'cancel'],
  awaiting_approval: ['approve', 'reject', 'cancel'],
  // A supplier may report a delay or deliver without ever confirming.
  placed: ['confirmed', 'delayed', 'received', 'cancel'],
  confirmed: ['confirmed', 'delayed', 'received', 'cancel'],
  delayed: ['confirmed', 'delayed', 'received', 'cancel'],
  // Goods that come after the order closed (a straggler after a short close, a delivery the supplier
  // sent though it was cancelled) are on the shelf all the same: taken in, the order staying closed.
  received: ['received'],
  cancelled: ['received'],
};

export function transitionPurchaseOrder(po: PurchaseOrder, command: PurchaseOrderCommand): PurchaseOrderTransition {
  // Checked before the state: the resent last receipt of a PO that closed on it is no error either.
  if (command.kind === 'received' && command.payload.receiptId !== undefined && (po.receiptIds ?? []).includes(command.payload.receiptId)) {
    return { ok: false, reason: 'repeated', from: po.state, command: command.kind };
  }
  if (!ALLOWED[po.state].includes(command.kind)) return { ok: false, reason: 'invalid_transition', from: po.state, command: command.kind };
  if (command.kind === 'confirmed' || command.kind === 'delayed') {
    // The supplier's own order of sending decides, not the order its messages reach us in: a
    // resent confirmation must not pull a delayed PO back to its first date.
    const last = po.supplierSentMs ?? null;
    if (command.sentMs !== undefined && last !== null && command.sentMs < last) return { ok: false, reason: 'stale', from: po.state, command: command.kind };
    if (command.kind === 'delayed' && po.state === 'delayed' && po.expectedDate === command.payload.newExpectedDate) return { ok: false, reason: 'repeated', from: po.state, command: command.kind };
    const next = apply(po, command);
    return { ok: true, po: command.sentMs === undefined ? next : { ...next, supplierSentMs: Math.max(last ?? command.sentMs, command.sentMs) } };
  }
  return { ok: true, po: apply(po, command) };
}

function apply(po: PurchaseOrder, command: PurchaseOrderCommand): PurchaseOrder {
  switch (command.kind) {
    case 'submit':
      return { ...po, state: command.approvalsRequired > 0 ? 'awaiting_approval' : 'placed' };
    case 'approve': {
      // The supplier's lead time starts when the order goes out, not when it was drafted: a date
      // from the draft would count the goods as inbound before they can arrive.
      const waited = Math.max(0, Math.floor(command.waitedDays ?? 0));
      if (waited === 0) return { ...po, state: 'placed' };
      return { ...po, state: 'placed', expectedDate: isoDate(dayNumber(po.expectedDate) + waited), plannedDate: isoDate(dayNumber(po.plannedDate) + waited) };
    }
    case 'reject':
      return { ...po, state: 'cancelled' };
    case 'cancel':
      // Cancelling the rest of an order that delivered part closes it short, like a final receipt:
      // what arrived stays a delivery (stock, supplier reliability), what did not is no longer inbound.
      return { ...po, state: anyReceived(po.lines) ? 'received' : 'cancelled' };
    case 'confirmed': {
      const p = command.payload;
      const received = new Map(po.lines.map((l) => [l.sku, l.receivedQty]));
      const lines = p.lines.map((l) => ({ sku: l.sku, qty: l.qty, receivedQty: received.get(l.sku) ?? 0 }));
      return {
        ...po,
        // A confirmation of no more than has arrived leaves nothing to come: the order is complete
        // (no further receipt would ever close it).
        state: anyReceived(lines) && lines.every((l) => l.receivedQty >= l.qty) ? 'received' : 'confirmed',
        lines,
        expectedDate: p.expectedDate,
        // Only the first commitment counts for reliability; a later re-confirmation is a delay in disguise.
        promisedDate: po.promisedDate ?? p.expectedDate,
      };
    }
    case 'delayed':
      return { ...po, state: 'delayed', expectedDate: command.payload.newExpectedDate };
    case 'received':
      return receive(po, command.payload);
  }
}

function receive(po: PurchaseOrder, p: PoReceivedPayload): PurchaseOrder {
  const lines = po.lines.map((l) => ({ ...l }));
  const receiptIds = p.receiptId === undefined ? po.receiptIds : [...(po.receiptIds ?? []), p.receiptId];
  for (const r of p.lines) {
    const line = lines.find((l) => l.sku === r.sku);
    // Goods not on the order are still goods on the shelf; the line records them with nothing ordered.
    if (line) line.receivedQty += r.qty;
    else lines.push({ sku: r.sku, qty: 0, receivedQty: r.qty });
  }
  // A closed order stays closed: what comes after is a discrepancy for procurement, not a reopening.
  if (po.state === 'received' || po.state === 'cancelled') return { ...po, lines, receivedDate: laterOf(po.receivedDate, p.receivedDate), ...(receiptIds === undefined ? {} : { receiptIds }) };
  const complete = p.final || lines.every((l) => l.receivedQty >= l.qty);
  // The latest day goods arrived: a PO that closes later without a receipt (cut by its supplier,
  // the rest cancelled) closes on it.
  const receivedDate = laterOf(po.receivedDate, p.receivedDate);
  const next: PurchaseOrder = { ...po, lines, receivedDate, ...(receiptIds === undefined ? {} : { receiptIds }) };
  return complete ? { ...next, state: 'received' } : next;
}

function laterOf(a: string | null, b: string): string {
  return a !== null && a > b ? a : b;
}

function anyReceived(lines: readonly PurchaseOrderLine[]): boolean {
  return lines.some((l) => l.receivedQty > 0);
}

/** Units still to come on a line of an inbound PO. */
export function outstandingQty(line: PurchaseOrderLine): number {
  return Math.max(0, line.qty - line.receivedQty);
}
