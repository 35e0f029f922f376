import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { signBody } from '../../src/domain/security/signature.js';
import { addSource } from '../../src/engine/identity/sources.js';
import { eventsBySubject } from '../../src/store/repos/events.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): the stores are open.
const T0 = Date.parse('2026-11-30T09:00:00Z');
const NEW_STORE = { ...STORE_AMSTERDAM, id: 'store-new', name: 'Store New' };

const sale = (receiptId: string) => ({ receiptId, at: '2026-11-30T09:00:00Z', lines: [{ sku: 'TENT', qty: 1, unitPrice: 120 }] });

/**
 * A till batch for a store whose registration is accepted but not yet processed: the engine
 * dispatches in log order, so the store is processed before the batch's sales, and the batch is taken
 * in (before, it was refused as an unknown store until the registration was processed). The engine
 * is held back (no dispatcher running) until the batch is in; then it runs the log.
 */
for (const factory of storeFactories()) {
  describe(`a till batch for a store still being registered: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    async function start() {
      t = await startTestApp(factory, { dispatcher: false, clock: () => T0, config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20 } } });
    }
    async function till(body: Record<string, unknown>) {
      const raw = JSON.stringify({ currency: 'EUR', country: 'NL', ...body });
      const res = await fetch(`${t.url}/v1/adapters/pos/web`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'omniops-signature': signBody(t.secret, raw, Math.floor(T0 / 1000)) }, body: raw,
      });
      return { status: res.status, body: (await res.json()) as any };
    }
    /** Runs the engine over the log until nothing is pending (retries of failed events included). */
    async function runEngine() {
      for (let round = 0; round < 500; round++) {
        await t.app.dispatcher.runOnce();
        const pending = await count(`SELECT COUNT(*) AS n FROM events WHERE status = 'pending'`);
        if (pending === 0) return;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error('the log did not drain');
    }
    const count = async (sql: string) => Number((await t.app.store.read.get<{ n: number }>(sql))?.n);
    const sales = () => count(`SELECT COUNT(*) AS n FROM events WHERE type = 'order.placed'`);
    const dead = () => count(`SELECT COUNT(*) AS n FROM events WHERE status = 'dead'`);
    const orderOf = async (externalOrderId: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', externalOrderId)}`, t.adminKey)).body;

    it('is taken in and its sales are booked at the store once the registration is processed; a canonical till sale too', async () => {
      await start();
      await t.take(envelope({ type: 'location.upserted', payload: NEW_STORE }));
      await t.take(envelope({ type: 'inventory.snapshot', occurredAt: '2026-11-30T08:00:00Z', payload: { locationId: 'store-new', counts: [{ sku: 'TENT', onHand: 5 }] } }));
      expect(await count(`SELECT COUNT(*) AS n FROM locations WHERE id = 'store-new'`)).toBe(0); // not processed yet

      const r = await till({ storeId: 'store-new', sales: [sale('R-1'), sale('R-2')] });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      expect(r.body.results.map((x: { status: string }) => x.status)).toEqual(['accepted', 'accepted']);
      // The canonical path was never checked at intake and still is not.
      const canonical = await t.postEvents(envelope({
        type: 'order.placed',
        payload: {
          externalOrderId: 'store-new-C-1', customer: { id: 'walk-in:store-new' }, currency: 'EUR',
          lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }],
          shipping: { method: 'pickup', pickupLocationId: 'store-new', address: { country: 'NL' } },
          payment: { status: 'captured', amount: 120, method: 'pos' }, handedOverAt: '2026-11-30T09:00:00Z',
        },
      }));
      expect(canonical.status, JSON.stringify(canonical.body)).toBe(202);

      await runEngine();
      expect(await dead()).toBe(0);
      for (const ext of ['store-new-R-1', 'store-new-R-2', 'store-new-C-1']) {
        const o = await orderOf(ext);
        expect(o.state, ext).toBe('delivered');
        expect(o.fulfilments.map((f: { locationId: string; state: string }) => `${f.locationId}:${f.state}`)).toEqual(['store-new:delivered']);
        // Log order: the store was there when the sale ran, the first time.
        const placed = (await eventsBySubject(t.app.store.read, `order:web:${ext}`)).find((e) => e.type === 'order.placed')!;
        expect([placed.status, placed.attempts]).toEqual(['processed', 1]);
      }
      const shelf = await t.app.store.read.get<{ on_hand: number }>(`SELECT on_hand FROM stock WHERE sku = 'TENT' AND location_id = 'store-new'`);
      expect(shelf?.on_hand).toBe(2);
    });

    it('a waiting registration as a location without a till: refused as not_a_store, nothing taken in', async () => {
      await start();
      await t.take(envelope({ type: 'location.upserted', payload: { ...DC_TILBURG, id: 'dc-new' } }));
      const r = await till({ storeId: 'dc-new', sales: [sale('R-1')] });
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body).toMatchObject({ code: 'E_SCHEMA', reason: 'not_a_store', storeId: 'dc-new', locationKind: 'dc', sourceEventId: 'sale:dc-new:R-1', errors: [{ path: 'storeId' }] });
      expect(await sales()).toBe(0);
    });

    it('the newest waiting registration counts: a store turned into a DC is refused, a DC turned into a store taken in', async () => {
      await start();
      await t.take(envelope({ type: 'location.upserted', payload: NEW_STORE }));
      await t.take(envelope({ type: 'location.upserted', payload: { ...NEW_STORE, kind: 'dc' } }));
      expect((await till({ storeId: 'store-new', sales: [sale('R-1')] })).body).toMatchObject({ reason: 'not_a_store', locationKind: 'dc' });
      await runEngine();
      // Processed, it is a DC; a registration waiting to make it a store again wins over that.
      await t.take(envelope({ type: 'location.upserted', payload: NEW_STORE }));
      const r = await till({ storeId: 'store-new', sales: [sale('R-2')] });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      await runEngine();
      expect(await dead()).toBe(0);
      expect((await orderOf('store-new-R-2')).state).toBe('delivered');
    });

    it('a registration that is refused (a sender who may not send it) does not count, waiting or dead: unknown_location', async () => {
      await start();
      await addSource(t.app.store, t.app.box, { id: 'test', role: 'admin' }, 'mkt', { kind: 'marketplace' });
      await t.take(envelope({ source: 'mkt', type: 'location.upserted', payload: NEW_STORE }));
      const waiting = await till({ storeId: 'store-new', sales: [sale('R-1')] });
      expect(waiting.status, JSON.stringify(waiting.body)).toBe(422);
      expect(waiting.body).toMatchObject({ code: 'E_SCHEMA', reason: 'unknown_location', storeId: 'store-new' });
      await runEngine();
      const upsert = await t.app.store.read.get<{ status: string; last_error: string }>(`SELECT status, last_error FROM events WHERE type = 'location.upserted'`);
      expect(upsert?.status).toBe('dead');
      expect(upsert?.last_error).toContain('E_ROLE');
      const afterDead = await till({ storeId: 'store-new', sales: [sale('R-1')] });
      expect(afterDead.status, JSON.stringify(afterDead.body)).toBe(422);
      expect(afterDead.body).toMatchObject({ reason: 'unknown_location' });
      expect(await sales()).toBe(0);
    });
  });
}
