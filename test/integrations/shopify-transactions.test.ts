import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { DC_TILBURG } from '../support/shop.js';
import { eventById } from '../../src/store/repos/events.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

// Shapes as Shopify documents its webhooks (REST Transaction and Refund resources); values our own.
const ORDER_ID = 450789469;
const shopifyOrder = {
  id: ORDER_ID, email: 'jon@example.com', created_at: '2026-11-30T10:00:00+01:00', updated_at: '2026-11-30T10:00:00+01:00', currency: 'EUR',
  financial_status: 'authorized', total_price: '199.00', gateway: 'shopify_payments',
  customer: { id: 207119551, email: 'jon@example.com' },
  line_items: [{ id: 466157049, sku: 'TENT', quantity: 1, price: '199.00', title: 'Tent' }],
  shipping_address: { country_code: 'NL', zip: '1011AB', latitude: 52.37, longitude: 4.9 },
  shipping_lines: [{ code: 'standard', price: '0.00' }],
};
const transaction = (over: Record<string, unknown>) => ({
  id: 389404469, order_id: ORDER_ID, kind: 'capture', gateway: 'shopify_payments', status: 'success', message: null,
  created_at: '2026-11-30T11:00:00+01:00', processed_at: '2026-11-30T11:00:00+01:00', test: false, authorization: 'auth-key',
  location_id: null, user_id: null, parent_id: 801038806, device_id: null, error_code: null, source_name: 'web',
  receipt: {}, amount: '199.00', currency: 'EUR', payment_id: '#1001.2', admin_graphql_api_id: 'gid://shopify/OrderTransaction/389404469',
  ...over,
});
const refund = (transactions: unknown[], over: Record<string, unknown> = {}) => ({
  id: 509562969, order_id: ORDER_ID, created_at: '2026-12-01T10:00:00+01:00', processed_at: '2026-12-01T10:00:00+01:00', note: 'wrong size', user_id: 548380009,
  restock: true, admin_graphql_api_id: 'gid://shopify/Refund/509562969', refund_line_items: [{ id: 104689539, quantity: 1, line_item_id: 466157049, subtotal: 40, total_tax: 0 }],
  transactions, order_adjustments: [], ...over,
});

