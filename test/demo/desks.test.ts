import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { DC_TILBURG, startShop, webOrder } from '../support/shop.js';
import { envelope, type TestApp } from '../support/app.js';
import { ServiceDesk } from '../../src/demo/service-desk.js';
import { DEFECTIVE_REASONS, SUPPLIER_SOURCE, SupplierDesk } from '../../src/demo/suppliers.js';
import { DEMO_SOURCES } from '../../src/demo/retailer.js';
import { addSource } from '../../src/engine/identity/sources.js';
import { addUser } from '../../src/engine/identity/users.js';
import { seedDemo } from '../../src/demo/seed.js';
import { orderById } from '../../src/store/repos/orders.js';
import { supplierClaimById } from '../../src/store/repos/returns.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { createBuiltinAiProvider } from '../../src/connectors/ai/builtin/provider.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from '../returns/support.js';

// The demo's service desk (holds by hand, released later) and suppliers (answers to open claims),
// each round driven by hand against a real test app, both stores.
const PRODUCT = { sku: 'MUG', name: 'Mug', category: 'kitchen', price: 12, cost: 4, weightKg: 0.4, returnable: true, supplierIds: ['sup-1'] };
const audits = async (t: TestApp, action: string) => Number((await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM audit WHERE action = ?`, [action]))?.n);

for (const factory of storeFactories()) {
  describe(`the demo's service desk: ${factory.name}`, () => {
    let t: TestApp | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('holds an allocated order through the API and, after its time, releases or cancels it — also a hold left by an earlier run', async () => {
      t = await startShop(factory, Date.now, [DC_TILBURG], { dc: [{ sku: 'MUG', onHand: 10 }] });
      await t.send(envelope({ type: 'product.upserted', payload: PRODUCT }));
      await t.send(webOrder('DESK-1', [{ sku: 'MUG', qty: 1, unitPrice: 12 }]));
      await t.drained();
      const { apiKey } = await addUser(t.app.store, { id: 'test', role: 'admin' }, 'agent', 'service_agent');
      const desk = new ServiceDesk(t.app, t.url, apiKey, 'agent', 1);
      const now = Date.now();
      await desk.work(now);
      expect(desk.stats).toMatchObject({ held: 1, failed: 0 });
      const id = (await t.app.store.read.get<{ id: string }>(`SELECT id FROM orders WHERE external_order_id = 'DESK-1'`))!.id;
      const held = (await orderById(t.app.store.read, id))!;
      expect([held.state, held.holdReason]).toEqual(['on_hold', 'manual']);
      expect(await audits(t, 'order.held_by_hand')).toBe(1);

      // The demo restarted: a new desk takes up the agent's hold it finds and lets it go in its time.
      const next = new ServiceDesk(t.app, t.url, apiKey, 'agent', 0);
      await next.work(now);
      expect(next.stats).toMatchObject({ held: 0, released: 0, cancelled: 0 });
      await next.work(now + 120_000);
      await t.drained();
      expect(next.stats.released + next.stats.cancelled).toBe(1);
      expect(next.stats.failed).toBe(0);
      expect(await audits(t, next.stats.released ? 'order.hold_released' : 'order.cancelled')).toBe(1);
      expect((await orderById(t.app.store.read, id))!.state).toBe(next.stats.released ? 'allocated' : 'cancelled');
    });

    it('counts a release the order no longer needs (someone released it first) as a race, not a failure', async () => {
      t = await startShop(factory, Date.now, [DC_TILBURG], { dc: [{ sku: 'MUG', onHand: 10 }] });
      await t.send(envelope({ type: 'product.upserted', payload: PRODUCT }));
      await t.send(webOrder('DESK-2', [{ sku: 'MUG', qty: 1, unitPrice: 12 }]));
      await t.drained();
      const { apiKey } = await addUser(t.app.store, { id: 'test', role: 'admin' }, 'agent', 'service_agent');
      const desk = new ServiceDesk(t.app, t.url, apiKey, 'agent', 1);
      const now = Date.now();
      await desk.work(now);
      const id = (await t.app.store.read.get<{ id: string }>(`SELECT id FROM orders WHERE external_order_id = 'DESK-2'`))!.id;
      expect((await t.api('POST', `/v1/orders/${id}/release`, t.adminKey, { note: 'released by a colleague' })).status).toBe(200);
      await desk.work(now + 120_000);
      expect(desk.stats).toMatchObject({ released: 0, cancelled: 0, raced: 1, failed: 0 });
    });
  });

  describe(`the demo's suppliers: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    it('answer an open claim once it is old enough, as a signed event from the supplier portal', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['defective', 0.96], disposition: ['supplier_claim', 0.92] }) });
      await addSource(w.t.app.store, w.t.app.box, { id: 'test', role: 'admin' }, SUPPLIER_SOURCE, { name: 'Supplier portal', kind: 'supplier' });
      await w.deliveredOrder('DESK-C1', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.caseOf((await w.requestReturn({ externalOrderId: 'DESK-C1', lines: [{ lineId: '1', qty: 1 }], reason: 'the zipper broke after a week' })).id);
      const claimId = c.supplierClaim.id as string;
      const desk = new SupplierDesk(w.t.app, w.t.url, 45_000);

      await desk.work(w.now + 1_000);
      await w.drained();
      expect((await supplierClaimById(w.t.app.store.read, claimId))!.state).toBe('open');

      w.now += 60_000;
      await desk.work(w.now);
      await w.drained();
      const claim = (await supplierClaimById(w.t.app.store.read, claimId))!;
      expect(['accepted', 'rejected']).toContain(claim.state);
      expect(desk.stats.accepted + desk.stats.rejected).toBe(1);
      expect(desk.stats.failed).toBe(0);
      if (claim.state === 'accepted') expect(claim.doc.answer!.creditAmount!).toBeLessThanOrEqual(claim.amount);
      else expect(claim.doc.answer!.reason).toBeTruthy();
      expect(claim.doc.answer!.by).toBe(`source:${SUPPLIER_SOURCE}`);
    });
  });
}

describe('the demo retailer', () => {
  it('has a supplier source, and its customers\' defective reasons read as defective (so returns become claims)', () => {
    expect(DEMO_SOURCES.find((s) => s.id === SUPPLIER_SOURCE)).toMatchObject({ kind: 'supplier' });
    const classifier = createBuiltinAiProvider().returnReasonClassifier();
    for (const reason of DEFECTIVE_REASONS) expect(classifier.classify(reason).label, reason).toBe('defective');
  });
});

for (const factory of storeFactories()) {
  describe(`the demo's service agent key: ${factory.name}`, () => {
    let t: TestApp | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('the key kept from an earlier run is used again while it opens the agent; a key that does not is replaced', async () => {
      t = await startShop(factory, Date.now, [DC_TILBURG], {});
      const first = (await seedDemo(t.app)).agentKey;
      const keys = async () => Number((await t!.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM api_keys k JOIN users u ON u.id = k.user_id WHERE u.name = 'agent'`))?.n);
      expect(await keys()).toBe(1);
      // Restarted with the kept key: no new key piles up.
      expect((await seedDemo(t.app, first)).agentKey).toBe(first);
      expect(await keys()).toBe(1);
      // A lost or foreign key: a new one is issued, and it works.
      const next = (await seedDemo(t.app, 'omk_not-a-key')).agentKey;
      expect(next).not.toBe(first);
      expect(await keys()).toBe(2);
      expect((await t.api('GET', '/v1/session', next)).status).toBe(200);
    });
  });
}
