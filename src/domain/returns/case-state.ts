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

/** The refund for a set of returned lines, rounded to cents. */
export function refundAmount(lines: ReadonlyArray<{ qty: number; unitPrice: number }>): number {
  return Math.round(lines.reduce((s, l) => s + l.qty * l.unitPrice, 0) * 100) / 100;
}