for (const factory of storeFactories()) {
  describe(`Shopify transactions and refunds: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    async function shopify(topic: string, body: unknown, id: string, secret = t.secret) {
      const raw = JSON.stringify(body);
      const res = await fetch(`${t.url}/v1/adapters/shopify/web`, {
        method: 'POST', body: raw,
        headers: { 'content-type': 'application/json', 'x-shopify-topic': topic, 'x-shopify-webhook-id': id, 'x-shopify-hmac-sha256': createHmac('sha256', secret).update(raw).digest('base64') },
      });
      return { status: res.status, body: (await res.json()) as any };
    }
    const taken = async (r: { body: { results: Array<{ eventId: string }> } }) =>
      Promise.all(r.body.results.map(async (x) => { const e = (await eventById(t.app.store.read, x.eventId))!; return { type: e.type, sourceEventId: e.sourceEventId, payload: e.payload }; }));

    it('order_transactions/create: a successful capture or sale is a capture by id, a refund a channel refund, a void voids its parent, an authorization authorizes', async () => {
      t = await startTestApp(factory);
      const ext = String(ORDER_ID);
      const capture = await shopify('order_transactions/create', transaction({}), 'wh-t1');
      expect(capture.status, JSON.stringify(capture.body)).toBe(202);
      expect(await taken(capture)).toEqual([{ type: 'payment.captured', sourceEventId: 'wh-t1', payload: { externalOrderId: ext, amount: 199, captureId: '389404469', currency: 'EUR' } }]);
      // A redelivery of the same webhook is a duplicate, as for every other topic.
      const again = await shopify('order_transactions/create', transaction({}), 'wh-t1');
      expect([again.status, again.body.results[0].status]).toEqual([200, 'duplicate']);

      const sale = await shopify('order_transactions/create', transaction({ id: 11, kind: 'sale', amount: '59.95', parent_id: null }), 'wh-t2');
      expect((await taken(sale))[0]).toMatchObject({ type: 'payment.captured', payload: { externalOrderId: ext, amount: 59.95, captureId: '11' } });
      const auth = await shopify('order_transactions/create', transaction({ id: 12, kind: 'authorization', parent_id: null }), 'wh-t3');
      expect((await taken(auth))[0]).toMatchObject({ type: 'payment.authorized', payload: { externalOrderId: ext, amount: 199 } });
      const refunded = await shopify('order_transactions/create', transaction({ id: 13, kind: 'refund', amount: '40.00', parent_id: 389404469 }), 'wh-t4');
      expect((await taken(refunded))[0]).toMatchObject({ type: 'payment.refunded', payload: { externalOrderId: ext, amount: 40, currency: 'EUR', refundId: '13' } });
      const voided = await shopify('order_transactions/create', transaction({ id: 14, kind: 'void', amount: '0.00', parent_id: 389404469 }), 'wh-t5');
      expect((await taken(voided))[0]).toMatchObject({ type: 'payment.voided', payload: { externalOrderId: ext, captureId: '389404469' } });
      const orphanVoid = await shopify('order_transactions/create', transaction({ id: 15, kind: 'void', parent_id: null }), 'wh-t5b');
      expect((await taken(orphanVoid))[0]).toEqual({ type: 'payment.voided', sourceEventId: 'wh-t5b', payload: { externalOrderId: ext } });
    });

    it('order_transactions/create: a failed, pending or errored transaction and cash change say nothing new (200); bad input gets stable codes', async () => {
      t = await startTestApp(factory);
      for (const [i, status] of ['failure', 'pending', 'error'].entries()) {
        const r = await shopify('order_transactions/create', transaction({ status }), `wh-n${i}`);
        expect([r.status, r.body.results], status).toEqual([200, []]);
      }
      expect((await shopify('order_transactions/create', transaction({ kind: 'change' }), 'wh-n9')).body.results).toEqual([]);
      const noAmount = await shopify('order_transactions/create', transaction({ kind: 'refund', amount: undefined }), 'wh-b1');
      expect([noAmount.status, noAmount.body.code, noAmount.body.errors]).toEqual([422, 'E_SCHEMA', [{ path: 'amount', message: 'required' }]]);
      const noOrder = await shopify('order_transactions/create', transaction({ order_id: null }), 'wh-b2');
      expect([noOrder.status, noOrder.body.errors[0].path]).toEqual([422, 'order_id']);
      const noStatus = await shopify('order_transactions/create', transaction({ status: undefined }), 'wh-b3');
      expect([noStatus.status, noStatus.body.errors[0].path]).toEqual([422, 'status']);
      const oddKind = await shopify('order_transactions/create', transaction({ kind: 'teleport' }), 'wh-b4');
      expect([oddKind.status, oddKind.body.code]).toEqual([422, 'E_UNKNOWN_STATUS']);
      const badAmount = await shopify('order_transactions/create', transaction({ amount: 'lots' }), 'wh-b5');
      expect([badAmount.status, badAmount.body.errors[0].path]).toEqual([422, 'amount']);
      expect((await shopify('order_transactions/create', transaction({}), 'wh-b6', 'whsec_wrong')).status).toBe(401);
    });

    it('refunds/create: one channel refund per successful refund transaction, its note the reason; nothing for a refund without money', async () => {
      t = await startTestApp(factory);
      const ext = String(ORDER_ID);
      const body = refund([
        transaction({ id: 21, kind: 'refund', amount: '40.00', parent_id: 389404469 }),
        transaction({ id: 22, kind: 'refund', status: 'failure', amount: '10.00', parent_id: 389404469 }),
        transaction({ id: 23, kind: 'refund', amount: '5.50', parent_id: 389404470 }),
      ]);
      const r = await shopify('refunds/create', body, 'wh-r1');
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      expect(await taken(r)).toEqual([
        { type: 'payment.refunded', sourceEventId: 'wh-r1:21', payload: { externalOrderId: ext, amount: 40, currency: 'EUR', refundId: '21', reason: 'wrong size' } },
        { type: 'payment.refunded', sourceEventId: 'wh-r1:23', payload: { externalOrderId: ext, amount: 5.5, currency: 'EUR', refundId: '23', reason: 'wrong size' } },
      ]);
      expect((await shopify('refunds/create', body, 'wh-r1')).status).toBe(200);
      expect((await shopify('refunds/create', refund([]), 'wh-r2')).body.results).toEqual([]);
      const noTransactions = await shopify('refunds/create', refund('x' as never), 'wh-r3');
      expect([noTransactions.status, noTransactions.body.errors[0].path]).toEqual([422, 'transactions']);
      const noId = await shopify('refunds/create', refund([transaction({ id: undefined, kind: 'refund' })]), 'wh-r4');
      expect([noId.status, noId.body.errors[0].path]).toEqual([422, 'transactions[0].id']);
    });

    it('the same refund told by both topics, and the capture by id, end on the order once each', async () => {
      t = await startTestApp(factory, { config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      await t.send(envelope({ type: 'location.upserted', payload: DC_TILBURG }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 5 }] } }));
      expect((await shopify('orders/create', shopifyOrder, 'wh-o1')).status).toBe(202);
      await shopify('order_transactions/create', transaction({}), 'wh-c1');
      await shopify('order_transactions/create', transaction({ id: 31, kind: 'refund', amount: '40.00' }), 'wh-c2');
      await shopify('refunds/create', refund([transaction({ id: 31, kind: 'refund', amount: '40.00' })]), 'wh-c3');
      await t.drained();
      const o = (await t.api('GET', `/v1/orders/${orderIdFor('web', String(ORDER_ID))}`, t.adminKey)).body;
      expect(o.captured).toMatchObject({ amount: 199, captures: [{ captureId: '389404469', amount: 199 }] });
      expect(o.refundedAtChannel).toMatchObject({ amount: 40, refunds: [{ refundId: '31', amount: 40 }] });
      expect(o.state).toBe('allocated');
    });

    it('a shop selling in several currencies: the order in the shop\'s, captures and refunds in the customer\'s weighed at the order\'s rate; another currency is not counted', async () => {
      t = await startTestApp(factory, { config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      await t.send(envelope({ type: 'location.upserted', payload: DC_TILBURG }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 5 }] } }));
      // Shop in EUR, the customer paying in USD: Shopify keeps the order's prices in EUR and adds the *_set figures.
      const usd = (amount: string, eur: string) => ({ shop_money: { amount: eur, currency_code: 'EUR' }, presentment_money: { amount, currency_code: 'USD' } });
      const order = { ...shopifyOrder, presentment_currency: 'USD', total_price_set: usd('214.93', '199.00') };
      const placed = await shopify('orders/create', order, 'wh-m1');
      expect(placed.status, JSON.stringify(placed.body)).toBe(202);
      expect((await taken(placed))[0]!.payload).toMatchObject({ currency: 'EUR', payment: { amount: 199, presentment: { currency: 'USD', amount: 214.93 } } });
      // Partly captured in USD, then a capture in a currency the order does not know.
      await shopify('order_transactions/create', transaction({ amount: '107.46', currency: 'USD' }), 'wh-m2');
      await shopify('order_transactions/create', transaction({ id: 41, amount: '50000', currency: 'JPY' }), 'wh-m3');
      // The customer refunded 21.55 USD in the shop's admin.
      await shopify('refunds/create', refund([transaction({ id: 42, kind: 'refund', amount: '21.55', currency: 'USD' })]), 'wh-m4');
      await t.drained();
      const o = (await t.api('GET', `/v1/orders/${orderIdFor('web', String(ORDER_ID))}`, t.adminKey)).body;
      // 107.46 USD × 199.00 / 214.93 = 99.495… EUR: money in, rounded down; 21.55 USD = 19.952… EUR: money out, rounded up.
      expect(o.captured).toMatchObject({ amount: 99.49, captures: [{ captureId: '389404469', amount: 99.49 }] });
      expect(o.captured.captures).toHaveLength(1);
      expect(o.refundedAtChannel).toMatchObject({ amount: 19.96, refunds: [{ refundId: '42', amount: 19.96, currency: 'EUR' }] });
      // What is left to refund is weighed in EUR, not sent to a person for its currency.
      expect(o.leftToRefund).toMatchObject({ amount: 79.53, boundedBy: { amount: 99.49, by: 'captured' } });
      const history = JSON.stringify(o.history);
      expect(history).toContain('107.46 USD counted as 99.49 EUR at the order\'s rate (214.93 USD = 199 EUR)');
      expect(history).toContain('capture 41 not counted: 50000 JPY is not in the order\'s currency EUR nor in the customer\'s USD');
    });
  });
}
