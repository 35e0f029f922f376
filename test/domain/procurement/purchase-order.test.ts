import { describe, expect, it } from 'vitest';
import { INBOUND_STATES, inboundSupply, stockIncreasesOf, transitionPurchaseOrder, type PurchaseOrder, type PurchaseOrderCommand } from '../../../src/domain/procurement/index.js';

const draft: PurchaseOrder = {
  id: 'po-1',
  supplierId: 'SUP-1',
  locationId: 'DC1',
  state: 'recommended',
  lines: [
    { sku: 'A', qty: 10, receivedQty: 0 },
    { sku: 'B', qty: 5, receivedQty: 0 },
  ],
  expectedDate: '2025-06-10',
  plannedDate: '2025-06-10',
  promisedDate: null,
  receivedDate: null,
  expedite: false,
};

function step(po: PurchaseOrder, ...commands: PurchaseOrderCommand[]): PurchaseOrder {
  let cur = po;
  for (const c of commands) {
    const t = transitionPurchaseOrder(cur, c);
    if (!t.ok) throw new Error(`${c.kind} refused in ${t.from}`);
    cur = t.po;
  }
  return cur;
}

const confirm = (expectedDate: string, lines = [{ sku: 'A', qty: 10 }, { sku: 'B', qty: 5 }]): PurchaseOrderCommand => ({
  kind: 'confirmed',
  payload: { poId: 'po-1', supplierId: 'SUP-1', locationId: 'DC1', expectedDate, lines },
});
const receive = (lines: Array<{ sku: string; qty: number }>, final = false): PurchaseOrderCommand => ({
  kind: 'received',
  payload: { poId: 'po-1', locationId: 'DC1', receivedDate: '2025-06-14', lines, final },
});

