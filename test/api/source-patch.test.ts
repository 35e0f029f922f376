import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { addSource } from '../../src/engine/identity/sources.js';
import { getSource } from '../../src/store/repos/masterdata.js';
import { eventById } from '../../src/store/repos/events.js';

// PATCH /v1/sources/{id}: a JSON merge patch of the record. Its point: changing one member (a status
// map) must not drop the scope (`eventTypes`) or the supplier binding, as a PUT of that member alone does.

const ADMIN = { id: 'test', role: 'admin' };
const SUPPLIER = { name: 'Acme portal', kind: 'supplier' as const, statusMap: { OPEN: 'received', SHIPPED: 'shipped' }, eventTypes: ['po.*', 'supplier.*'], supplierId: 'sup-A' };

const key = () => ({ 'idempotency-key': `k-${randomBytes(6).toString('hex')}` });
const adjust = (source: string) => envelope({ source, type: 'inventory.adjusted', payload: { locationId: 'dc', sku: 'MAT', delta: 1, reason: 'receipt' } });

async function eventsOf(t: TestApp, type: string, id: string): Promise<number> {
  const rows = await t.app.store.read.all<{ payload: string }>(`SELECT payload FROM events WHERE type = ?`, [type]);
  return rows.filter((r) => (JSON.parse(r.payload) as { id: string }).id === id).length;
}

