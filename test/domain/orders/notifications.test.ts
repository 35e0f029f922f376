import { describe, expect, it } from 'vitest';
import { decideCustomerNotifications, type OrderChange } from '../../../src/domain/orders/index.js';
import { ordersPolicy } from './fixtures.js';

const rules = ordersPolicy().notifications;
const change = (over: Partial<OrderChange>): OrderChange => ({
  orderId: 'o-1',
  externalOrderId: 'WEB-1001',
  customer: { id: 'c-1', email: 'ann@example.com' },
  from: 'in_fulfilment',
  to: 'shipped',
  ...over,
});

describe('customer notifications', () => {
  it('queues the template of the new state with the facts', () => {
    const out = decideCustomerNotifications(change({ facts: { carrier: 'dhl', trackingNumber: 'T1' } }), rules);
    expect(out).toEqual([
      {
        templateId: 'order_shipped',
        channel: 'email',
        customerId: 'c-1',
        recipient: 'ann@example.com',
        facts: { carrier: 'dhl', trackingNumber: 'T1', orderId: 'o-1', externalOrderId: 'WEB-1001', state: 'shipped' },
      },
    ]);
  });

  it('tells the customer about a payment hold but never about a fraud review', () => {
    expect(decideCustomerNotifications(change({ from: 'received', to: 'on_hold', holdReason: 'payment' }), rules)[0]?.templateId).toBe('payment_action_needed');
    expect(decideCustomerNotifications(change({ from: 'received', to: 'on_hold', holdReason: 'fraud_review' }), rules)).toEqual([]);
  });

  it('says nothing for internal steps without a template', () => {
    expect(decideCustomerNotifications(change({ from: 'validated', to: 'allocated' }), rules)).toEqual([]);
  });

  it('tells the customer when the promise moves by at least the policy minimum', () => {
    const before = Date.parse('2025-03-12T18:00:00Z');
    const reroute = change({ from: 'allocated', to: 'allocated', promiseBefore: before, promiseAfter: before + 24 * 3_600_000 });
    const out = decideCustomerNotifications(reroute, rules);
    expect(out.map((n) => n.templateId)).toEqual(['promise_date_changed']);
    expect(out[0].facts.shiftMinutes).toBe(1440);
    const small = change({ from: 'allocated', to: 'allocated', promiseBefore: before, promiseAfter: before + 30 * 60_000 });
    expect(decideCustomerNotifications(small, rules)).toEqual([]);
  });

  it('sends both the state message and the promise change for a backorder that moves the date', () => {
    const before = Date.parse('2025-03-12T18:00:00Z');
    const out = decideCustomerNotifications(change({ from: 'allocated', to: 'backordered', promiseBefore: before, promiseAfter: before + 72 * 3_600_000 }), rules);
    expect(out.map((n) => n.templateId)).toEqual(['order_backordered', 'promise_date_changed']);
  });
});
