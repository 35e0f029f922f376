import { describe, expect, it } from 'vitest';
import { fixedContext } from '../../../src/domain/decision-context.js';
import { assessFraud, decidePaymentUpdate, orderValue, validateOrder } from '../../../src/domain/orders/index.js';
import { NEW_CUSTOMER, NOW, ordersPolicy, placed, regular } from './fixtures.js';

const ctx = () => fixedContext(NOW);
const contribution = (a: ReturnType<typeof assessFraud>, factor: string) => a.factors.find((f) => f.factor === factor)?.contribution;
const worth = (value: number) => [{ lineId: 'l1', sku: 'SKU1', qty: 1, unitPrice: value }];

describe('validateOrder: payment', () => {
  it('holds for payment while the payment is pending or failed', () => {
    for (const status of ['pending', 'failed'] as const) {
      const d = validateOrder(placed({ payment: { status, amount: 100 } }), regular(), ordersPolicy(), ctx());
      expect(d).toMatchObject({ outcome: 'on_hold', holdReason: 'payment', paymentStatus: status, policyVersion: 'orders-v3' });
    }
  });

  it('validates an authorized order from a regular customer, with a zero score explained factor by factor', () => {
    const d = validateOrder(placed(), regular(), ordersPolicy(), ctx());
    expect(d.outcome).toBe('validated');
    expect(d.fraud?.score).toBe(0);
    expect(d.fraud?.factors.map((f) => f.factor)).toEqual([
      'value_vs_history',
      'country_mismatch',
      'customer_velocity',
      'address_velocity',
      'first_order_value',
    ]);
  });
});

describe('fraud score', () => {
  it('holds a first high-value order billed abroad for fraud review', () => {
    const d = validateOrder(placed({ lines: worth(600), billing: { country: 'FR' } }), NEW_CUSTOMER, ordersPolicy(), ctx());
    expect(d.outcome).toBe('on_hold');
    if (d.outcome !== 'on_hold' || d.holdReason !== 'fraud_review') throw new Error('expected a fraud hold');
    expect(d.fraud.score).toBe(0.7);
    expect(contribution(d.fraud, 'first_order_value')).toBe(0.4);
    expect(contribution(d.fraud, 'country_mismatch')).toBe(0.3);
  });

  it('does not hold on one signal alone', () => {
    expect(validateOrder(placed({ lines: worth(600) }), NEW_CUSTOMER, ordersPolicy(), ctx()).outcome).toBe('validated');
    expect(validateOrder(placed({ billing: { country: 'AT' } }), regular(), ordersPolicy(), ctx()).outcome).toBe('validated');
  });

  it('grades the order value against the customer average between ratioStart and ratioFull', () => {
    const p = ordersPolicy().fraud;
    expect(contribution(assessFraud(placed({ lines: worth(200) }), regular(), p), 'value_vs_history')).toBe(0);
    expect(contribution(assessFraud(placed({ lines: worth(350) }), regular(), p), 'value_vs_history')).toBe(0.175);
    expect(contribution(assessFraud(placed({ lines: worth(900) }), regular(), p), 'value_vs_history')).toBe(0.35);
    // One prior order is too little history to call anything unusual.
    expect(contribution(assessFraud(placed({ lines: worth(900) }), regular({ priorOrderCount: 1 }), p), 'value_vs_history')).toBe(0);
  });

  it('counts velocity per customer and per address above the allowed prior orders', () => {
    const p = ordersPolicy().fraud;
    expect(contribution(assessFraud(placed(), regular({ recentOrdersByCustomer: 2 }), p), 'customer_velocity')).toBe(0);
    expect(contribution(assessFraud(placed(), regular({ recentOrdersByCustomer: 3 }), p), 'customer_velocity')).toBe(0.25);
    expect(contribution(assessFraud(placed(), regular({ recentOrdersToAddress: 4 }), p), 'address_velocity')).toBe(0.25);
    const burst = assessFraud(placed({ lines: worth(900), billing: { country: 'NL' } }), regular({ recentOrdersByCustomer: 9, recentOrdersToAddress: 9 }), p);
    expect(burst.score).toBe(1); // capped
    expect(burst.hold).toBe(true);
  });

  it('uses the threshold from the policy', () => {
    const strict = { ...ordersPolicy(), fraud: { ...ordersPolicy().fraud, holdThreshold: 0.3 } };
    expect(validateOrder(placed({ billing: { country: 'AT' } }), regular(), strict, ctx()).outcome).toBe('on_hold');
  });

  it('values the order as Σ qty × price − line discount', () => {
    expect(orderValue([{ qty: 3, unitPrice: 19.99 }, { qty: 1, unitPrice: 10, discount: 2.5 }])).toBe(67.47);
  });
});

describe('payment hold re-checked on payment events', () => {
  const pending = placed({ payment: { status: 'pending', amount: 100 } });

  it('releases a payment hold on capture and validates', () => {
    const first = validateOrder(pending, regular(), ordersPolicy(), ctx());
    expect(first).toMatchObject({ outcome: 'on_hold', holdReason: 'payment' });
    const d = decidePaymentUpdate({ state: 'on_hold', holdReason: 'payment', order: pending }, 'payment.captured', regular(), ordersPolicy(), ctx());
    expect(d.action).toBe('revalidate');
    expect(d.action === 'revalidate' && d.validation.outcome).toBe('validated');
  });

  it('moves from a payment hold to a fraud hold when the cleared order looks fraudulent', () => {
    const risky = placed({ payment: { status: 'pending', amount: 600 }, lines: worth(600), billing: { country: 'FR' } });
    const d = decidePaymentUpdate({ state: 'on_hold', holdReason: 'payment', order: risky }, 'payment.authorized', NEW_CUSTOMER, ordersPolicy(), ctx());
    expect(d.action === 'revalidate' && d.validation).toMatchObject({ outcome: 'on_hold', holdReason: 'fraud_review' });
  });

  it('holds an allocated order whose payment fails, but not one already shipped', () => {
    const hold = decidePaymentUpdate({ state: 'allocated', order: placed() }, 'payment.failed', regular(), ordersPolicy(), ctx());
    expect(hold).toEqual({ action: 'hold', holdReason: 'payment', paymentStatus: 'failed' });
    const late = decidePaymentUpdate({ state: 'shipped', order: placed() }, 'payment.failed', regular(), ordersPolicy(), ctx());
    expect(late.action).toBe('record_only');
  });

  it('does not re-validate an order under fraud review because its payment was captured', () => {
    const d = decidePaymentUpdate({ state: 'on_hold', holdReason: 'fraud_review', order: placed() }, 'payment.captured', regular(), ordersPolicy(), ctx());
    expect(d.action).toBe('record_only');
  });
});