describe('purchase order states (SPEC §4)', () => {
  it('goes to approval only when something must be approved', () => {
    expect(step(draft, { kind: 'submit', approvalsRequired: 1 }).state).toBe('awaiting_approval');
    expect(step(draft, { kind: 'submit', approvalsRequired: 0 }).state).toBe('placed');
    expect(step(draft, { kind: 'submit', approvalsRequired: 1 }, { kind: 'reject' }).state).toBe('cancelled');
  });

  it('runs placed → confirmed → delayed → received, keeping the first promise for reliability', () => {
    const placed = step(draft, { kind: 'submit', approvalsRequired: 1 }, { kind: 'approve' });
    const confirmed = step(placed, confirm('2025-06-11'));
    expect(confirmed).toMatchObject({ state: 'confirmed', expectedDate: '2025-06-11', promisedDate: '2025-06-11' });
    const delayed = step(confirmed, { kind: 'delayed', payload: { poId: 'po-1', newExpectedDate: '2025-06-15' } });
    expect(delayed).toMatchObject({ state: 'delayed', expectedDate: '2025-06-15', promisedDate: '2025-06-11' });
    const received = step(delayed, receive([{ sku: 'A', qty: 10 }, { sku: 'B', qty: 5 }]));
    expect(received).toMatchObject({ state: 'received', receivedDate: '2025-06-14' });
  });

  it('stays open on a partial receipt, and closes on a final short one', () => {
    const placed = step(draft, { kind: 'submit', approvalsRequired: 0 });
    const partial = step(placed, receive([{ sku: 'A', qty: 4 }]));
    expect(partial.state).toBe('placed');
    expect(inboundSupply([partial], new Map()).map((l) => [l.sku, l.qty])).toEqual([['A', 6], ['B', 5]]);
    expect(step(partial, receive([{ sku: 'A', qty: 1 }], true)).state).toBe('received');
  });

  it('counts a goods receipt once under its receipt number, also when resent after the PO closed', () => {
    const placed = step(draft, { kind: 'submit', approvalsRequired: 0 });
    const gr = (receiptId: string, lines: Array<{ sku: string; qty: number }>): PurchaseOrderCommand => ({ kind: 'received', payload: { poId: 'po-1', locationId: 'DC1', receiptId, receivedDate: '2025-06-14', lines, final: false } });
    const partial = step(placed, gr('GR-1', [{ sku: 'A', qty: 4 }]));
    expect(transitionPurchaseOrder(partial, gr('GR-1', [{ sku: 'A', qty: 4 }]))).toEqual({ ok: false, reason: 'repeated', from: 'placed', command: 'received' });
    const closed = step(partial, gr('GR-2', [{ sku: 'A', qty: 6 }, { sku: 'B', qty: 5 }]));
    expect(closed).toMatchObject({ state: 'received', receiptIds: ['GR-1', 'GR-2'] });
    expect(transitionPurchaseOrder(closed, gr('GR-2', [{ sku: 'A', qty: 6 }, { sku: 'B', qty: 5 }]))).toMatchObject({ ok: false, reason: 'repeated' });
    // Without a number a receipt is always news (the sender gave nothing to tell a resend by).
    expect(step(partial, receive([{ sku: 'A', qty: 4 }])).lines[0]!.receivedQty).toBe(8);
  });

  it('closes a partly received order once the supplier confirms no more than has arrived', () => {
    const placed = step(draft, { kind: 'submit', approvalsRequired: 0 });
    const partial = step(placed, receive([{ sku: 'A', qty: 6 }, { sku: 'B', qty: 5 }]));
    expect(partial).toMatchObject({ state: 'placed', receivedDate: '2025-06-14' });
    // The supplier cuts A to the 6 it shipped: nothing more is coming, the order is complete.
    const cut = step(partial, confirm('2025-06-16', [{ sku: 'A', qty: 6 }, { sku: 'B', qty: 5 }]));
    expect(cut).toMatchObject({ state: 'received', receivedDate: '2025-06-14', lines: [{ sku: 'A', qty: 6, receivedQty: 6 }, { sku: 'B', qty: 5, receivedQty: 5 }] });
    // A confirmation that still leaves something to come keeps it open.
    expect(step(partial, confirm('2025-06-16', [{ sku: 'A', qty: 8 }, { sku: 'B', qty: 5 }])).state).toBe('confirmed');
  });

  it('closes a cancelled order that already delivered part as received (short), one that delivered nothing as cancelled', () => {
    const placed = step(draft, { kind: 'submit', approvalsRequired: 0 });
    expect(step(placed, { kind: 'cancel' }).state).toBe('cancelled');
    const partial = step(placed, receive([{ sku: 'A', qty: 4 }]));
    expect(step(partial, { kind: 'cancel' })).toMatchObject({ state: 'received', receivedDate: '2025-06-14' });
    expect(inboundSupply([step(partial, { kind: 'cancel' })], new Map())).toEqual([]);
  });

  it('takes the supplier’s confirmed quantities', () => {
    const confirmed = step(draft, { kind: 'submit', approvalsRequired: 0 }, confirm('2025-06-11', [{ sku: 'A', qty: 8 }]));
    expect(confirmed.lines).toEqual([{ sku: 'A', qty: 8, receivedQty: 0 }]);
  });

  it('refuses transitions the state does not allow', () => {
    expect(transitionPurchaseOrder(draft, confirm('2025-06-11'))).toEqual({ ok: false, reason: 'invalid_transition', from: 'recommended', command: 'confirmed' });
    const received = step(draft, { kind: 'submit', approvalsRequired: 0 }, receive([{ sku: 'A', qty: 10 }, { sku: 'B', qty: 5 }]));
    expect(transitionPurchaseOrder(received, { kind: 'cancel' }).ok).toBe(false);
    expect(transitionPurchaseOrder(draft, { kind: 'approve' }).ok).toBe(false);
  });

  it('ignores a confirmation the supplier sent before the delay the order already took', () => {
    const placed = step(draft, { kind: 'submit', approvalsRequired: 0 });
    const t0 = Date.parse('2025-06-01T08:00:00Z');
    const confirmed = step(placed, { ...confirm('2025-06-11'), sentMs: t0 } as PurchaseOrderCommand);
    const delayed = step(confirmed, { kind: 'delayed', payload: { poId: 'po-1', newExpectedDate: '2025-06-15' }, sentMs: t0 + 60_000 });
    expect(delayed.supplierSentMs).toBe(t0 + 60_000);
    // The first confirmation resent (its original time): stale, the delay holds.
    expect(transitionPurchaseOrder(delayed, { ...confirm('2025-06-11'), sentMs: t0 } as PurchaseOrderCommand)).toEqual({ ok: false, reason: 'stale', from: 'delayed', command: 'confirmed' });
    // Sent after the delay: news.
    expect(step(delayed, { ...confirm('2025-06-13'), sentMs: t0 + 120_000 } as PurchaseOrderCommand)).toMatchObject({ state: 'confirmed', expectedDate: '2025-06-13', promisedDate: '2025-06-11' });
    // Without a sending time (older callers) a confirmation is taken as news, as before.
    expect(step(delayed, confirm('2025-06-12')).expectedDate).toBe('2025-06-12');
  });

  it('ignores a delay to the date the order is already delayed to', () => {
    const delayed = step(draft, { kind: 'submit', approvalsRequired: 0 }, { kind: 'delayed', payload: { poId: 'po-1', newExpectedDate: '2025-06-15' } });
    expect(transitionPurchaseOrder(delayed, { kind: 'delayed', payload: { poId: 'po-1', newExpectedDate: '2025-06-15', reason: 'again' } })).toMatchObject({ ok: false, reason: 'repeated' });
    expect(step(delayed, { kind: 'delayed', payload: { poId: 'po-1', newExpectedDate: '2025-06-17' } }).expectedDate).toBe('2025-06-17');
  });

  it('moves the dates of an order by the days it waited for its approval', () => {
    const waiting = step(draft, { kind: 'submit', approvalsRequired: 1 });
    expect(step(waiting, { kind: 'approve', waitedDays: 2 })).toMatchObject({ state: 'placed', expectedDate: '2025-06-12', plannedDate: '2025-06-12' });
    expect(step(waiting, { kind: 'approve', waitedDays: 0 })).toMatchObject({ state: 'placed', expectedDate: '2025-06-10' });
    expect(step(waiting, { kind: 'approve' }).expectedDate).toBe('2025-06-10');
  });

  it('counts only committed orders as inbound', () => {
    expect(INBOUND_STATES).toEqual(['placed', 'confirmed', 'delayed']);
    expect(inboundSupply([draft], new Map())).toEqual([]);
  });
});

describe('receipt', () => {
  it('raises on-hand by the received quantities per sku', () => {
    expect(
      stockIncreasesOf({ poId: 'po-1', locationId: 'DC1', receivedDate: '2025-06-14', final: false, lines: [{ sku: 'B', qty: 2 }, { sku: 'A', qty: 1 }, { sku: 'B', qty: 3 }] }),
    ).toEqual([
      { locationId: 'DC1', sku: 'A', qty: 1 },
      { locationId: 'DC1', sku: 'B', qty: 5 },
    ]);
  });
});
