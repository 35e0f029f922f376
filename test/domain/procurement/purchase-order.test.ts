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
