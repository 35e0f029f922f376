import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { DC_TILBURG, startShop, webOrder } from '../support/shop.js';
import { signBody } from '../../src/domain/security/signature.js';
import { addSource } from '../../src/engine/identity/sources.js';
import { getStock } from '../../src/store/repos/stock.js';
import { insertSupplierClaim } from '../../src/store/repos/returns.js';

const ADMIN = { id: 'test', role: 'admin' };

async function logged(t: TestApp, source: string, sourceEventId: string): Promise<number> {
  return Number((await t.app.store.read.get<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE source = ? AND source_event_id = ?', [source, sourceEventId]))?.n);
}

for (const factory of storeFactories()) {
  describe(`source scopes at intake: ${factory.name}`, () => {
    let t: TestApp;
    const secrets: Record<string, string> = {};
    /** An envelope from `source`, signed with its secret. */
    const postAs = (source: string, body: Record<string, unknown>) =>
      t.postEvents(Array.isArray(body.events) ? { events: (body.events as Array<Record<string, unknown>>).map((e) => ({ ...e, source })) } : { ...body, source }, { secret: secrets[source] });

    beforeAll(async () => {
      t = await startShop(factory, Date.now, [DC_TILBURG], { dc: [{ sku: 'MAT', onHand: 5 }] });
      secrets.mkt = (await addSource(t.app.store, t.app.box, ADMIN, 'mkt', { kind: 'marketplace', eventTypes: ['order.*', 'payment.*'] })).secret;
      secrets['sup-a'] = (await addSource(t.app.store, t.app.box, ADMIN, 'sup-a', { kind: 'supplier', supplierId: 'sup-A' })).secret;
      secrets['sup-b'] = (await addSource(t.app.store, t.app.box, ADMIN, 'sup-b', { kind: 'supplier', eventTypes: ['po.*', 'supplier.*'], supplierId: 'sup-B' })).secret;
    });
    afterAll(async () => t.close());

    it('a marketplace limited to order.* and payment.* may not adjust stock: 403 naming type and source, nothing logged, stock unchanged', async () => {
      const adjust = envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc', sku: 'MAT', delta: 40, reason: 'receipt' } });
      const r = await postAs('mkt', adjust);
      expect(r.status, JSON.stringify(r.body)).toBe(403);
      expect(r.body).toMatchObject({ code: 'E_SOURCE_NOT_ALLOWED', status: 403, source: 'mkt', eventType: 'inventory.adjusted' });
      expect(r.body.detail).toContain('inventory.adjusted');
      expect(await logged(t, 'mkt', adjust.sourceEventId as string)).toBe(0);
      await t.drained();
      expect((await getStock(t.app.store.read, 'MAT', 'dc'))?.onHand).toBe(5);
      // Its orders are its job.
      const order = await postAs('mkt', webOrder('mkt-1', [{ sku: 'MAT', qty: 1, unitPrice: 10 }]));
      expect(order.status, JSON.stringify(order.body)).toBe(202);
    });

    it('a batch: the allowed event is taken in, the other rejected with 403 in its place', async () => {
      const order = webOrder('mkt-2', [{ sku: 'MAT', qty: 1, unitPrice: 10 }]);
      const adjust = envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc', sku: 'MAT', delta: 40, reason: 'receipt' } });
      const r = await postAs('mkt', { events: [order, adjust] });
      expect(r.status).toBe(202);
      expect(r.body.results[0]).toEqual({ eventId: expect.any(String), status: 'accepted' });
      expect(r.body.results[1]).toMatchObject({ status: 'rejected', error: { code: 'E_SOURCE_NOT_ALLOWED', status: 403, eventType: 'inventory.adjusted' } });
      expect(await logged(t, 'mkt', order.sourceEventId as string)).toBe(1);
      expect(await logged(t, 'mkt', adjust.sourceEventId as string)).toBe(0);
    });

    it('a source without eventTypes still sends any inbound type', async () => {
      const before = (await getStock(t.app.store.read, 'MAT', 'dc'))!.onHand;
      await t.send(envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc', sku: 'MAT', delta: 1, reason: 'receipt' } }));
      expect((await getStock(t.app.store.read, 'MAT', 'dc'))?.onHand).toBe(before + 1);
    });

    it('registration refuses a type or family that is not inbound (422 naming it), and a supplier binding on another kind', async () => {
      await expect(addSource(t.app.store, t.app.box, ADMIN, 'bad-1', { kind: 'marketplace', eventTypes: ['order.placd'] })).rejects.toMatchObject({ code: 'E_SCHEMA', message: expect.stringContaining('order.placd') });
      const put = (id: string, body: Record<string, unknown>) => t.api('PUT', `/v1/sources/${id}`, t.adminKey, { name: id, ...body });
      for (const eventTypes of [['order.placd'], ['nope.*'], ['po.state_changed']]) {
        const r = await put('bad-2', { kind: 'marketplace', eventTypes });
        expect(r.status).toBe(422);
        expect(r.body).toMatchObject({ code: 'E_SCHEMA', errors: [{ path: 'eventTypes.0', message: expect.stringContaining(eventTypes[0]!) }] });
      }
      const bound = await put('bad-3', { kind: 'marketplace', supplierId: 'sup-A' });
      expect(bound.status).toBe(422);
      expect(bound.body.errors).toEqual([{ path: 'supplierId', message: expect.any(String) }]);
      expect((await t.api('GET', '/v1/sources/bad-2', t.adminKey)).status).toBe(404);
    });

    it('a scope changed with PUT /v1/sources takes effect at once in this process', async () => {
      const mine = await addSource(t.app.store, t.app.box, ADMIN, 'mkt-2', { kind: 'marketplace' });
      secrets['mkt-2'] = mine.secret;
      expect((await postAs('mkt-2', envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc', sku: 'MAT', delta: 1, reason: 'receipt' } }))).status).toBe(202);
      const put = await t.api('PUT', '/v1/sources/mkt-2', t.adminKey, { name: 'mkt-2', kind: 'marketplace', eventTypes: ['order.placed'] });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body).toMatchObject({ id: 'mkt-2', eventTypes: ['order.placed'] });
      expect((await postAs('mkt-2', envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc', sku: 'MAT', delta: 1, reason: 'receipt' } }))).status).toBe(403);
    });

    it("a supplier's source answers its own claims only", async () => {
      await t.app.store.transaction(async (tx) => {
        await insertSupplierClaim(tx, { id: 'claim-a', caseId: 'case-a', supplierId: 'sup-A', amount: 10, createdMs: Date.now(), doc: {} });
        await insertSupplierClaim(tx, { id: 'claim-b', caseId: 'case-b', supplierId: 'sup-B', amount: 10, createdMs: Date.now(), doc: {} });
      });
      const answer = (claimId: string) => envelope({ type: 'supplier.claim_answered', payload: { claimId, outcome: 'rejected', reason: 'not covered' } });
      const other = answer('claim-b');
      const refused = await postAs('sup-a', other);
      expect(refused.status, JSON.stringify(refused.body)).toBe(403);
      expect(refused.body).toMatchObject({ code: 'E_SOURCE_NOT_ALLOWED', source: 'sup-a', eventType: 'supplier.claim_answered' });
      expect(refused.body.detail).toContain('sup-B');
      expect(await logged(t, 'sup-a', other.sourceEventId as string)).toBe(0);
      expect((await postAs('sup-a', answer('claim-unknown'))).status).toBe(403);
      expect((await postAs('sup-a', answer('claim-a'))).status).toBe(202);
    });

    it("a supplier's source may not confirm, delay or receive another supplier's purchase order", async () => {
      const confirm = (poId: string, supplierId: string) => envelope({ type: 'po.confirmed', payload: { poId, supplierId, locationId: 'dc', lines: [{ sku: 'MAT', qty: 10 }], expectedDate: '2030-01-10' } });
      // sup-B's own confirmation creates its order.
      const own = await postAs('sup-b', confirm('po-b', 'sup-B'));
      expect(own.status, JSON.stringify(own.body)).toBe(202);
      await t.settled(own.body.eventId);
      // sup-A: naming itself on sup-B's order, naming sup-B, delaying or receiving it.
      expect((await postAs('sup-a', confirm('po-b', 'sup-A'))).body).toMatchObject({ status: 403, code: 'E_SOURCE_NOT_ALLOWED', eventType: 'po.confirmed' });
      expect((await postAs('sup-a', confirm('po-new', 'sup-B'))).status).toBe(403);
      expect((await postAs('sup-a', envelope({ type: 'po.delayed', payload: { poId: 'po-b', newExpectedDate: '2030-02-01' } }))).status).toBe(403);
      expect((await postAs('sup-a', envelope({ type: 'po.received', payload: { poId: 'po-b', locationId: 'dc', receivedDate: '2030-01-10', lines: [{ sku: 'MAT', qty: 10 }] } }))).status).toBe(403);
      // A delay of an order not known yet is refused; its own order's delay is taken in.
      expect((await postAs('sup-b', envelope({ type: 'po.delayed', payload: { poId: 'po-unknown', newExpectedDate: '2030-02-01' } }))).status).toBe(403);
      expect((await postAs('sup-b', envelope({ type: 'po.delayed', payload: { poId: 'po-b', newExpectedDate: '2030-02-01' } }))).status).toBe(202);
      // sup-B is limited to po.* and supplier.*: no orders.
      expect((await postAs('sup-b', webOrder('sup-1', [{ sku: 'MAT', qty: 1, unitPrice: 1 }]))).body).toMatchObject({ status: 403, eventType: 'order.placed' });
    });

    it('a substitution proposal must name the bound supplier', async () => {
      const propose = (from: string | undefined, to: string) => envelope({ type: 'supplier.substitution_proposed', payload: { requestId: `sub-${from}-${to}`, sku: 'MAT', ...(from ? { fromSupplierId: from } : {}), toSupplierId: to } });
      expect((await postAs('sup-a', propose('sup-B', 'sup-C'))).status).toBe(403);
      expect((await postAs('sup-a', propose('sup-A', 'sup-C'))).status).toBe(202);
    });

    it('an adapter message with an event the source may not send is refused whole', async () => {
      const body = { NotificationType: 'RETURN_CHANGE', NotificationMetadata: { NotificationId: 'n-scope' }, Payload: { ReturnNotification: { ReturnId: 'R1', AmazonOrderId: '902-1', Items: [{ OrderItemId: 'oi-1', Quantity: 1, ReturnReason: 'DEFECTIVE' }] } } };
      const raw = JSON.stringify(body);
      const res = await fetch(`${t.url}/v1/adapters/marketplace/mkt`, { method: 'POST', headers: { 'content-type': 'application/json', 'omniops-signature': signBody(secrets.mkt!, raw, Math.floor(Date.now() / 1000)) }, body: raw });
      const r = await res.json();
      expect(res.status, JSON.stringify(r)).toBe(403);
      expect(r).toMatchObject({ code: 'E_SOURCE_NOT_ALLOWED', source: 'mkt', index: 0 });
      expect(Number((await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE source = 'mkt' AND type NOT LIKE 'order.%'`))?.n)).toBe(0);
    });
  });

  describe(`source scopes cost no statement on the event path: ${factory.name}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(factory, { dispatcher: false });
    });
    afterAll(async () => t.close());

    it('an event from a source with or without eventTypes reads nothing once its record is cached', async () => {
      const limited = await addSource(t.app.store, t.app.box, ADMIN, 'mkt', { kind: 'marketplace', eventTypes: ['order.*'] });
      // Warm both sources' cache entries (secrets and record).
      expect((await t.postEvents(webOrder('warm-1', [{ sku: 'MAT', qty: 1, unitPrice: 1 }]))).status).toBe(202);
      expect((await t.postEvents({ ...webOrder('warm-2', [{ sku: 'MAT', qty: 1, unitPrice: 1 }]), source: 'mkt' }, { secret: limited.secret })).status).toBe(202);
      const read = t.app.store.read;
      const calls = [vi.spyOn(read, 'get'), vi.spyOn(read, 'all'), vi.spyOn(read, 'run')];
      // Every statement but the log's own append (on PostgreSQL the group's INSERT goes through this executor too).
      const statements = () => calls.flatMap((c) => c.mock.calls.map((a) => String(a[0]))).filter((sql) => !/^\s*INSERT INTO events\b/.test(sql)).length;
      try {
        expect((await t.postEvents(webOrder('hot-1', [{ sku: 'MAT', qty: 1, unitPrice: 1 }]))).status).toBe(202);
        expect((await t.postEvents({ ...webOrder('hot-2', [{ sku: 'MAT', qty: 1, unitPrice: 1 }]), source: 'mkt' }, { secret: limited.secret })).status).toBe(202);
        expect((await t.postEvents({ ...envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc', sku: 'MAT', delta: 1, reason: 'receipt' } }), source: 'mkt' }, { secret: limited.secret })).status).toBe(403);
        expect(statements()).toBe(0);
        // The count sees reads: once the entry is dropped, the next event fills it again.
        t.app.sourceSecrets.invalidate('mkt');
        expect((await t.postEvents({ ...webOrder('hot-3', [{ sku: 'MAT', qty: 1, unitPrice: 1 }]), source: 'mkt' }, { secret: limited.secret })).status).toBe(202);
        expect(statements()).toBe(2);
      } finally {
        for (const c of calls) c.mockRestore();
      }
    });
  });
}
