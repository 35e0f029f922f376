import { describe, expect, it } from 'vitest';
import { poConfirmed, poDelayed, poReceived, procurementEventDefinitions, promotionScheduled } from '../../../src/domain/procurement/index.js';

describe('procurement event payloads', () => {
  it('accepts well-formed payloads and derives the purchase order as subject', () => {
    const p = poConfirmed.payload.parse({ poId: 'po-1', supplierId: 'S', locationId: 'DC1', lines: [{ sku: 'A', qty: 3 }], expectedDate: '2025-06-10' });
    expect(poConfirmed.subject(p, { source: 'erp' })).toBe('po:po-1');
    expect(poDelayed.payload.parse({ poId: 'po-1', newExpectedDate: '2025-06-12' }).newExpectedDate).toBe('2025-06-12');
    expect(poReceived.payload.parse({ poId: 'po-1', locationId: 'DC1', receivedDate: '2025-06-12', lines: [{ sku: 'A', qty: 3 }] }).final).toBe(false);
    expect(procurementEventDefinitions.map((d) => d.type)).toEqual(['po.confirmed', 'po.delayed', 'po.received', 'promotion.scheduled']);
  });

  it('rejects instants where a date is expected, zero quantities and unknown fields', () => {
    expect(poDelayed.payload.safeParse({ poId: 'po-1', newExpectedDate: '2025-06-12T10:00:00Z' }).success).toBe(false);
    expect(poReceived.payload.safeParse({ poId: 'po-1', locationId: 'DC1', receivedDate: '2025-06-12', lines: [{ sku: 'A', qty: 0 }] }).success).toBe(false);
    expect(poDelayed.payload.safeParse({ poId: 'po-1', newExpectedDate: '2025-06-12', extra: 1 }).success).toBe(false);
  });

  it('refuses a confirmation that commits to one sku twice (its lines replace the order’s)', () => {
    const twice = poConfirmed.payload.safeParse({ poId: 'po-1', supplierId: 'S', locationId: 'DC1', lines: [{ sku: 'A', qty: 3 }, { sku: 'A', qty: 2 }], expectedDate: '2025-06-10' });
    expect(twice.success).toBe(false);
    expect(twice.error?.issues[0]).toMatchObject({ path: ['lines'], message: 'each sku once' });
  });

  it('requires a promotion window that does not end before it starts, and a positive uplift', () => {
    const promo = { promotionId: 'p', skus: ['A'], uplift: 1.4, from: '2025-06-10', to: '2025-06-10' };
    expect(promotionScheduled.payload.safeParse(promo).success).toBe(true);
    expect(promotionScheduled.payload.safeParse({ ...promo, to: '2025-06-09' }).success).toBe(false);
    expect(promotionScheduled.payload.safeParse({ ...promo, uplift: 0 }).success).toBe(false);
    expect(promotionScheduled.subject(promotionScheduled.payload.parse(promo), { source: 'web' })).toBe('promotion:p');
  });
});
