import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM, startShop } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { signBody } from '../../src/domain/security/signature.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): the stores are open.
const T0 = Date.parse('2026-11-30T09:00:00Z');
const DARK_STORE = { id: 'dark-ams', name: 'Dark store Amsterdam', kind: 'dark_store', lat: 52.38, lon: 4.84, capabilities: ['ship', 'same_day'], utcOffsetMinutes: 60 };

const sale = (receiptId: string) => ({ receiptId, at: '2026-11-30T09:00:00Z', lines: [{ sku: 'TENT', qty: 1, unitPrice: 120 }] });
const ret = { receiptId: 'R-9', originalReceiptId: 'R-0', lines: [{ lineId: '1', qty: 1 }], reason: 'wrong size' };

/**
 * A till batch whose store omniops cannot book a till sale at (not registered, or not a store) is
 * refused at intake, whole: before, it was taken in and its sales retried until they were dead-lettered.
 */
for (const factory of storeFactories()) {
  describe(`a till batch at a store omniops does not know: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    async function till(body: Record<string, unknown>, drain = true) {
      const full = { currency: 'EUR', country: 'NL', ...body };
      const raw = JSON.stringify(full);
      const res = await fetch(`${t.url}/v1/adapters/pos/web`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'omniops-signature': signBody(t.secret, raw, Math.floor(T0 / 1000)) }, body: raw,
      });
      const out = { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
      if (drain) await t.drained();
      return out;
    }
    const count = async (sql: string) => Number((await t.app.store.read.get<{ n: number }>(sql))?.n);
    // The scheduler's ticks go on meanwhile; everything else in the log is what the test did.
    const allEvents = () => count(`SELECT COUNT(*) AS n FROM events WHERE source <> 'scheduler'`);
    const deadEvents = () => count(`SELECT COUNT(*) AS n FROM events WHERE status = 'dead'`);

    it('an unknown store: 422 E_SCHEMA naming storeId, the store and the first sale, nothing taken in, nothing dead-lettered; registered, the resend goes in', async () => {
      t = await startShop(factory, () => T0, [DC_TILBURG, STORE_AMSTERDAM], { 'store-ams': [{ sku: 'TENT', onHand: 3 }] });
      const before = await allEvents();

      // A mixed batch (sales and a return) at the unknown store: none of it goes in, not even the return.
      const r = await till({ storeId: 'store-new', sales: [sale('R-1'), sale('R-2')], returns: [ret] }, false);
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.type).toContain('application/problem+json');
      expect(r.body).toMatchObject({
        code: 'E_SCHEMA', reason: 'unknown_location', storeId: 'store-new', index: 0, sourceEventId: 'sale:store-new:R-1',
        errors: [{ path: 'storeId', message: 'no location store-new' }],
      });
      expect(r.body.detail).toContain('store-new');
      expect(r.body.detail).toContain('nothing of this message was taken in');
      expect(await allEvents()).toBe(before);
      expect(await deadEvents()).toBe(0);

      // The store registered (master data first), the same batch resent goes in and is recorded at once.
      await t.send(envelope({ type: 'location.upserted', payload: { ...STORE_AMSTERDAM, id: 'store-new', name: 'Store New' } }));
      const resent = await till({ storeId: 'store-new', sales: [sale('R-1'), sale('R-2')] });
      expect(resent.status, JSON.stringify(resent.body)).toBe(202);
      const o = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'store-new-R-1')}`, t.adminKey)).body;
      expect(o.state).toBe('delivered');
      expect(await deadEvents()).toBe(0);
    });

    it('a location without a till (a DC, a dark store): 422 naming its kind, nothing taken in', async () => {
      t = await startShop(factory, () => T0, [DC_TILBURG, STORE_AMSTERDAM, DARK_STORE], { dc: [{ sku: 'TENT', onHand: 5 }] });
      const before = await allEvents();
      for (const [storeId, kind] of [['dc', 'dc'], ['dark-ams', 'dark_store']] as const) {
        const r = await till({ storeId, sales: [sale('R-1')] });
        expect(r.status, JSON.stringify(r.body)).toBe(422);
        expect(r.body).toMatchObject({ code: 'E_SCHEMA', reason: 'not_a_store', storeId, locationKind: kind, sourceEventId: `sale:${storeId}:R-1`, errors: [{ path: 'storeId' }] });
      }
      expect(await allEvents()).toBe(before);
      const dc = await t.app.store.read.get<{ on_hand: number }>(`SELECT on_hand FROM stock WHERE sku = 'TENT' AND location_id = 'dc'`);
      expect(dc?.on_hand).toBe(5);
    });

    it('a batch at a known store still goes in whole; a returns-only batch is not held to the store check', async () => {
      t = await startShop(factory, () => T0, [DC_TILBURG, STORE_AMSTERDAM], { 'store-ams': [{ sku: 'TENT', onHand: 3 }] });
      const before = await allEvents();
      const ok = await till({ storeId: 'store-ams', sales: [sale('R-1'), sale('R-2')] });
      expect(ok.status, JSON.stringify(ok.body)).toBe(202);
      expect(ok.body.results.map((x: { status: string }) => x.status)).toEqual(['accepted', 'accepted']);
      expect(await allEvents()).toBeGreaterThanOrEqual(before + 2);
      const o = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'store-ams-R-2')}`, t.adminKey)).body;
      expect(o.state).toBe('delivered');
      // A return names the receipt it refers to and books nothing at the store by itself (its original
      // sale, not here, waits for it: not drained).
      const returnsOnly = await till({ storeId: 'store-gone', returns: [ret] }, false);
      expect(returnsOnly.status, JSON.stringify(returnsOnly.body)).toBe(202);
    });
  });
}
