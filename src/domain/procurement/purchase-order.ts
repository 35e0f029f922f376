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
  /** Day the last goods arrived (the PO became `received`). */
  receivedDate: string | null;
  expedite: boolean;
}

export type PurchaseOrderCommand =
  /** A draft goes out: to approval when anything is required, else straight to the supplier. */
  | { kind: 'submit'; approvalsRequired: number }
  | { kind: 'approve' }
  | { kind: 'reject' }
  | { kind: 'cancel' }
  | { kind: 'confirmed'; payload: PoConfirmedPayload }
  | { kind: 'delayed'; payload: PoDelayedPayload }
  | { kind: 'received'; payload: PoReceivedPayload };

export type PurchaseOrderTransition =
  | { ok: true; po: PurchaseOrder }
  | { ok: false; reason: 'invalid_transition'; from: PurchaseOrderState; command: PurchaseOrderCommand['kind'] };

/** Which commands each state accepts; anything else is refused, never guessed. */
const ALLOWED: Record<PurchaseOrderState, readonly PurchaseOrderCommand['kind'][]> = {
  recommended: ['submit', 'cancel'],
  awaiting_approval: ['approve', 'reject', 'cancel'],
  // A supplier may report a delay or deliver without ever confirming.
  placed: ['confirmed', 'delayed', 'received', 'cancel'],
  confirmed: ['confirmed', 'delayed', 'received', 'cancel'],
  delayed: ['confirmed', 'delayed', 'received', 'cancel'],
  received: [],
  cancelled: [],
};

export function transitionPurchaseOrder(po: PurchaseOrder, command: PurchaseOrderCommand): PurchaseOrderTransition {
  if (!ALLOWED[po.state].includes(command.kind)) return { ok: false, reason: 'invalid_transition', from: po.state, command: command.kind };
  return { ok: true, po: apply(po, command) };
}

function apply(po: PurchaseOrder, command: PurchaseOrderCommand): PurchaseOrder {
  switch (command.kind) {
    case 'submit':
      return { ...po, state: command.approvalsRequired > 0 ? 'awaiting_approval' : 'placed' };
    case 'approve':
      return { ...po, state: 'placed' };
    case 'reject':
    case 'cancel':
      return { ...po, state: 'cancelled' };
    case 'confirmed': {
      const p = command.payload;
      const received = new Map(po.lines.map((l) => [l.sku, l.receivedQty]));
      return {
        ...po,
        state: 'confirmed',
        lines: p.lines.map((l) => ({ sku: l.sku, qty: l.qty, receivedQty: received.get(l.sku) ?? 0 })),
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
  for (const r of p.lines) {
    const line = lines.find((l) => l.sku === r.sku);
    // Goods not on the order are still goods on the shelf; the line records them with nothing ordered.
    if (line) line.receivedQty += r.qty;
    else lines.push({ sku: r.sku, qty: 0, receivedQty: r.qty });
  }
  const complete = p.final || lines.every((l) => l.receivedQty >= l.qty);
  return complete ? { ...po, lines, state: 'received', receivedDate: p.receivedDate } : { ...po, lines };
}

/** Units still to come on a line of an inbound PO. */
export function outstandingQty(line: PurchaseOrderLine): number {
  return Math.max(0, line.qty - line.receivedQty);
}
