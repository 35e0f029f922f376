import type { ReturnDisposition } from '../ai/labels.js';

/** The return case (SPEC §4): one state that warehouse, finance and service all work from. */
export const RETURN_CASE_STATES = [
  'requested',
  'classified',
  'awaiting_approval',
  'approved',
  'awaiting_item',
  'received',
  'refunded',
  'replaced',
  'claimed',
  'closed',
  'rejected',
] as const;
export type ReturnCaseState = (typeof RETURN_CASE_STATES)[number];

export const RETURN_CASE_TRANSITIONS: Readonly<Record<ReturnCaseState, readonly ReturnCaseState[]>> = {
  requested: ['classified', 'rejected'],
  classified: ['awaiting_approval', 'approved', 'rejected'],
  awaiting_approval: ['approved', 'rejected'],
  approved: ['awaiting_item', 'refunded', 'replaced', 'claimed', 'rejected'],
  awaiting_item: ['received', 'rejected'],
  received: ['refunded', 'rejected', 'closed'],
  refunded: ['closed'],
  replaced: ['closed'],
  claimed: ['closed'],
  closed: [],
  rejected: [],
};

export function canMoveCase(from: ReturnCaseState, to: ReturnCaseState): boolean {
  return RETURN_CASE_TRANSITIONS[from].includes(to);
}

export const ITEM_CONDITIONS = ['resellable', 'damaged', 'defective'] as const;
export type ItemCondition = (typeof ITEM_CONDITIONS)[number];

/** What carrying out an approved disposition means for the case. */
export type DispositionStep = 'refund_now' | 'await_item' | 'ship_replacement' | 'claim_from_supplier' | 'reject';

export function stepFor(disposition: ReturnDisposition): DispositionStep {
  switch (disposition) {
    case 'refund_without_return':
      return 'refund_now';
    case 'inspection_required':
      return 'await_item';
    case 'replacement_shipment':
      return 'ship_replacement';
    case 'supplier_claim':
      return 'claim_from_supplier';
    case 'reject':
      return 'reject';
  }
}

/** Only resellable items go back on the shelf; damaged and defective ones do not count as stock. */
export function restocks(condition: ItemCondition): boolean {
  return condition === 'resellable';
}

/**
 * When the order was delivered: the moment its last fulfilment reached `delivered` (the order's
 * history records the step to `delivered`; a later return step does not move it).
 */
export function deliveredAtFromHistory(history: ReadonlyArray<{ at: number; to: string }>): number | null {
  let at: number | null = null;
  for (const h of history) if (h.to === 'delivered') at = h.at;
  return at;
}

/**
 * When a return's window starts: the order's delivery when it was delivered as a whole (as before),
 * else the arrival of its last delivered parcel. A split order whose other parcel was lost never
 * becomes `delivered`, yet what did arrive must be returnable within the window; which units may come
 * back is counted per line from the delivered parcels (eligibility), not from the order's state.
 */
export function returnWindowStart(history: ReadonlyArray<{ at: number; to: string }>, lastParcelDeliveredAt: number | null): number | null {
  return deliveredAtFromHistory(history) ?? lastParcelDeliveredAt;
}

/** What other return cases already hold of one order line: units, and the cents they refund for them. */
export interface HeldOfLine {
  readonly units: number;
  readonly cents: number;
}

/**
 * What the customer paid for `qty` more units of an order line, given what other cases already hold
 * of it. The line's paid total (price × quantity − the line's own discount) is shared out in whole
 * cents, cumulatively: the first n units are worth round(total × n / quantity), and a new case gets
 * that for everything held after it, less what the other cases already refund. So however the line
 * comes back — at once, a unit at a time, with cases rejected in between — its refunds add up to what
 * was paid for it and never more. (A discounted unit price rounded per unit, 3 × 6.67 for a line of
 * 20.00, refunded a cent more than was paid.) Never below zero.
 */
export function paidForUnits(line: { qty: number; unitPrice: number; discount?: number }, held: HeldOfLine, qty: number): number {
  const paidCents = Math.max(0, Math.round(line.unitPrice * line.qty * 100) - Math.round((line.discount ?? 0) * 100));
  const upTo = (units: number) => Math.round((paidCents * Math.min(Math.max(units, 0), line.qty)) / line.qty);
  return Math.max(0, upTo(held.units + qty) - held.cents) / 100;
}

/** A return line's refund in cents: its amount (see paidForUnits; lines of older cases: quantity × unit price). */
function lineCents(l: { qty: number; unitPrice: number; amount?: number }): number {
  return Math.round((l.amount ?? l.qty * l.unitPrice) * 100);
}

/** The refund for a set of returned lines: each line's amount in cents, summed, so the refund is exactly the sum of its lines. */
export function refundAmount(lines: ReadonlyArray<{ qty: number; unitPrice: number; amount?: number }>): number {
  return lines.reduce((cents, l) => cents + lineCents(l), 0) / 100;
}

/**
 * What a return case holds of each order line, so that no later case asks it back again. A case
 * holds all its lines while the goods may still come back or were settled without them; once the
 * warehouse recorded a receipt, only what arrived (what the customer kept may be returned later in a
 * case of its own, which was otherwise refused for ever); a rejected case only what was received
 * (those goods are back with us, refunded or not).
 */
export function heldByCase(c: {
  state: ReturnCaseState;
  lines: ReadonlyArray<{ lineId: string; qty: number; unitPrice: number; amount?: number; receivedAt?: number }>;
}): Map<string, HeldOfLine> {
  const receiptRecorded = c.lines.some((l) => l.receivedAt !== undefined);
  const held = new Map<string, HeldOfLine>();
  for (const l of c.lines) {
    if ((receiptRecorded || c.state === 'rejected') && l.receivedAt === undefined) continue;
    const before = held.get(l.lineId) ?? { units: 0, cents: 0 };
    held.set(l.lineId, { units: before.units + l.qty, cents: before.cents + lineCents(l) });
  }
  return held;
}
