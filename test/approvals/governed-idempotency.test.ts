import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { getStock } from '../../src/store/repos/stock.js';
import { governedRequestById } from '../../src/store/repos/approvals.js';
import type { Role } from '../../src/domain/roles.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');
const DISPATCH = { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 50 };
const DC = { id: 'dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 };

/** The four governed-request routes, each with a caller allowed on it and a body without a requestId. */
const ROUTES: Array<{ url: string; kind: string; role: Role; body: Record<string, unknown>; changed: Record<string, unknown> }> = [
  { url: '/v1/pricing/discounts', kind: 'discount', role: 'operations_manager', body: { sku: 'TENT', discountedPrice: 72 }, changed: { sku: 'TENT', discountedPrice: 71 } },
  { url: '/v1/pricing/price-changes', kind: 'price_change', role: 'category_manager', body: { sku: 'TENT', newPrice: 80 }, changed: { sku: 'TENT', newPrice: 81 } },
  // 2 × cost 70 = 140: below the write-off threshold, so it applies at once (and must apply once).
  { url: '/v1/stock/writeoffs', kind: 'writeoff', role: 'warehouse', body: { sku: 'TENT', locationId: 'dc', qty: 2, reason: 'damaged' }, changed: { sku: 'TENT', locationId: 'dc', qty: 3, reason: 'damaged' } },
  { url: '/v1/products/supplier-substitutions', kind: 'supplier_substitution', role: 'procurement', body: { sku: 'TENT', fromSupplierId: 'sup-a', toSupplierId: 'sup-b' }, changed: { sku: 'TENT', fromSupplierId: 'sup-a', toSupplierId: 'sup-c' } },
];

for (const factory of storeFactories()) {
  describe(`governed requests: retries and reused request ids: ${factory.name}`, { timeout: 60_000 }, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    async function setup() {
      t = await startTestApp(factory, { clock: () => T0, config: DISPATCH });
      await t.send(envelope({ type: 'location.upserted', payload: DC }));
      await t.send(envelope({ type: 'product.upserted', payload: { sku: 'TENT', name: 'Tent', category: 'outdoor', price: 100, cost: 70, supplierIds: ['sup-a'] } }));
      await t.send(envelope({ type: 'product.upserted', payload: { sku: 'STOVE', name: 'Stove', category: 'outdoor', price: 50, cost: 20, supplierIds: ['sup-a'] } }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 40 }] } }));
    }

    const count = async (sql: string, args: unknown[] = []) => Number((await t.app.store.read.get<{ n: number }>(sql, args))?.n);

    it('an identical retry with the same Idempotency-Key is answered as the first was, on every governed route', async () => {
      await setup();
      for (const route of ROUTES) {
        const me = await t.keyFor(route.role);
        const key = { 'idempotency-key': `retry-${route.kind}` };
        const first = await t.api('POST', route.url, me, route.body, key);
        expect(first.status, JSON.stringify(first.body)).toBe(200);
        const again = await t.api('POST', route.url, me, route.body, key);
        expect(again.status, JSON.stringify(again.body)).toBe(200);
        expect(again.body.eventId).toBe(first.body.eventId);
        expect(again.body.request.id).toBe(first.body.request.id);
        expect(again.body.approval?.id ?? null).toBe(first.body.approval?.id ?? null);
        expect(await count('SELECT COUNT(*) AS n FROM governed_requests WHERE kind = ?', [route.kind])).toBe(1);

        // The same key for something else is still refused; another caller's key is their own.
        const changed = await t.api('POST', route.url, me, route.changed, key);
        expect([changed.status, changed.body.code]).toEqual([409, 'E_IDEMPOTENCY_MISMATCH']);
        const other = await t.api('POST', route.url, await t.keyFor(route.role), route.body, key);
        expect(other.status).toBe(200);
        expect(other.body.request.id).not.toBe(first.body.request.id);
      }
      // The write-off was carried out once per request (two requests of 2), never for a retry.
      expect((await getStock(t.app.store.read, 'TENT', 'dc'))!.onHand).toBe(36);
    });

    it('a reused requestId with different content, or from another caller, is refused and changes nothing', async () => {
      await setup();
      const me = await t.keyFor('operations_manager');
      const first = await t.api('POST', '/v1/pricing/discounts', me, { requestId: 'rev-r1', sku: 'TENT', discountedPrice: 72 });
      expect(first.status).toBe(200);
      expect(first.body.request).toMatchObject({ id: 'discount:rev-r1', discountedPrice: 72, state: 'awaiting_approval' });

      for (const body of [{ requestId: 'rev-r1', sku: 'TENT', discountedPrice: 71 }, { requestId: 'rev-r1', sku: 'STOVE', discountedPrice: 72 }, { requestId: 'rev-r1', sku: 'TENT', discountedPrice: 72, reason: 'other' }]) {
        const r = await t.api('POST', '/v1/pricing/discounts', me, body);
        expect([r.status, r.body.code], JSON.stringify(body)).toEqual([409, 'E_IDEMPOTENCY_MISMATCH']);
        expect(r.body.request).toBeUndefined();
      }
      // Someone else's request id: refused, and none of that request is shown.
      const stranger = await t.api('POST', '/v1/pricing/discounts', await t.keyFor('operations_manager'), { requestId: 'rev-r1', sku: 'TENT', discountedPrice: 72 });
      expect([stranger.status, stranger.body.code]).toEqual([409, 'E_IDEMPOTENCY_MISMATCH']);
      expect(JSON.stringify(stranger.body)).not.toContain('awaiting_approval');

      // The same caller, the same content: still the idempotent answer.
      const same = await t.api('POST', '/v1/pricing/discounts', me, { requestId: 'rev-r1', sku: 'TENT', discountedPrice: 72 });
      expect(same.status).toBe(200);
      expect(same.body.request.id).toBe('discount:rev-r1');
      expect(same.body.approval.id).toBe(first.body.approval.id);

      const stored = (await governedRequestById(t.app.store.read, 'discount:rev-r1'))!;
      expect(stored.doc).toMatchObject({ sku: 'TENT', discountedPrice: 72 });
      expect(stored.doc.reason).toBeUndefined();
      expect(await count(`SELECT COUNT(*) AS n FROM approvals`)).toBe(1);
    });

    it('the handler judges the same for a request sent as an event (a channel, or a concurrent API call)', async () => {
      await setup();
      const me = await t.keyFor('operations_manager');
      expect((await t.api('POST', '/v1/pricing/discounts', me, { requestId: 'rev-r2', sku: 'TENT', discountedPrice: 72 })).status).toBe(200);
      // Another sender (the channel `web`) with the same request id and the same content: not theirs.
      await t.send(envelope({ type: 'discount.requested', payload: { requestId: 'rev-r2', sku: 'TENT', discountedPrice: 72 } }));
      // The channel's own request, then its resend under a new event id: the idempotent duplicate.
      await t.send(envelope({ type: 'discount.requested', payload: { requestId: 'web-1', sku: 'TENT', discountedPrice: 90 } }));
      await t.send(envelope({ type: 'discount.requested', payload: { requestId: 'web-1', sku: 'TENT', discountedPrice: 90 } }));
      // ... and with another price: refused.
      await t.send(envelope({ type: 'discount.requested', payload: { requestId: 'web-1', sku: 'TENT', discountedPrice: 60 } }));

      const refusals = await t.app.store.read.all<{ subject: string; detail: string }>(`SELECT subject, detail FROM audit WHERE action = 'discount.request_refused' ORDER BY seq`);
      expect(refusals.map((r) => [r.subject, JSON.parse(r.detail).code, JSON.parse(r.detail).reason])).toEqual([
        ['governed:discount:rev-r2', 'E_IDEMPOTENCY_MISMATCH', 'other_requester'],
        ['governed:discount:web-1', 'E_IDEMPOTENCY_MISMATCH', 'different_content'],
      ]);
      expect(await count(`SELECT COUNT(*) AS n FROM audit WHERE action = 'discount.duplicate_request'`)).toBe(1);
      expect((await governedRequestById(t.app.store.read, 'discount:rev-r2'))!.requestedBy).not.toBe('source:web');
      expect((await governedRequestById(t.app.store.read, 'discount:web-1'))!.doc).toMatchObject({ discountedPrice: 90 });
    });
  });
}
