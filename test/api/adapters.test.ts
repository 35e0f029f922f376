import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { signBody } from '../../src/domain/security/signature.js';

/** Hostile or half-valid native payloads at the adapters: a precise refusal, and the log as it was. */
for (const factory of storeFactories()) {
  describe(`adapter refusals: ${factory.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(factory);
    });
    afterAll(async () => t.close());

    async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
      const raw = JSON.stringify(body);
      const res = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'omniops-signature': signBody(t.secret, raw, Math.floor(Date.now() / 1000)), ...headers },
        body: raw,
      });
      return { status: res.status, body: (await res.json()) as any };
    }
    const logged = async (sourceEventId: string) =>
      Number((await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE source = 'web' AND source_event_id = ?`, [sourceEventId]))?.n);
    const webEvents = async () => Number((await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE source = 'web'`))?.n);

    it('a carrier status named like an Object.prototype member is an unmapped label (422 E_UNKNOWN_STATUS), not a crash', async () => {
      for (const status of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        const r = await post('/v1/adapters/carrier/web', { carrier: 'dhl', trackingNumber: 'T1', reference: 'f-1', status, occurredAt: '2026-11-30T10:00:00Z' });
        expect(r.status, `${status}: ${JSON.stringify(r.body)}`).toBe(422);
        expect(r.body).toMatchObject({ code: 'E_UNKNOWN_STATUS', title: 'No mapping for this status label', errors: [{ path: 'status' }] });
      }
    });

    it('a marketplace order status or a Shopify shipping code named like a prototype member: 422 E_UNKNOWN_STATUS', async () => {
      const market = await post('/v1/adapters/marketplace/web', {
        NotificationType: 'ORDER_CHANGE', NotificationMetadata: { NotificationId: 'n-proto' },
        Payload: { OrderChangeNotification: { AmazonOrderId: '902-9', Summary: { OrderStatus: 'valueOf' } } },
      });
      expect(market.status, JSON.stringify(market.body)).toBe(422);
      expect(market.body).toMatchObject({ code: 'E_UNKNOWN_STATUS', errors: [{ path: 'Payload.OrderChangeNotification.Summary.OrderStatus' }] });

      const order = {
        id: 1001, email: 'kim@example.com', created_at: '2026-11-30T10:00:00Z', currency: 'EUR', financial_status: 'paid', total_price: '10.00',
        customer: { id: 7 }, line_items: [{ id: 1, sku: 'TENT', quantity: 1, price: '10.00' }], shipping_address: { country_code: 'NL' },
        shipping_lines: [{ code: 'constructor' }],
      };
      const raw = JSON.stringify(order);
      const shopify = await post('/v1/adapters/shopify/web', order, {
        'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': 'wh-proto', 'x-shopify-hmac-sha256': createHmac('sha256', t.secret).update(raw).digest('base64'),
      });
      expect(shopify.status, JSON.stringify(shopify.body)).toBe(422);
      expect(shopify.body).toMatchObject({ code: 'E_UNKNOWN_STATUS', errors: [{ path: 'shipping_lines[0].code' }] });
    });

    it('a POS batch whose sales or returns is not a list: 422 E_SCHEMA naming the field, nothing taken in', async () => {
      const before = await webEvents();
      const base = { storeId: 'store-ams', currency: 'EUR', country: 'NL' };
      const sale = { receiptId: 's-1', lines: [{ sku: 'TENT', qty: 1, unitPrice: 120 }] };
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ sales: 'x' }, 'sales'],
        [{ sales: { a: 1 } }, 'sales'],
        [{ sales: [sale], returns: 5 }, 'returns'],
        [{ sales: 7, returns: [] }, 'sales'],
      ];
      for (const [shape, path] of cases) {
        const r = await post('/v1/adapters/pos/web', { ...base, ...shape });
        expect(r.status, `${JSON.stringify(shape)}: ${JSON.stringify(r.body)}`).toBe(422);
        expect(r.body).toMatchObject({ code: 'E_SCHEMA', errors: [{ path, message: 'expected an array' }] });
      }
      expect(await webEvents()).toBe(before);
    });

    it('a POS batch is all or nothing: a resent return with a changed reason (409) takes in none of the batch, not even its new sale', async () => {
      const base = { storeId: 'store-utr', currency: 'EUR', country: 'NL' };
      // Till sales are taken in only at a store omniops knows.
      await t.send(envelope({ type: 'location.upserted', payload: { id: 'store-utr', name: 'Store Utrecht', kind: 'store', lat: 52.09, lon: 5.12 } }));
      const ret = { receiptId: 'r-1', originalReceiptId: 's-0', lines: [{ lineId: '1', qty: 1 }], reason: 'wrong size' };
      const first = await post('/v1/adapters/pos/web', { ...base, returns: [ret] });
      expect(first.status, JSON.stringify(first.body)).toBe(202);

      const before = await webEvents();
      const sale = { receiptId: 's-2', at: '2026-11-30T11:00:00Z', lines: [{ sku: 'TENT', qty: 1, unitPrice: 120 }] };
      const changed = await post('/v1/adapters/pos/web', { ...base, sales: [sale], returns: [{ ...ret, reason: 'changed my mind' }] });
      expect(changed.status, JSON.stringify(changed.body)).toBe(409);
      expect(await logged('sale:store-utr:s-2')).toBe(0);
      expect(await webEvents()).toBe(before);
      expect(changed.body).toMatchObject({ code: 'E_IDEMPOTENCY_MISMATCH', sourceEventId: 'return:store-utr:r-1', eventId: first.body.results[0].eventId });

      // The same receipt twice in one batch with different content is refused whole too.
      const twice = await post('/v1/adapters/pos/web', { ...base, sales: [sale, { ...sale, lines: [{ sku: 'TENT', qty: 2, unitPrice: 120 }] }] });
      expect(twice.status, JSON.stringify(twice.body)).toBe(409);
      expect(await logged('sale:store-utr:s-2')).toBe(0);

      // Sent right, the batch goes in: the sale accepted, the return a duplicate of the first.
      const fixed = await post('/v1/adapters/pos/web', { ...base, sales: [sale], returns: [ret] });
      expect(fixed.status, JSON.stringify(fixed.body)).toBe(202);
      expect(fixed.body.results.map((r: { type: string; status: string }) => `${r.type} ${r.status}`)).toEqual(['order.placed accepted', 'return.requested duplicate']);
      expect(fixed.body.results[1].eventId).toBe(first.body.results[0].eventId);
      expect(await logged('sale:store-utr:s-2')).toBe(1);
      // The accepted sale is processed like any other event: the dispatcher was woken.
      await t.settled(fixed.body.results[0].eventId).catch(() => undefined);
      const e = await t.app.store.read.get<{ status: string }>(`SELECT status FROM events WHERE id = ?`, [fixed.body.results[0].eventId]);
      expect(e?.status).not.toBe('pending');
    });
  });
}
