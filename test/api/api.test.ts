import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { problemOf } from '../../src/api/problem.js';
import { DomainError } from '../../src/domain/errors.js';

for (const factory of storeFactories()) {
  describe(`HTTP API: ${factory.name}`, () => {
    let t: TestApp;
    let finance: string;
    let ops: string;
    beforeAll(async () => {
      t = await startTestApp(factory);
      finance = await t.keyFor('finance');
      ops = await t.keyFor('operations_manager');
    });
    afterAll(async () => t.close());

    it('every endpoint but health, metrics and openapi needs a key: 401 E_AUTH', async () => {
      for (const path of ['/v1/products', '/v1/stock', '/v1/audit/verify', '/v1/events/x', '/v1/locations']) {
        const r = await t.api('GET', path, null);
        expect(r.status, path).toBe(401);
        expect(r.body.code).toBe('E_AUTH');
        expect(r.headers.get('content-type')).toContain('application/problem+json');
      }
      expect((await t.api('GET', '/v1/products', 'oo_not-a-key')).status).toBe(401);
      expect((await t.api('GET', '/healthz', null)).status).toBe(200);
    });

    it('the wrong role gets 403 E_ROLE and nothing changes', async () => {
      const r = await t.api('PUT', '/v1/products/SKU-9', finance, { name: 'Tent', category: 'outdoor', price: 100, cost: 40 });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('E_ROLE');
      expect((await t.api('GET', '/v1/products/SKU-9', finance)).status).toBe(404);
    });

    it('PUT then GET a product, location and source; the change is audited with the user', async () => {
      const p = await t.api('PUT', '/v1/products/SKU-1', ops, { name: 'Tent 2p', category: 'outdoor', price: 199, cost: 80, supplierIds: ['sup-1'] });
      expect(p.status).toBe(200);
      expect(p.body).toMatchObject({ sku: 'SKU-1', name: 'Tent 2p', returnable: true });
      expect((await t.api('GET', '/v1/products/SKU-1', finance)).body).toMatchObject({ sku: 'SKU-1', price: 199 });
      const l = await t.api('PUT', '/v1/locations/store-ams', ops, { name: 'Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'pickup'], dailyCapacity: 200 });
      expect(l.status).toBe(200);
      expect(l.body).toMatchObject({ id: 'store-ams', kind: 'store', cutoff: '17:00' });
      const s = await t.api('PUT', '/v1/sources/mkt-a', t.adminKey, { name: 'Marketplace A', kind: 'marketplace', statusMap: { Shipped: 'shipped' } });
      expect(s.status).toBe(200);
      const audit = await t.api('GET', '/v1/audit?subject=product:SKU-1', t.adminKey);
      expect(audit.body.items[0]).toMatchObject({ action: 'product.created', role: 'operations_manager' });
      expect(audit.body.items[0].actor).toMatch(/^operations-manager/);
    });

    it('PUT with the same Idempotency-Key twice is one change', async () => {
      const body = { name: 'Lamp', category: 'home', price: 30, cost: 10 };
      const a = await t.api('PUT', '/v1/products/SKU-2', ops, body, { 'idempotency-key': 'k-1' });
      const b = await t.api('PUT', '/v1/products/SKU-2', ops, body, { 'idempotency-key': 'k-1' });
      expect(a.body.eventId).toBe(b.body.eventId);
      const c = await t.api('PUT', '/v1/products/SKU-2', ops, { ...body, price: 31 }, { 'idempotency-key': 'k-1' });
      expect(c.status).toBe(409);
      expect(c.body.code).toBe('E_IDEMPOTENCY_MISMATCH');
    });

    it('invalid bodies name their fields; unknown fields are refused', async () => {
      const r = await t.api('PUT', '/v1/locations/x', ops, { name: 'X', kind: 'moon', lat: 0, lon: 0, colour: 'red' });
      expect(r.status).toBe(422);
      expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['kind']));
    });

    it('stock: a snapshot and an adjustment show up with sellable = on hand − reserved − protected', async () => {
      await t.api('PUT', '/v1/locations/dc-1', ops, { name: 'DC', kind: 'dc', lat: 51.5, lon: 5.1 });
      const snap = await t.postEvents(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc-1', counts: [{ sku: 'SKU-1', onHand: 40, protected: 5 }, { sku: 'SKU-2', onHand: 3 }] } }));
      const adj = await t.postEvents(envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc-1', sku: 'SKU-1', delta: -2, reason: 'damage' } }));
      await t.api('GET', `/v1/events/${snap.body.eventId}?wait=5000`, t.adminKey);
      await t.api('GET', `/v1/events/${adj.body.eventId}?wait=5000`, t.adminKey);
      const s = await t.api('GET', '/v1/stock?location=dc-1', finance);
      expect(s.body.items).toEqual([
        { locationId: 'dc-1', sku: 'SKU-1', onHand: 38, reserved: 0, protected: 5, safetyStock: 0, sellable: 33 },
        { locationId: 'dc-1', sku: 'SKU-2', onHand: 3, reserved: 0, protected: 0, safetyStock: 0, sellable: 3 },
      ]);
      expect((await t.api('GET', '/v1/stock?sku=SKU-2', finance)).body.items).toHaveLength(1);
    });

    it('audit verify answers ok with the count', async () => {
      const r = await t.api('GET', '/v1/audit/verify', t.adminKey);
      expect(r.body).toMatchObject({ ok: true, count: expect.any(Number) });
      expect(r.body.count).toBeGreaterThan(3);
      expect((await t.api('GET', '/v1/audit/verify', finance)).status).toBe(403);
    });

    it('metrics, health and the OpenAPI document', async () => {
      const m = await t.api('GET', '/metrics', null);
      expect(m.body).toContain('omniops_events_received_total');
      expect(m.body).toContain('omniops_backlog_events');
      expect(m.body).toContain('omniops_event_processing_seconds_bucket');
      const o = await t.api('GET', '/openapi.json', null);
      expect(o.body.openapi).toBe('3.1.0');
      expect(o.body.paths['/v1/products/{sku}'].put.requestBody.content['application/json'].schema.properties.price).toBeDefined();
      expect(o.body['x-event-types']['inventory.adjusted'].payload.required).toEqual(expect.arrayContaining(['locationId', 'sku', 'delta', 'reason']));
      expect((await t.api('GET', '/healthz', null)).body).toEqual({ status: 'ok', store: factory.name });
    });

    it("the router's own refusals are problem documents with our codes and do not echo the path", async () => {
      const badUrl = await t.api('GET', '/v1/orders/%zz', t.adminKey);
      expect(badUrl.status).toBe(422);
      expect(badUrl.headers.get('content-type')).toContain('application/problem+json');
      expect(badUrl.body).toMatchObject({ code: 'E_SCHEMA', type: 'urn:omniops:error:E_SCHEMA', title: 'The request does not match the schema', errors: [{ path: 'params' }] });
      const long = 'x'.repeat(101);
      const tooLong = await t.api('GET', `/v1/orders/${long}`, t.adminKey);
      expect(tooLong.status).toBe(422);
      expect(tooLong.headers.get('content-type')).toContain('application/problem+json');
      expect(tooLong.body).toMatchObject({ code: 'E_SCHEMA', errors: [{ path: 'params', message: 'at most 100 characters' }] });
      expect(JSON.stringify(tooLong.body)).not.toContain(long);
    });

    it('every error code has a title of its own', () => {
      for (const code of ['E_UNKNOWN_STATUS', 'E_UNKNOWN_SOURCE', 'E_CONFIG'] as const) expect(problemOf(new DomainError(code, 'x')).title, code).not.toBe(code);
    });

    it('replaying the dead deliveries of a destination nobody knows is 404 E_NOT_FOUND; a registered one is 202', async () => {
      const unknown = await t.api('POST', '/v1/deliveries/replay', t.adminKey, { destination: 'no-such-destination' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('E_NOT_FOUND');
      const put = await t.api('PUT', '/v1/destinations/erp-test', t.adminKey, { url: 'http://127.0.0.1:9/hook', kind: 'webhook', environment: 'test', routes: [{ destination: 'erp:*' }] });
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      const known = await t.api('POST', '/v1/deliveries/replay', t.adminKey, { destination: 'erp-test' });
      expect(known.status).toBe(202);
      expect(known.body).toEqual({ replayed: expect.any(Number), ids: expect.any(Array) });
    });

    it('an unknown route is a problem document, not an HTML page', async () => {
      const r = await t.api('GET', '/v1/nothing-here', t.adminKey);
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('E_NOT_FOUND');
    });
  });
}
