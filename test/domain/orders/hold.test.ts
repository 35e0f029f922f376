import { describe, expect, it } from 'vitest';
import { decideHold, decideRelease } from '../../../src/domain/orders/hold.js';

const ask = { note: 'customer calls', by: 'sam' };

describe('holding an order by hand (pure)', () => {
  it('holds what has not wholly shipped, with who, why and the decision time', () => {
    for (const state of ['allocated', 'in_fulfilment', 'backordered'] as const) {
      expect(decideHold({ state, holdReason: null }, ask, { now: 42 })).toEqual({ outcome: 'hold', hold: { reason: 'manual', note: 'customer calls', by: 'sam', at: 42 } });
    }
  });

  it('refuses done orders and holds it may not lie on top of; replaces an approval hold', () => {
    for (const state of ['shipped', 'delivered', 'cancelled', 'returned', 'partially_returned', 'exception'] as const) {
      expect(decideHold({ state, holdReason: null }, ask, { now: 1 }).outcome, state).toBe('refused');
    }
    for (const holdReason of ['payment', 'fraud_review', 'manual'] as const) {
      expect(decideHold({ state: 'on_hold', holdReason }, ask, { now: 1 }).outcome, holdReason).toBe('refused');
    }
    expect(decideHold({ state: 'on_hold', holdReason: 'approval' }, ask, { now: 1 }).outcome).toBe('hold');
  });

  it('the same facts give the same decision (replay)', () => {
    const a = decideHold({ state: 'allocated', holdReason: null }, ask, { now: 7 });
    expect(decideHold({ state: 'allocated', holdReason: null }, ask, { now: 7 })).toEqual(a);
  });

  it('releases only a hand hold; a payment no longer accepted ends on a payment hold', () => {
    const accepted = ['authorized', 'captured'];
    expect(decideRelease({ state: 'on_hold', holdReason: 'manual', paymentStatus: 'authorized' }, accepted)).toEqual({ outcome: 'route' });
    expect(decideRelease({ state: 'on_hold', holdReason: 'manual', paymentStatus: 'failed' }, accepted)).toEqual({ outcome: 'payment_hold' });
    for (const holdReason of ['payment', 'fraud_review', 'approval'] as const) {
      expect(decideRelease({ state: 'on_hold', holdReason, paymentStatus: 'authorized' }, accepted).outcome).toBe('refused');
    }
    expect(decideRelease({ state: 'allocated', holdReason: null, paymentStatus: 'authorized' }, accepted).outcome).toBe('refused');
  });
});
