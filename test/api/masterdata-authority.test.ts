import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { addSource } from '../../src/engine/identity/sources.js';
import { eventById } from '../../src/store/repos/events.js';
import { getLocation, getProduct, getSource } from '../../src/store/repos/masterdata.js';

const DISPATCH = { dispatch: { batchSize: 256, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 10, idlePollMs: 10 } };
const ADMIN = { id: 'test', role: 'admin' };
const PRODUCT = { sku: 'NW-00002', name: 'Tent', category: 'outdoor', price: 100, cost: 70, supplierIds: ['sup-a'] };
const LOCATION = { id: 'store-x', name: 'Store X', kind: 'store', lat: 52, lon: 5 };
const BOL = { id: 'mkt-bol', name: 'bol.com', kind: 'marketplace' as const, statusMap: { OPEN: 'received' } };

for (const factory of storeFactories()) {
  describe(`master data upserts through the event intake: who may send them: ${factory.name}`, { timeout: 60_000 }, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    async function setup() {
      t = await startTestApp(factory, { config: DISPATCH });
      const { secret: bol } = await addSource(t.app.store, t.app.box, ADMIN, BOL.id, BOL);
      const { secret: rev } = await addSource(t.app.store, t.app.box, ADMIN, 'revsrc', { name: 'Rev', kind: 'web' });
      const { secret: erp } = await addSource(t.app.store, t.app.box, ADMIN, 'erp', { name: 'ERP', kind: 'erp' });
      return { bol, rev, erp };
    }

    /** Posts a signed event as `source` and waits for its end: processed, or dead with its error. */
    async function post(source: string, secret: string, type: string, payload: Record<string, unknown>): Promise<{ status: string; error: string | null }> {
      const r = await t.postEvents(envelope({ source, type, payload }), { secret });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      for (let i = 0; i < 1000; i++) {
        const e = await eventById(t.app.store.read, r.body.eventId);
        if (e && (e.status === 'processed' || e.status === 'dead')) {
          // A refusal of the sender is final: dead on its first attempt, not retried.
          if (e.status === 'dead' && e.lastError?.startsWith('E_ROLE')) expect(e.attempts).toBe(1);
          return { status: e.status, error: e.lastError };
        }
        await new Promise((res) => setTimeout(res, 10));
      }
      throw new Error('event did not settle');
    }

    it("a channel cannot change a source's record (another's or its own); the refusal is a dead letter with E_ROLE and changes nothing", async () => {
      const { rev, bol } = await setup();
      const hijack = await post('revsrc', rev, 'source.upserted', { ...BOL, name: 'hijacked', statusMap: { OPEN: 'cancelled' } });
      expect(hijack.status).toBe('dead');
      expect(hijack.error).toMatch(/^E_ROLE: /);
      expect(await getSource(t.app.store.read, 'mkt-bol')).toMatchObject({ name: 'bol.com', statusMap: { OPEN: 'received' } });

      const self = await post('mkt-bol', bol, 'source.upserted', { ...BOL, statusMap: { OPEN: 'cancelled' } });
      expect(self.status).toBe('dead');
      expect(self.error).toMatch(/^E_ROLE: /);
      expect((await getSource(t.app.store.read, 'mkt-bol'))!.statusMap).toEqual({ OPEN: 'received' });
      expect(Number((await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM audit WHERE action = 'source.updated'`))?.n)).toBe(0);

      // Visible where an operator looks: the dead-letter list (and its exception).
      const dead = await t.api('GET', '/v1/events?status=dead', t.adminKey);
      expect(dead.body.items.filter((e: { type: string }) => e.type === 'source.upserted')).toHaveLength(2);

      // The people who connect channels still can, through the API.
      const put = await t.api('PUT', '/v1/sources/mkt-bol', await t.keyFor('integrator'), { name: 'bol.com', kind: 'marketplace', statusMap: { OPEN: 'received', SHIPPED: 'shipped' } });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body.statusMap).toEqual({ OPEN: 'received', SHIPPED: 'shipped' });
    });

    it("products and locations come from the retailer's own systems, not from a marketplace", async () => {
      const { bol, rev, erp } = await setup();
      for (const [type, payload] of [['product.upserted', PRODUCT], ['location.upserted', LOCATION]] as const) {
        const refused = await post('mkt-bol', bol, type, payload);
        expect([refused.status, refused.error?.slice(0, 7)]).toEqual(['dead', 'E_ROLE:']);
      }
      expect(await getProduct(t.app.store.read, PRODUCT.sku)).toBeUndefined();
      expect(await getLocation(t.app.store.read, LOCATION.id)).toBeUndefined();

      expect((await post('erp', erp, 'product.upserted', PRODUCT)).status).toBe('processed');
      expect((await post('revsrc', rev, 'location.upserted', LOCATION)).status).toBe('processed');
      expect((await getProduct(t.app.store.read, PRODUCT.sku))!.price).toBe(100);
      // Once it exists, a marketplace still cannot overwrite it.
      expect((await post('mkt-bol', bol, 'product.upserted', { ...PRODUCT, price: 1, cost: 0 })).status).toBe('dead');
      expect(await getProduct(t.app.store.read, PRODUCT.sku)).toMatchObject({ price: 100, cost: 70 });
    });

    it('supplier terms come from the ERP or procurement, not from the supplier itself', async () => {
      const { erp } = await setup();
      const { secret: vendor } = await addSource(t.app.store, t.app.box, ADMIN, 'sup-a', { name: 'Supplier A', kind: 'supplier' });
      const SUPPLIER = { id: 'sup-a', name: 'Supplier A', leadTimeDays: 5, skus: [{ sku: PRODUCT.sku, unitCost: 70, moq: 1, packSize: 1, primary: true }] };
      const own = await post('sup-a', vendor, 'supplier.upserted', { ...SUPPLIER, skus: [{ ...SUPPLIER.skus[0], unitCost: 99 }] });
      expect([own.status, own.error?.slice(0, 7)]).toEqual(['dead', 'E_ROLE:']);
      expect((await t.api('GET', '/v1/suppliers/sup-a', t.adminKey)).status).toBe(404);
      expect((await post('erp', erp, 'supplier.upserted', SUPPLIER)).status).toBe('processed');
      expect((await t.api('GET', '/v1/suppliers/sup-a', t.adminKey)).body.skus[0].unitCost).toBe(70);
    });

    it('a role set on the event is judged by the same table as the REST routes', async () => {
      await setup();
      const submit = async (type: string, payload: Record<string, unknown>, role: string) => {
        const r = await t.app.intake.submit({ source: 'api', sourceEventId: `${role}-${type}`, type, occurredAt: new Date().toISOString(), payload }, { actor: `${role}-1`, actorRole: role });
        if (!r.ok) throw r.error;
        for (let i = 0; i < 1000; i++) {
          const e = await eventById(t.app.store.read, r.eventId);
          if (e && (e.status === 'processed' || e.status === 'dead')) return e.status;
          await new Promise((res) => setTimeout(res, 10));
        }
        throw new Error('event did not settle');
      };
      expect(await submit('source.upserted', { ...BOL, name: 'by ops' }, 'operations_manager')).toBe('dead');
      expect(await submit('location.upserted', LOCATION, 'category_manager')).toBe('dead');
      expect(await submit('product.upserted', PRODUCT, 'warehouse')).toBe('dead');
      expect(await getSource(t.app.store.read, 'mkt-bol')).toMatchObject({ name: 'bol.com' });
      expect(await getLocation(t.app.store.read, LOCATION.id)).toBeUndefined();
      expect(await getProduct(t.app.store.read, PRODUCT.sku)).toBeUndefined();

      expect(await submit('product.upserted', PRODUCT, 'category_manager')).toBe('processed');
      expect(await submit('location.upserted', LOCATION, 'operations_manager')).toBe('processed');
      expect(await submit('source.upserted', { ...BOL, name: 'bol' }, 'integrator')).toBe('processed');
      expect((await getSource(t.app.store.read, 'mkt-bol'))!.name).toBe('bol');

      // And the REST routes themselves still work for their roles.
      const put = await t.api('PUT', `/v1/products/${PRODUCT.sku}`, await t.keyFor('category_manager'), { ...PRODUCT, sku: undefined, price: 110 });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body.price).toBe(110);
    });
  });
}
