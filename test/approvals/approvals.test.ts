import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { getStock } from '../../src/store/repos/stock.js';
import { getProduct } from '../../src/store/repos/masterdata.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { buildHandlers } from '../../src/engine/handlers/all.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';
import { insertGovernedRequest } from '../../src/store/repos/approvals.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');
const DISPATCH = { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 50 };
const LOCATIONS = [
  { id: 'dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 },
  { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
];

for (const factory of storeFactories()) {
  describe(`approval engine end to end: ${factory.name}`, { timeout: 60_000 }, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup(options: Parameters<typeof startTestApp>[1] = {}) {
      now = T0;
      t = await startTestApp(factory, { clock: () => now, config: DISPATCH, ...options });
      for (const l of LOCATIONS) await t.postEvents(envelope({ type: 'location.upserted', payload: l }));
      await t.postEvents(envelope({ type: 'product.upserted', payload: { sku: 'TENT', name: 'Tent', category: 'outdoor', price: 100, cost: 70, supplierIds: ['sup-a'] } }));
      await t.postEvents(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 40 }] } }));
      await drained();
    }

    async function drained() {
      for (let i = 0; i < 3000; i++) {
        const r = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status = 'pending'`);
        if (Number(r?.n) === 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      const left = await t.app.store.read.all<{ type: string; attempts: number; last_error: string | null }>(`SELECT type, attempts, last_error FROM events WHERE status = 'pending' LIMIT 5`);
      throw new Error(`backlog did not drain: ${JSON.stringify(left)}`);
    }

    const audits = async (action: string) =>
      Number((await t.app.store.read.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit WHERE action = ?', [action]))?.n);

    it('price change under the margin floor waits for a category manager; SoD, role and already-decided refusals carry their codes', async () => {
      await setup();
      const requester = await t.keyFor('category_manager');
      const approver = await t.keyFor('category_manager');
      const finance = await t.keyFor('finance');
      // 80 over a cost of 70 is a 12.5% margin: below the 20% floor.
      const r = await t.api('POST', '/v1/pricing/price-changes', requester, { requestId: 'pc-1', sku: 'TENT', newPrice: 80 });
      expect(r.status).toBe(200);
      expect(r.body.request.state).toBe('awaiting_approval');
      const id = r.body.approval.id as string;
      expect(r.body.approval).toMatchObject({ subject: 'price_change', status: 'pending', roles: ['category_manager'] });
      expect((await getProduct(t.app.store.read, 'TENT'))!.price).toBe(100);

      const own = await t.api('POST', `/v1/approvals/${id}/decision`, requester, { decision: 'approve' });
      expect(own.status).toBe(403);
      expect(own.body.code).toBe('E_SOD');
      const wrongRole = await t.api('POST', `/v1/approvals/${id}/decision`, finance, { decision: 'approve' });
      expect(wrongRole.status).toBe(403);
      expect(wrongRole.body.code).toBe('E_ROLE');
      const auditor = await t.api('POST', `/v1/approvals/${id}/decision`, await t.keyFor('auditor'), { decision: 'approve' });
      expect(auditor.status).toBe(403);

      const ok = await t.api('POST', `/v1/approvals/${id}/decision`, approver, { decision: 'approve', comment: 'seasonal' });
      expect(ok.status).toBe(200);
      expect(ok.body.status).toBe('approved');
      await drained();
      expect((await getProduct(t.app.store.read, 'TENT'))!.price).toBe(80);
      const again = await t.api('POST', `/v1/approvals/${id}/decision`, await t.keyFor('category_manager'), { decision: 'reject' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('E_ALREADY_DECIDED');

      const listed = await t.api('GET', '/v1/approvals?state=approved', finance);
      expect(listed.body.items.map((a: { id: string }) => a.id)).toContain(id);
      const metrics = await t.api('GET', '/metrics', null);
      expect(String(metrics.body)).toMatch(/omniops_approval_sod_refusals_total\{subject="price_change",reason="own_request"\} 1/);
      expect(String(metrics.body)).toMatch(/omniops_approval_cycle_seconds_count\{subject="price_change",outcome="approved"\} 1/);
      expect((await verifyAuditChain(t.app.store.read)).ok).toBe(true);
    });

    it('a price change above the floor needs nobody and applies at once; a discount below it is rejected and changes nothing', async () => {
      await setup();
      const cm = await t.keyFor('category_manager');
      const r = await t.api('POST', '/v1/pricing/price-changes', cm, { requestId: 'pc-ok', sku: 'TENT', newPrice: 120 });
      expect(r.body.request.state).toBe('applied');
      expect(r.body.approval).toBeNull();
      expect((await getProduct(t.app.store.read, 'TENT'))!.price).toBe(120);

      const d = await t.api('POST', '/v1/pricing/discounts', await t.keyFor('operations_manager'), { requestId: 'd-1', sku: 'TENT', discountedPrice: 72 });
      expect(d.body.request.state).toBe('awaiting_approval');
      const no = await t.api('POST', `/v1/approvals/${d.body.approval.id}/decision`, cm, { decision: 'reject', comment: 'margin' });
      expect(no.status).toBe(200);
      expect(no.body.status).toBe('rejected');
      await drained();
      expect(await audits('discount.granted')).toBe(0);
      expect(await audits('discount.rejected')).toBe(1);
    });

    it('write-off above 500 needs inventory control and finance, two different people in two different roles; stock drops once', async () => {
      await setup();
      const warehouse = await t.keyFor('warehouse');
      const ic1 = await t.keyFor('inventory_control');
      const ic2 = await t.keyFor('inventory_control');
      const fin = await t.keyFor('finance');
      // 10 × cost 70 = 700 > 500.
      const r = await t.api('POST', '/v1/stock/writeoffs', warehouse, { requestId: 'wo-1', sku: 'TENT', locationId: 'dc', qty: 10, reason: 'water damage' });
      expect(r.body.request.state).toBe('awaiting_approval');
      const id = r.body.approval.id as string;
      expect((await t.api('POST', `/v1/approvals/${id}/decision`, ic1, { decision: 'approve' })).body.status).toBe('pending');
      const twice = await t.api('POST', `/v1/approvals/${id}/decision`, ic1, { decision: 'approve' });
      expect([twice.status, twice.body.code]).toEqual([403, 'E_SOD']);
      expect(twice.body.reason).toBe('same_person');
      const sameRole = await t.api('POST', `/v1/approvals/${id}/decision`, ic2, { decision: 'approve' });
      expect([sameRole.status, sameRole.body.code]).toEqual([403, 'E_SOD']);
      expect((await getStock(t.app.store.read, 'TENT', 'dc'))!.onHand).toBe(40);
      const done = await t.api('POST', `/v1/approvals/${id}/decision`, fin, { decision: 'approve' });
      expect(done.body.status).toBe('approved');
      expect(done.body.decisions.map((d: { actingRole: string }) => d.actingRole)).toEqual(['inventory_control', 'finance']);
      await drained();
      expect((await getStock(t.app.store.read, 'TENT', 'dc'))!.onHand).toBe(30);
      expect(await audits('stock.written_off')).toBe(1);
    });

    it("a write-off of 3× the location's usual needs approval even when other locations wrote off a lot since", async () => {
      await setup();
      // The DC's history: three write-offs of one tent (70 each); then a busy store writes off 250 times.
      await t.app.store.transaction(async (tx) => {
        const applied = (id: string, locationId: string, ms: number) => insertGovernedRequest(tx, {
          id: `writeoff:${id}`, kind: 'writeoff', state: 'applied', approvalId: null, requestedBy: 'wh', createdMs: ms,
          doc: { requestId: id, sku: 'TENT', locationId, qty: 1, unitCost: 70, value: 70, usualAdjustmentValue: null },
        }, new Date(ms).toISOString());
        for (let i = 0; i < 3; i++) await applied(`dc-${i}`, 'dc', T0 - 86_400_000 + i);
        for (let i = 0; i < 250; i++) await applied(`ams-${i}`, 'store-ams', T0 - 3_600_000 + i);
      });
      // 3 × 70 = 210: under the absolute 500, but 3× what the DC usually writes off.
      const r = await t.api('POST', '/v1/stock/writeoffs', await t.keyFor('warehouse'), { requestId: 'wo-usual', sku: 'TENT', locationId: 'dc', qty: 3 });
      expect(r.body.request).toMatchObject({ state: 'awaiting_approval', usualAdjustmentValue: 70 });
      expect(r.body.approval).toMatchObject({ ruleId: 'writeoff.dual', status: 'pending' });
      expect((await getStock(t.app.store.read, 'TENT', 'dc'))!.onHand).toBe(40);
    });

    it('exactly once under duplicate and concurrent decisions', async () => {
      await setup();
      const r = await t.api('POST', '/v1/pricing/price-changes', await t.keyFor('operations_manager'), { requestId: 'pc-race', sku: 'TENT', newPrice: 75 });
      const id = r.body.approval.id as string;
      const keys = await Promise.all([1, 2, 3, 4].map(() => t.keyFor('category_manager')));
      // The same decision sent twice with one Idempotency-Key is one event.
      const first = await t.api('POST', `/v1/approvals/${id}/decision`, keys[0]!, { decision: 'approve' }, { 'idempotency-key': 'dec-1' });
      const dup = await t.api('POST', `/v1/approvals/${id}/decision`, keys[0]!, { decision: 'approve' }, { 'idempotency-key': 'dec-1' });
      expect(first.status).toBe(200);
      // The retry is answered as the first try was (same event), not refused as a second decision.
      expect([dup.status, dup.body.eventId]).toEqual([200, first.body.eventId]);
      // Concurrent decisions on a fresh request: exactly one wins.
      const r2 = await t.api('POST', '/v1/pricing/price-changes', await t.keyFor('operations_manager'), { requestId: 'pc-race-2', sku: 'TENT', newPrice: 74 });
      const id2 = r2.body.approval.id as string;
      const answers = await Promise.all(keys.slice(1).map((k, i) => t.api('POST', `/v1/approvals/${id2}/decision`, k, { decision: i === 0 ? 'reject' : 'approve' })));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      for (const a of answers.filter((x) => x.status !== 200)) expect([409, 'E_ALREADY_DECIDED']).toEqual([a.status, a.body.code]);
      await drained();
      const final = (await t.api('GET', `/v1/approvals/${id2}`, t.adminKey)).body;
      expect(final.decisions).toHaveLength(1);
      const decided = await t.app.store.read.all<{ subject: string }>(`SELECT subject FROM events WHERE type = 'approval.decided'`);
      expect(decided.filter((d) => d.subject === `approval:${id}`)).toHaveLength(1);
      expect(decided.filter((d) => d.subject === `approval:${id2}`)).toHaveLength(1);
      expect(await audits('product.price_changed')).toBe(1 + (final.status === 'approved' ? 1 : 0));
      expect((await getProduct(t.app.store.read, 'TENT'))!.price).toBe(final.status === 'approved' ? 74 : 75);
    });

    it('escalates after the deadline and expires at the end of the chain with the policy outcome (controlled clock)', async () => {
      await setup();
      const r = await t.api('POST', '/v1/products/supplier-substitutions', await t.keyFor('procurement'), { requestId: 'sub-1', sku: 'TENT', fromSupplierId: 'sup-a', toSupplierId: 'sup-b' });
      const id = r.body.approval.id as string;
      expect(r.body.approval.roles).toEqual(['category_manager']);
      now = T0 + 8 * 3_600_000 + 60_000;
      await t.app.scheduler.tick();
      await drained();
      let a = (await t.api('GET', `/v1/approvals/${id}`, t.adminKey)).body;
      expect(a).toMatchObject({ status: 'pending', level: 1, escalated: true, roles: ['category_manager', 'operations_manager'] });
      const forOps = (await t.api('GET', '/v1/approvals?state=pending&role=operations_manager', t.adminKey)).body.items;
      expect(forOps.map((x: { id: string }) => x.id)).toEqual([id]);
      expect(String((await t.api('GET', '/metrics', null)).body)).toMatch(/omniops_approvals_escalated\{subject="supplier_substitution"\} 1/);
      now += 8 * 3_600_000 + 60_000;
      await t.app.scheduler.tick();
      await drained();
      a = (await t.api('GET', `/v1/approvals/${id}`, t.adminKey)).body;
      expect(a).toMatchObject({ status: 'expired', expiryOutcome: 'reject' });
      expect((await getProduct(t.app.store.read, 'TENT'))!.supplierIds).toEqual(['sup-a']);
      const late = await t.api('POST', `/v1/approvals/${id}/decision`, await t.keyFor('category_manager'), { decision: 'approve' });
      expect([late.status, late.body.code]).toEqual([409, 'E_ALREADY_DECIDED']);
    });

    it('a supplier substitution approved by a category manager is recorded on the product', async () => {
      await setup();
      const r = await t.api('POST', '/v1/products/supplier-substitutions', await t.keyFor('procurement'), { requestId: 'sub-2', sku: 'TENT', fromSupplierId: 'sup-a', toSupplierId: 'sup-b' });
      await t.api('POST', `/v1/approvals/${r.body.approval.id}/decision`, await t.keyFor('category_manager'), { decision: 'approve' });
      await drained();
      expect((await getProduct(t.app.store.read, 'TENT'))!.supplierIds).toEqual(['sup-b']);
    });

    it('only protected store stock: the order waits for regional ops; approved → allocated from the protected stock', async () => {
      await setup();
      await t.postEvents(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 0 }] } }));
      await t.postEvents(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand: 3, protected: 3 }] } }));
      for (const ext of ['P-1', 'P-2']) {
        await t.postEvents(envelope({
          type: 'order.placed', occurredAt: new Date(T0).toISOString(),
          payload: { externalOrderId: ext, customer: { id: `c-${ext}` }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }], currency: 'EUR', shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 120 } },
        }));
      }
      await drained();
      const o1 = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'P-1')}`, t.adminKey)).body;
      expect([o1.state, o1.holdReason]).toEqual(['on_hold', 'approval']);
      const pending = (await t.api('GET', '/v1/approvals?state=pending&role=regional_ops', t.adminKey)).body.items;
      expect(pending).toHaveLength(2);
      const byRef = (ref: string) => pending.find((a: { subjectRef: string }) => a.subjectRef === ref).id as string;
      const ops = await t.keyFor('regional_ops');
      expect((await t.api('POST', `/v1/approvals/${byRef(orderIdFor('web', 'P-1'))}/decision`, ops, { decision: 'approve' })).status).toBe(200);
      expect((await t.api('POST', `/v1/approvals/${byRef(orderIdFor('web', 'P-2'))}/decision`, ops, { decision: 'reject' })).status).toBe(200);
      await drained();
      const after1 = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'P-1')}`, t.adminKey)).body;
      expect(after1.state).toBe('allocated');
      expect(after1.lines[0].allocations[0].locationId).toBe('store-ams');
      const after2 = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'P-2')}`, t.adminKey)).body;
      expect(['backordered', 'cancelled']).toContain(after2.state);
      const stock = (await getStock(t.app.store.read, 'TENT', 'store-ams'))!;
      expect([stock.onHand, stock.reserved, stock.protected]).toEqual([3, 1, 2]);
    });

    it('exception queues: payment holds open items for finance; SLA breaches; dead letters; actions are audited', async () => {
      await setup({
        // One attempt: with the clock held still a retry's backoff would never come due.
        config: { ...DISPATCH, dispatch: { ...DISPATCH.dispatch, maxAttempts: 1 } },
        handlers: (p) => buildHandlers({ policies: p }).register({ type: 'location.upserted', name: 'test.boom', async handle(h) { if ((h.event.payload as { id: string }).id === 'bad') throw new Error('boom'); } }),
      });
      await t.postEvents(envelope({
        type: 'order.placed', occurredAt: new Date(T0).toISOString(),
        payload: { externalOrderId: 'H-1', customer: { id: 'c-h' }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }], currency: 'EUR', shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'pending', amount: 120 } },
      }));
      await t.postEvents(envelope({ type: 'location.upserted', payload: { ...LOCATIONS[0], id: 'bad' } }));
      await drained();
      const fin = await t.keyFor('finance');
      const mine = (await t.api('GET', '/v1/exceptions', fin)).body.items;
      expect(mine.map((x: { queue: string }) => x.queue)).toEqual(['payment_hold']);
      const all = (await t.api('GET', '/v1/exceptions', await t.keyFor('operations_manager'))).body.items.map((x: { queue: string }) => x.queue).sort();
      expect(all).toEqual(['dead_letter_delivery', 'payment_hold']);
      // A role that owns no queue sees only items routed to it (a rule may route one to any role): none here.
      const warehouse = await t.api('GET', '/v1/exceptions', await t.keyFor('warehouse'));
      expect([warehouse.status, warehouse.body.items]).toEqual([200, []]);
      // The counts the exception screen shows: of the queues the role sees, by the list's own filters.
      expect((await t.api('GET', '/v1/exceptions/counts', fin)).body.items).toEqual([{ queue: 'payment_hold', open: 1, assigned: 0, resolved: 0 }]);
      expect((await t.api('GET', '/v1/exceptions/counts', await t.keyFor('operations_manager'))).body.items.map((c: { queue: string }) => c.queue)).toEqual(['dead_letter_delivery', 'payment_hold']);
      const item = mine[0].id as string;
      const noReason = await t.api('POST', `/v1/exceptions/${item}/resolve`, fin, {});
      expect([noReason.status, noReason.body.code]).toEqual([422, 'E_SCHEMA']);
      const wrong = await t.api('POST', `/v1/exceptions/${item}/resolve`, await t.keyFor('service_agent'), { reason: 'x' });
      expect(wrong.status).toBe(403);
      expect((await t.api('POST', `/v1/exceptions/${item}/assign`, fin, {})).body.state).toBe('assigned');
      const resolved = await t.api('POST', `/v1/exceptions/${item}/resolve`, fin, { reason: 'customer paid by bank transfer' });
      expect(resolved.body).toMatchObject({ state: 'resolved', resolution: { reason: 'customer paid by bank transfer' } });
      expect((await t.api('GET', '/v1/exceptions/counts', fin)).body.items).toEqual([{ queue: 'payment_hold', open: 0, assigned: 0, resolved: 1 }]);
      expect(await audits('exception.resolved')).toBe(1);
      expect(await audits('exception.assigned')).toBe(1);

      // SLA breach: the accept deadline passes for an allocated order.
      await t.postEvents(envelope({
        type: 'order.placed', occurredAt: new Date(T0).toISOString(),
        payload: { externalOrderId: 'S-1', customer: { id: 'c-s' }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }], currency: 'EUR', shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 120 } },
      }));
      await drained();
      now = T0 + 2 * 3_600_000;
      await t.app.scheduler.tick();
      await drained();
      const sla = (await t.api('GET', '/v1/exceptions?queue=sla_breach', t.adminKey)).body.items;
      expect(sla.length).toBeGreaterThanOrEqual(1);
      expect(String((await t.api('GET', '/metrics', null)).body)).toMatch(/omniops_exception_queue_size\{queue="sla_breach"\} [1-9]/);
    });
  });
}
