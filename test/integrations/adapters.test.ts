import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { signBody } from '../../src/domain/security/signature.js';
import { eventById } from '../../src/store/repos/events.js';

const shopifyOrder = {
  id: 820982911946154500, email: 'jon@example.com', created_at: '2026-11-30T10:00:00+01:00', updated_at: '2026-11-30T10:00:00+01:00', currency: 'EUR',
  financial_status: 'authorized', total_price: '199.00', gateway: 'shopify_payments', tags: 'vip', note: null,
  customer: { id: 115310627314723950, email: 'jon@example.com', first_name: 'Jon' },
  line_items: [{ id: 866550311766439000, sku: 'TENT', quantity: 1, price: '199.00', title: 'Tent', vendor: 'x', grams: 2000 }],
  shipping_address: { country_code: 'NL', zip: '1011AB', latitude: 52.37, longitude: 4.9, city: 'Amsterdam' },
  shipping_lines: [{ code: 'standard', price: '0.00' }],
};

for (const factory of storeFactories()) {
  describe(`channel and carrier adapters, n8n: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    async function post(path: string, body: unknown, headers: Record<string, string>) {
      const raw = JSON.stringify(body);
      const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
      return { status: res.status, body: (await res.json()) as any };
    }
    const shopify = (topic: string, body: unknown, id: string, secret = t.secret) => post('/v1/adapters/shopify/web', body, {
      'x-shopify-topic': topic, 'x-shopify-webhook-id': id, 'x-shopify-hmac-sha256': createHmac('sha256', secret).update(JSON.stringify(body)).digest('base64'),
    });
    const signed = (path: string, body: unknown) => post(path, body, { 'omniops-signature': signBody(t.secret, JSON.stringify(body), Math.floor(Date.now() / 1000)) });

    it('Shopify-style webhooks: signed create/update/cancel map to canonical events, deduped by webhook id; bad HMAC 401; missing field 422', async () => {
      t = await startTestApp(factory);
      const created = await shopify('orders/create', shopifyOrder, 'wh-1');
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const e = await eventById(t.app.store.read, created.body.results[0].eventId);
      expect(e).toMatchObject({ type: 'order.placed', source: 'web', sourceEventId: 'wh-1' });
      expect(e!.payload).toMatchObject({ externalOrderId: '820982911946154500', payment: { status: 'authorized', amount: 199 }, lines: [{ sku: 'TENT', qty: 1, unitPrice: 199 }], shipping: { method: 'standard', address: { country: 'NL' } } });
      expect((await shopify('orders/create', shopifyOrder, 'wh-1')).body.results[0].status).toBe('duplicate');
      const paid = await shopify('orders/updated', { ...shopifyOrder, financial_status: 'paid' }, 'wh-2');
      expect(paid.body.results.map((r: { type: string }) => r.type)).toEqual(['payment.captured']);
      expect((await eventById(t.app.store.read, paid.body.results[0].eventId))!.payload).toEqual({ externalOrderId: '820982911946154500', amount: 199 });
      // Partly paid: what was captured is the total less what is still owed, never the whole total;
      // with nothing said of what is owed, no amount (refunds are bounded by it).
      const part = await shopify('orders/updated', { ...shopifyOrder, financial_status: 'partially_paid', total_outstanding: '49.00' }, 'wh-2b');
      expect((await eventById(t.app.store.read, part.body.results[0].eventId))!.payload).toEqual({ externalOrderId: '820982911946154500', amount: 150 });
      const unsaid = await shopify('orders/updated', { ...shopifyOrder, financial_status: 'partially_paid' }, 'wh-2c');
      expect((await eventById(t.app.store.read, unsaid.body.results[0].eventId))!.payload).toEqual({ externalOrderId: '820982911946154500' });
      expect((await shopify('orders/cancelled', { ...shopifyOrder, cancel_reason: 'customer' }, 'wh-3')).body.results[0].type).toBe('order.cancel_requested');
      expect((await shopify('orders/create', shopifyOrder, 'wh-4', 'whsec_wrong')).status).toBe(401);
      expect((await post('/v1/adapters/shopify/web', shopifyOrder, { 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': 'wh-5' })).status).toBe(401);
      const noSku = await shopify('orders/create', { ...shopifyOrder, line_items: [{ id: 1, quantity: 1, price: '1.00' }] }, 'wh-6');
      expect(noSku.status).toBe(422);
      expect(noSku.body.errors).toEqual([{ path: 'line_items[0].sku', message: 'required' }]);
      const odd = await shopify('orders/updated', { ...shopifyOrder, financial_status: 'on_a_boat' }, 'wh-7');
      expect(odd.status).toBe(422);
      expect(odd.body.code).toBe('E_UNKNOWN_STATUS');
    });

    it('marketplace order and return notifications, a POS batch, a carrier tracking webhook', async () => {
      t = await startTestApp(factory);
      const order = {
        NotificationVersion: '1.0', NotificationType: 'ORDER_CHANGE', PayloadVersion: '1.0', EventTime: '2026-11-30T10:00:00Z',
        NotificationMetadata: { ApplicationId: 'amzn1', SubscriptionId: 's', PublishTime: '2026-11-30T10:00:01Z', NotificationId: 'n-1' },
        Payload: { OrderChangeNotification: { SellerId: 'A1', AmazonOrderId: '902-1', OrderChangeType: 'OrderStatusChange', Summary: {
          OrderStatus: 'Unshipped', PurchaseDate: '2026-11-30T09:59:00Z', ShipmentServiceLevelCategory: 'Standard', MarketplaceId: 'A1PA',
          ShippingAddress: { CountryCode: 'DE', PostalCode: '10115' }, OrderItems: [{ OrderItemId: 'oi-1', SellerSKU: 'TENT', QuantityOrdered: 2, ItemPrice: { Amount: 240, CurrencyCode: 'EUR' } }],
        } } },
      };
      const r = await signed('/v1/adapters/marketplace/web', order);
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      expect(r.body.results.map((x: { type: string }) => x.type)).toEqual(['order.placed', 'payment.captured']);
      const placed = await eventById(t.app.store.read, r.body.results[0].eventId);
      expect(placed!.payload).toMatchObject({ externalOrderId: '902-1', lines: [{ lineId: 'oi-1', sku: 'TENT', qty: 2, unitPrice: 120 }], payment: { status: 'captured' } });
      const ret = await signed('/v1/adapters/marketplace/web', { NotificationType: 'RETURN_CHANGE', NotificationMetadata: { NotificationId: 'n-2' }, Payload: { ReturnNotification: { ReturnId: 'R1', AmazonOrderId: '902-1', Items: [{ OrderItemId: 'oi-1', Quantity: 1, ReturnReason: 'DEFECTIVE', CustomerComments: 'stopped working after a day' }] } } });
      expect(ret.body.results[0].type).toBe('return.requested');
      const missing = await signed('/v1/adapters/marketplace/web', { NotificationType: 'ORDER_CHANGE', NotificationMetadata: { NotificationId: 'n-3' }, Payload: { OrderChangeNotification: { Summary: { OrderStatus: 'Pending' } } } });
      expect(missing.status).toBe(422);
      expect(missing.body.errors[0].path).toBe('Payload.OrderChangeNotification.AmazonOrderId');

      // A till's sales are booked at its store: the store is registered first (an unknown one is refused, test/orders/till-unknown-store.test.ts).
      await t.send(envelope({ type: 'location.upserted', payload: { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'pickup'] } }));
      const batch = { storeId: 'store-ams', batchId: 'b1', currency: 'EUR', country: 'NL', register: 3,
        sales: [{ receiptId: '1001', at: '2026-11-30T10:00:00Z', lines: [{ sku: 'TENT', qty: 1, unitPrice: 120 }], tender: 'card' }],
        returns: [{ receiptId: '1002', originalReceiptId: '0999', lines: [{ lineId: '1', qty: 1 }], reason: 'wrong size' }] };
      const pos = await signed('/v1/adapters/pos/web', batch);
      expect(pos.body.results.map((x: { type: string }) => x.type)).toEqual(['order.placed', 'return.requested']);
      expect((await signed('/v1/adapters/pos/web', batch)).status).toBe(200); // a batch resent after a timeout adds nothing

      const inTransit = await signed('/v1/adapters/carrier/web', { carrier: 'postnl', trackingNumber: '3SABC', reference: 'ful-1', status: 'in_transit', occurredAt: '2026-11-30T12:00:00Z', eventId: 'c-1', depot: 'x' });
      expect(inTransit.body.results[0].type).toBe('shipment.in_transit');
      const lost = await signed('/v1/adapters/carrier/web', { carrier: 'postnl', trackingNumber: '3SABC', reference: 'ful-1', status: 'lost', eventId: 'c-2' });
      expect(lost.body.results[0].type).toBe('shipment.exception');
      await new Promise((res) => setTimeout(res, 10));
      for (let i = 0; i < 300 && (await t.app.store.read.all(`SELECT id FROM exceptions WHERE queue = 'shipment_exception'`)).length === 0; i++) await new Promise((res) => setTimeout(res, 10));
      expect(await t.app.store.read.all(`SELECT subject FROM exceptions WHERE queue = 'shipment_exception'`)).toEqual([{ subject: 'fulfilment:ful-1' }]);
      expect((await post('/v1/adapters/carrier/web', { carrier: 'x' }, {})).status).toBe(401);
    });

    it('n8n posts events with a per-source bearer token (same idempotency as signed posts); a wrong token is 401', async () => {
      t = await startTestApp(factory);
      const token = (await t.api('POST', '/v1/sources/web/tokens', t.adminKey, { purpose: 'bearer' })).body.token as string;
      expect((await t.api('POST', '/v1/sources/web/tokens', await t.keyFor('service_agent'), { purpose: 'bearer' })).status).toBe(403);
      // What n8n's HTTP Request node sends: JSON body, header auth, its own execution id as the event id.
      const body = { source: 'web', sourceEventId: 'n8n-exec-42', type: 'location.upserted', occurredAt: new Date().toISOString(), payload: { id: 'store-9', name: 'Store 9', kind: 'store', lat: 52, lon: 5 } };
      const first = await post('/v1/events', body, { authorization: `Bearer ${token}`, 'user-agent': 'n8n' });
      expect(first.status).toBe(202);
      const again = await post('/v1/events', body, { authorization: `Bearer ${token}` });
      expect(again).toMatchObject({ status: 200, body: { eventId: first.body.eventId, status: 'duplicate' } });
      expect((await post('/v1/events', { ...body, sourceEventId: 'n8n-exec-43' }, { authorization: 'Bearer oot_nope' })).status).toBe(401);
      expect((await post('/v1/events', { ...body, source: 'other', sourceEventId: 'n8n-exec-44' }, { authorization: `Bearer ${token}` })).status).toBe(403);
    });
  });
}
