import { describe, expect, it } from 'vitest';
import { fixedContext } from '../../../src/domain/decision-context.js';
import { orderPlacedPayloadSchema, tillTakes, validateOrder } from '../../../src/domain/orders/index.js';
import { addressKey } from '../../../src/engine/orders/identity.js';
import { NEW_CUSTOMER, NOW, ordersPolicy, placed } from './fixtures.js';

describe('a sale handed over at the till', () => {
  const atTill = { handedOverAt: '2025-03-10T09:59:00Z', shipping: { method: 'pickup' as const, pickupLocationId: 'store-ams', address: { country: 'NL' } } };

  it('is validated without a fraud score, even where a remote order would be held', () => {
    const risky = { lines: [{ lineId: '1', sku: 'TV', qty: 1, unitPrice: 900 }], billing: { country: 'FR' } };
    expect(validateOrder(placed(risky), NEW_CUSTOMER, ordersPolicy(), fixedContext(NOW))).toMatchObject({ outcome: 'on_hold', holdReason: 'fraud_review' });
    expect(validateOrder(placed({ ...risky, ...atTill }), NEW_CUSTOMER, ordersPolicy(), fixedContext(NOW))).toEqual({
      outcome: 'validated', fraud: null, handedOver: true, policyVersion: 'orders-v3', decidedAt: NOW,
    });
  });

  it('must be a pickup at a store', () => {
    const bad = orderPlacedPayloadSchema.safeParse({ ...placed(), handedOverAt: '2025-03-10T09:59:00Z' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['shipping.method']);
    expect(orderPlacedPayloadSchema.safeParse({ ...placed(), ...atTill }).success).toBe(true);
  });

  it('takes per sku what no order has reserved; the rest is short, and a sku the store has no record of is short whole', () => {
    const stock = new Map([['TENT', { onHand: 5, reserved: 3 }], ['MAT', { onHand: 4, reserved: 0 }], ['GONE', { onHand: 1, reserved: 2 }]]);
    expect(tillTakes([{ sku: 'TENT', qty: 1 }, { sku: 'MAT', qty: 2 }, { sku: 'TENT', qty: 2 }, { sku: 'GONE', qty: 1 }, { sku: 'NEW', qty: 1 }], stock)).toEqual([
      { sku: 'TENT', sold: 3, free: 2, taken: 2, short: 1 },
      { sku: 'MAT', sold: 2, free: 4, taken: 2, short: 0 },
      { sku: 'GONE', sold: 1, free: 0, taken: 0, short: 1 },
      { sku: 'NEW', sold: 1, free: 0, taken: 0, short: 1 },
    ]);
  });
});

describe('address key (address velocity)', () => {
  it('a country alone names no place: each such order has a key of its own; a postcode or coordinates are shared', () => {
    expect(addressKey({ country: 'NL' }, 'o1')).not.toBe(addressKey({ country: 'NL' }, 'o2'));
    expect(addressKey({ country: 'NL', postcode: '1011 ab' }, 'o1')).toBe(addressKey({ country: 'nl', postcode: '1011AB' }, 'o2'));
    expect(addressKey({ country: 'NL', lat: 52.3701, lon: 4.9 }, 'o1')).toBe(addressKey({ country: 'NL', lat: 52.3699, lon: 4.9001 }, 'o2'));
  });
});