for (const factory of storeFactories()) {
  describe(`PATCH /v1/sources/{id}: ${factory.name}`, { timeout: 60_000 }, () => {
    let t: TestApp;
    const patch = (id: string, body: unknown, headers: Record<string, string> = {}, as: string | null = t.adminKey) => t.api('PATCH', `/v1/sources/${id}`, as, body, headers);

    beforeAll(async () => {
      t = await startTestApp(factory);
    });
    afterAll(async () => t.close());

    it('changes the member given and keeps eventTypes and supplierId (a PUT of the same body drops them)', async () => {
      await addSource(t.app.store, t.app.box, ADMIN, 'acme', SUPPLIER);
      const r = await patch('acme', { statusMap: { SHIPPED: 'in_transit', LATE: 'delayed' } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const want = { id: 'acme', name: 'Acme portal', kind: 'supplier', statusMap: { OPEN: 'received', SHIPPED: 'in_transit', LATE: 'delayed' }, eventTypes: ['po.*', 'supplier.*'], supplierId: 'sup-A' };
      expect(r.body).toEqual({ ...want, eventId: expect.any(String) });
      expect(await getSource(t.app.store.read, 'acme')).toEqual(want);
      expect((await eventById(t.app.store.read, r.body.eventId))?.type).toBe('source.patched');
      // What the route exists for: the same change as a PUT replaces the record.
      await addSource(t.app.store, t.app.box, ADMIN, 'acme-put', SUPPLIER);
      const put = await t.api('PUT', '/v1/sources/acme-put', t.adminKey, { name: 'Acme portal', kind: 'supplier', statusMap: { SHIPPED: 'in_transit' } });
      expect(put.status).toBe(200);
      expect(put.body.eventTypes).toBeUndefined();
      expect(put.body.supplierId).toBeUndefined();
    });

    it('null removes a member: eventTypes (the source may send anything again), supplierId, a status label', async () => {
      await addSource(t.app.store, t.app.box, ADMIN, 'acme-2', SUPPLIER);
      const r = await patch('acme-2', { eventTypes: null, statusMap: { OPEN: null } }, { 'content-type': 'application/merge-patch+json' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(await getSource(t.app.store.read, 'acme-2')).toEqual({ id: 'acme-2', name: 'Acme portal', kind: 'supplier', statusMap: { SHIPPED: 'shipped' }, supplierId: 'sup-A' });
      expect((await patch('acme-2', { supplierId: null })).status).toBe(200);
      expect(await getSource(t.app.store.read, 'acme-2')).toEqual({ id: 'acme-2', name: 'Acme portal', kind: 'supplier', statusMap: { SHIPPED: 'shipped' } });
      // An empty patch changes nothing and is answered with the record.
      const none = await patch('acme-2', {});
      expect(none.status).toBe(200);
      expect(none.body).toMatchObject({ id: 'acme-2', statusMap: { SHIPPED: 'shipped' } });
    });

    it('an unknown source is 404 E_NOT_FOUND: a patch does not create, and nothing is logged', async () => {
      const r = await patch('nobody', { name: 'Nobody', kind: 'web' });
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ code: 'E_NOT_FOUND' });
      expect((await t.api('GET', '/v1/sources/nobody', t.adminKey)).status).toBe(404);
      expect(await eventsOf(t, 'source.patched', 'nobody')).toBe(0);
    });

    it('a patch whose merged record is invalid is 422 E_SCHEMA naming the member; the record stays', async () => {
      await addSource(t.app.store, t.app.box, ADMIN, 'mkt-bad', { name: 'Market', kind: 'marketplace', eventTypes: ['order.*'] });
      const before = await getSource(t.app.store.read, 'mkt-bad');
      const cases: Array<[unknown, string]> = [
        [{ supplierId: 'sup-A' }, 'supplierId'], // only a supplier source is bound
        [{ name: null }, 'name'], // a required member removed
        [{ eventTypes: ['order.placd'] }, 'eventTypes.0'], // not an inbound type
        [{ kind: 'shop' }, 'kind'],
        [{ kind: 'supplier', supplierId: 'sup-A', eventTypes: [] }, 'eventTypes'],
      ];
      for (const [body, path] of cases) {
        const r = await patch('mkt-bad', body);
        expect([r.status, r.body.code], JSON.stringify(r.body)).toEqual([422, 'E_SCHEMA']);
        expect(r.body.errors.map((e: { path: string }) => e.path), JSON.stringify(r.body)).toContain(path);
      }
      // A member the record does not have, and a body that is not an object.
      expect((await patch('mkt-bad', { secret: 'x' })).status).toBe(422);
      expect((await patch('mkt-bad', null)).status).toBe(422);
      expect((await patch('mkt-bad', ['eventTypes'])).status).toBe(422);
      expect(await getSource(t.app.store.read, 'mkt-bad')).toEqual(before);
      expect(await eventsOf(t, 'source.patched', 'mkt-bad')).toBe(0);
    });

    it('401 without a key, 403 for a role that may not change sources (an integrator may); 415 for another media type', async () => {
      await addSource(t.app.store, t.app.box, ADMIN, 'mkt-auth', { name: 'Market', kind: 'marketplace' });
      expect((await patch('mkt-auth', { name: 'X' }, {}, null)).body).toMatchObject({ status: 401, code: 'E_AUTH' });
      const ops = await t.keyFor('operations_manager');
      expect((await patch('mkt-auth', { name: 'X' }, {}, ops)).body).toMatchObject({ status: 403, code: 'E_ROLE' });
      expect((await getSource(t.app.store.read, 'mkt-auth'))?.name).toBe('Market');
      const integrator = await t.keyFor('integrator');
      expect((await patch('mkt-auth', { name: 'Market NL' }, {}, integrator)).status).toBe(200);
      expect((await getSource(t.app.store.read, 'mkt-auth'))?.name).toBe('Market NL');
      const text = await patch('mkt-auth', { name: 'Y' }, { 'content-type': 'text/plain' });
      expect([text.status, text.body.code]).toEqual([415, 'E_UNSUPPORTED_MEDIA_TYPE']);
      // The merge-patch media type is a PATCH's only: a PUT still takes JSON alone.
      const put = await t.api('PUT', '/v1/sources/mkt-auth', t.adminKey, { name: 'Y', kind: 'marketplace' }, { 'content-type': 'application/merge-patch+json' });
      expect([put.status, put.body.code]).toEqual([415, 'E_UNSUPPORTED_MEDIA_TYPE']);
      expect((await getSource(t.app.store.read, 'mkt-auth'))?.name).toBe('Market NL');
    });

    it('a retry with the same Idempotency-Key is answered as the first, even once the record changed; another body under it is 409', async () => {
      await addSource(t.app.store, t.app.box, ADMIN, 'acme-3', SUPPLIER);
      const k = key();
      const first = await patch('acme-3', { supplierId: 'sup-B' }, k);
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      const again = await patch('acme-3', { supplierId: 'sup-B' }, k);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      // The source is no longer a supplier: the patch judged again would be 422; the retry is not judged again.
      expect((await t.api('PUT', '/v1/sources/acme-3', t.adminKey, { name: 'Acme', kind: 'web' })).status).toBe(200);
      const late = await patch('acme-3', { supplierId: 'sup-B' }, k);
      expect(late.status, JSON.stringify(late.body)).toBe(200);
      expect(late.body.eventId).toBe(first.body.eventId);
      expect((await patch('acme-3', { supplierId: 'sup-B' })).status).toBe(422);
      const other = await patch('acme-3', { name: 'Other' }, k);
      expect([other.status, other.body.code]).toEqual([409, 'E_IDEMPOTENCY_MISMATCH']);
      expect(await getSource(t.app.store.read, 'acme-3')).toEqual({ id: 'acme-3', name: 'Acme', kind: 'web', statusMap: {} });
      expect(await eventsOf(t, 'source.patched', 'acme-3')).toBe(1);
    });

    it('the scope is enforced at intake right after a PATCH (this process drops its cache entry), and a patch of another member keeps it', async () => {
      const { secret } = await addSource(t.app.store, t.app.box, ADMIN, 'mkt-scope', { name: 'Market', kind: 'marketplace' });
      const post = () => t.postEvents(adjust('mkt-scope'), { secret });
      // The cached record (2 s) is unscoped: the adjustment is taken in.
      expect((await post()).status).toBe(202);
      expect((await patch('mkt-scope', { eventTypes: ['order.*'] })).status).toBe(200);
      const refused = await post();
      expect(refused.body).toMatchObject({ status: 403, code: 'E_SOURCE_NOT_ALLOWED', source: 'mkt-scope', eventType: 'inventory.adjusted' });
      expect((await patch('mkt-scope', { statusMap: { NEW: 'received' } })).status).toBe(200);
      expect((await post()).status).toBe(403);
      expect((await patch('mkt-scope', { eventTypes: null })).status).toBe(200);
      expect((await post()).status).toBe(202);
    });

    it('a patch the record no longer takes when its turn comes fails whole (dead at once, E_CONFLICT naming the member) and changes nothing', async () => {
      await addSource(t.app.store, t.app.box, ADMIN, 'web-2', { name: 'Web 2', kind: 'web', eventTypes: ['order.*'] });
      // As if the route had judged it against a supplier record that changed since.
      const taken = await t.app.intake.submit(
        { source: 'api', sourceEventId: 'race-1', type: 'source.patched', occurredAt: new Date().toISOString(), payload: { id: 'web-2', patch: { supplierId: 'sup-A', eventTypes: null } } },
        { actor: 'root', actorRole: 'admin' },
      );
      if (!taken.ok) throw taken.error;
      const id = taken.eventId;
      for (let i = 0; ; i++) {
        const e = await eventById(t.app.store.read, id);
        if (e?.status === 'dead') {
          expect(e.lastError).toMatch(/^E_CONFLICT.*supplierId/);
          expect(e.attempts).toBe(1);
          break;
        }
        if (i > 1000) throw new Error(`still ${e?.status}`);
        await new Promise((res) => setTimeout(res, 10));
      }
      expect(await getSource(t.app.store.read, 'web-2')).toEqual({ id: 'web-2', name: 'Web 2', kind: 'web', statusMap: {}, eventTypes: ['order.*'] });
    });

    it('no source may patch a source record through /v1/events (as no source may upsert one): dead, E_ROLE', async () => {
      const { secret } = await addSource(t.app.store, t.app.box, ADMIN, 'sneaky', { name: 'Sneaky', kind: 'erp', eventTypes: ['order.*'] });
      const r = await t.postEvents(envelope({ source: 'sneaky', type: 'source.patched', payload: { id: 'sneaky', patch: { eventTypes: null } } }), { secret });
      // Its scope does not list source.patched: refused at intake already.
      expect(r.body).toMatchObject({ status: 403, code: 'E_SOURCE_NOT_ALLOWED' });
      const { secret: web } = await addSource(t.app.store, t.app.box, ADMIN, 'web-open', { name: 'Open', kind: 'web' });
      const open = await t.postEvents(envelope({ source: 'web-open', type: 'source.patched', payload: { id: 'sneaky', patch: { eventTypes: null } } }), { secret: web });
      expect(open.status, JSON.stringify(open.body)).toBe(202);
      for (let i = 0; ; i++) {
        const e = await eventById(t.app.store.read, open.body.eventId);
        if (e?.status === 'dead') {
          expect(e.lastError).toMatch(/^E_ROLE/);
          break;
        }
        if (i > 1000) throw new Error(`still ${e?.status}`);
        await new Promise((res) => setTimeout(res, 10));
      }
      expect((await getSource(t.app.store.read, 'sneaky'))?.eventTypes).toEqual(['order.*']);
    });

    it('the OpenAPI document: PUT says it removes what is left out and points to PATCH; PATCH takes a merge patch', async () => {
      const doc = (await t.api('GET', '/openapi.json', null)).body;
      expect(doc.paths['/v1/sources/{id}'].put.summary).toMatch(/left out is removed.*PATCH/s);
      const op = doc.paths['/v1/sources/{id}'].patch;
      expect(Object.keys(op.requestBody.content)).toEqual(['application/merge-patch+json', 'application/json']);
      expect(op.responses).toHaveProperty('404');
      expect(op['x-roles']).toEqual(['admin', 'integrator']);
    });
  });

  describe(`PATCH /v1/sources/{id}, two at once: ${factory.name}`, { timeout: 60_000 }, () => {
    let t: TestApp;
    beforeAll(async () => {
      // No dispatcher until both patches are in the log: both routes read the record before either is applied.
      t = await startTestApp(factory, { dispatcher: false });
    });
    afterAll(async () => t.close());

    it('patches of different members sent together both land (each is merged into the record as the handler finds it)', async () => {
      await addSource(t.app.store, t.app.box, ADMIN, 'acme', SUPPLIER);
      const a = t.api('PATCH', '/v1/sources/acme', t.adminKey, { statusMap: { LATE: 'delayed' } });
      const b = t.api('PATCH', '/v1/sources/acme', t.adminKey, { name: 'Acme NL' });
      for (let i = 0; ; i++) {
        const n = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE subject = 'source:acme' AND status = 'pending'`);
        if (Number(n?.n) === 2) break;
        if (i > 500) throw new Error('the patches did not reach the log');
        await new Promise((res) => setTimeout(res, 10));
      }
      t.app.startWorkers();
      const [ra, rb] = await Promise.all([a, b]);
      expect([ra.status, rb.status], JSON.stringify([ra.body, rb.body])).toEqual([200, 200]);
      expect(await getSource(t.app.store.read, 'acme')).toEqual({
        id: 'acme', name: 'Acme NL', kind: 'supplier', statusMap: { OPEN: 'received', SHIPPED: 'shipped', LATE: 'delayed' }, eventTypes: ['po.*', 'supplier.*'], supplierId: 'sup-A',
      });
    });

  });
}
