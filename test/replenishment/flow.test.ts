import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DAY, DAY_0, dateOfDay, orderHistory, runReplenishmentCheck, startProcurementShop } from './support.js';
import { getStock } from '../../src/store/repos/stock.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';

// Monday 2026-11-30 06:00 UTC. Day numbers below count from this day (day 0).
const T0 = DAY_0;
const date = dateOfDay;

for (const factory of storeFactories()) {
  describe(`replenishment and procurement end to end: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup(stock: Record<string, Array<{ sku: string; onHand: number }>>, suppliers: Array<Record<string, unknown>>) {
      now = T0;
      t = await startProcurementShop(factory, () => now, stock, suppliers, 3);
    }

    const history = (sku: string, locationId: string, perDay: number, days: number) => orderHistory(t, T0, sku, locationId, perDay, days);
    /** One run of the scheduled check in the next 15-minute slot. */
    async function check() {
      now += 15 * 60_000;
      await runReplenishmentCheck(t, now);
    }

    const risks = async (q = '') => (await t.api('GET', `/v1/replenishment/risks${q}`, t.adminKey)).body.items as any[];
    const recommendations = async (q = '') => (await t.api('GET', `/v1/replenishment/recommendations${q}`, t.adminKey)).body.items as any[];
    const outbox = async (destination: string) => t.app.store.read.all<{ subject: string; payload: string }>('SELECT subject, payload FROM outbox WHERE destination = ?', [destination]);

    const S1 = { id: 'S1', name: 'Tents & Co', leadTimeDays: 10, skus: [{ sku: 'TENT', unitCost: 50, primary: true }] };

    it('projects cover from stock, order history and lead time with the controlled clock, and records one risk and one recommendation', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 20 }] }, [S1]);
      await history('TENT', 'store-ams', 5, 35);
      await check();
      const [risk] = await risks();
      expect(risk).toMatchObject({ sku: 'TENT', locationId: 'store-ams', state: 'open', breachDate: date(4), daysOfCover: 4, nextPossibleReceiptDate: date(10), revision: 1 });
      expect(risk.projection[0]).toMatchObject({ date: date(0), opening: 20, demand: 5, closing: 15 });
      const recs = await recommendations();
      expect(recs).toHaveLength(1);
      expect(recs[0]).toMatchObject({ state: 'open', riskId: risk.id, expedite: true, purchase: { supplierId: 'S1', expectedDate: date(10) } });
      // A category manager hears of both, once, in the check's digest.
      const [digest] = (await outbox('notify:category_manager')).map((r) => JSON.parse(r.payload));
      expect(digest).toMatchObject({ detected: 1, recommended: 1, risks: [{ sku: 'TENT', breachDate: date(4) }], recommendations: [{ sku: 'TENT', recommendationId: recs[0].id }] });

      // The next checks see the same shortfall: no second risk, no second recommendation.
      await check();
      await check();
      expect(await risks()).toHaveLength(1);
      expect(await recommendations()).toHaveLength(1);
      expect(await outbox('notify:category_manager')).toHaveLength(1);
      expect(await verifyAuditChain(t.app.store.read)).toMatchObject({ ok: true });
    });

    it('a delay moves the risk; the receipt raises stock and resolves it', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 20 }] }, [S1]);
      await history('TENT', 'store-ams', 5, 35);
      await t.send(envelope({ type: 'po.confirmed', payload: { poId: 'PO-1', supplierId: 'S1', locationId: 'store-ams', lines: [{ sku: 'TENT', qty: 100 }], expectedDate: date(2) } }));
      await check();
      expect(await risks('?state=open')).toHaveLength(0);

      await t.send(envelope({ type: 'po.delayed', payload: { poId: 'PO-1', newExpectedDate: date(12), reason: 'port strike' } }));
      await check();
      const [risk] = await risks('?state=open');
      expect(risk).toMatchObject({ breachDate: date(4), daysOfCover: 4 });
      expect(risk.projection.find((d: any) => d.receipts > 0)?.date).toBe(date(12));
      const po = (await t.api('GET', '/v1/purchase-orders/PO-1', t.adminKey)).body;
      expect(po).toMatchObject({ state: 'delayed', expectedDate: date(12), promisedDate: date(2) });
      expect(po.delays).toHaveLength(1);

      // The supplier comes closer again: the same risk is revised, not duplicated.
      await t.send(envelope({ type: 'po.delayed', payload: { poId: 'PO-1', newExpectedDate: date(6) } }));
      await check();
      const open = await risks('?state=open');
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({ id: risk.id, revision: 2, breachDate: date(4) });
      expect(open[0].projection.find((d: any) => d.receipts > 0)?.date).toBe(date(6));

      now = T0 + 3 * DAY;
      await t.send(envelope({ type: 'po.received', payload: { poId: 'PO-1', locationId: 'store-ams', receivedDate: date(3), lines: [{ sku: 'TENT', qty: 100 }] } }));
      expect((await getStock(t.app.store.read, 'TENT', 'store-ams'))?.onHand).toBe(120);
      expect((await t.api('GET', '/v1/purchase-orders/PO-1', t.adminKey)).body.state).toBe('received');
      await check();
      expect(await risks('?state=open')).toHaveLength(0);
      expect((await risks('?state=resolved'))[0].id).toBe(risk.id);
      expect(await verifyAuditChain(t.app.store.read)).toMatchObject({ ok: true });
    });

    it('a promotion lifts the forecast into a risk', async () => {
      const S = { id: 'S1', name: 'Tents & Co', leadTimeDays: 5, skus: [{ sku: 'TENT', unitCost: 50, primary: true }] };
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 40 }] }, [S]);
      await history('TENT', 'store-ams', 5, 35);
      await check();
      expect(await risks()).toHaveLength(0);
      await t.send(envelope({ type: 'promotion.scheduled', payload: { promotionId: 'BF', skus: ['TENT'], uplift: 2, from: date(0), to: date(10), locationIds: ['store-ams'] } }));
      await check();
      const [risk] = await risks();
      expect(risk).toMatchObject({ breachDate: date(4), daysOfCover: 4 });
      expect(risk.projection[0].demand).toBe(10);
    });

    it('a supplier that is usually late loses the order to an alternate that arrives in time', async () => {
      const late = { id: 'S1', name: 'Slow Tents', leadTimeDays: 3, skus: [{ sku: 'TENT', unitCost: 50, primary: true }, { sku: 'PEG', unitCost: 1, primary: true }] };
      const fast = { id: 'S2', name: 'Quick Tents', leadTimeDays: 2, skus: [{ sku: 'TENT', unitCost: 58 }] };
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 20 }] }, [late, fast]);
      await history('TENT', 'store-ams', 5, 35);
      await check();
      // Taken at its word, S1 (3 days) arrives before the breach (day 4): a routine reorder from the primary.
      expect(await risks()).toHaveLength(0);
      let [rec] = await recommendations();
      expect(rec.purchase).toMatchObject({ supplierId: 'S1', substitution: false, reason: 'primary' });
      await t.api('POST', `/v1/replenishment/recommendations/${rec.id}/dismiss`, await t.keyFor('category_manager'), { reason: 'wait for history' });

      // Five receipts at the DC, each four days after the promised date: S1 is planned four days later.
      for (let i = 1; i <= 5; i++) {
        await t.send(envelope({ type: 'po.confirmed', payload: { poId: `H-${i}`, supplierId: 'S1', locationId: 'dc', lines: [{ sku: 'PEG', qty: 10 }], expectedDate: date(-40 + i) } }));
        await t.send(envelope({ type: 'po.received', payload: { poId: `H-${i}`, locationId: 'dc', receivedDate: date(-36 + i), lines: [{ sku: 'PEG', qty: 10 }] } }));
      }
      await check();
      const [risk] = await risks();
      expect(risk).toMatchObject({ breachDate: date(4), nextPossibleReceiptDate: date(7) });
      [rec] = await recommendations('?state=open');
      expect(rec.purchase).toMatchObject({ supplierId: 'S2', substitution: true, reason: 'primary_too_late', expectedDate: date(2) });
      expect(rec.alternatives).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'supplier', supplierId: 'S1', reliable: false })]));
    });

    it('a transfer from a location with excess reserves stock at the source and moves it on receipt', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 5 }], dc: [{ sku: 'TENT', onHand: 500 }] }, [S1]);
      await history('TENT', 'store-ams', 5, 35);
      await history('TENT', 'dc', 2, 35);
      await check();
      const [rec] = await recommendations();
      expect(rec.transfer).toMatchObject({ fromLocationId: 'dc', expectedDate: date(2) });
      const r = await t.api('POST', `/v1/replenishment/recommendations/${rec.id}/accept`, await t.keyFor('procurement'), {});
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.transferId).toBeTruthy();
      const qty = rec.transfer.quantity as number;
      expect((await getStock(t.app.store.read, 'TENT', 'dc'))?.reserved).toBe(qty);
      const rec2 = await t.api('POST', `/v1/transfers/${r.body.transferId}/receive`, await t.keyFor('store_manager'), {});
      expect(rec2.status, JSON.stringify(rec2.body)).toBe(200);
      expect(rec2.body.state).toBe('received');
      expect(await getStock(t.app.store.read, 'TENT', 'dc')).toMatchObject({ onHand: 500 - qty, reserved: 0 });
      expect((await getStock(t.app.store.read, 'TENT', 'store-ams'))?.onHand).toBe(5 + qty);
    });

    it('an expedited purchase waits for procurement, then is placed exactly once', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 5 }] }, [S1]);
      await history('TENT', 'store-ams', 5, 35);
      await check();
      const [rec] = await recommendations();
      expect(rec.expedite).toBe(true);
      expect(rec.transfer).toBeNull();

      const warehouse = await t.api('POST', `/v1/replenishment/recommendations/${rec.id}/accept`, await t.keyFor('warehouse'), {});
      expect(warehouse.status).toBe(403);

      const cm = await t.keyFor('category_manager');
      const accepted = await t.api('POST', `/v1/replenishment/recommendations/${rec.id}/accept`, cm, { note: 'black friday' });
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
      expect(accepted.body).toMatchObject({ state: 'accepted', purchaseOrder: { state: 'awaiting_approval', expedite: true, supplierId: 'S1' } });
      const poId = accepted.body.poId as string;
      const approvalId = accepted.body.purchaseOrder.approvals.find((a: any) => a.subject === 'emergency_purchase').approvalId as string;
      expect(approvalId).toBeTruthy();
      expect(await outbox('erp:purchase_orders')).toHaveLength(0);
      // A draft is not supply, and it blocks a second recommendation for the position.
      await check();
      expect(await recommendations()).toHaveLength(1);

      // The accepting category manager is not the approver; procurement is.
      expect((await t.api('POST', `/v1/approvals/${approvalId}/decision`, cm, { decision: 'approve' })).status).toBe(403);
      const ok = await t.api('POST', `/v1/approvals/${approvalId}/decision`, await t.keyFor('procurement'), { decision: 'approve' });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      await t.drained();
      const po = (await t.api('GET', `/v1/purchase-orders/${poId}`, t.adminKey)).body;
      expect(po.state).toBe('placed');
      expect(po.history.map((h: any) => h.to)).toEqual(['recommended', 'awaiting_approval', 'placed']);
      expect((await t.api('GET', '/v1/purchase-orders?state=placed', t.adminKey)).body.items.map((p: any) => p.id)).toEqual([poId]);

      // The decision arrives again (a replay of the log): nothing more goes out.
      const again = `replay-${approvalId}`;
      await t.app.store.transaction(async (tx) => {
        const { appendEvent } = await import('../../src/store/repos/events.js');
        const payload = { approvalId, subject: 'emergency_purchase', subjectRef: poId, outcome: 'approved', expiryOutcome: null, decidedBy: ['someone'] };
        await appendEvent(tx, {
          id: again, source: 'omniops', sourceEventId: again, type: 'approval.decided', schemaVersion: 1, occurredAt: new Date(now).toISOString(), receivedAt: new Date(now).toISOString(),
          receivedMs: now, subject: `approval:${approvalId}`, payloadJson: JSON.stringify(payload), payloadHash: again, causationId: null, correlationId: again, actor: 'someone', actorRole: 'procurement', status: 'pending',
        });
      });
      t.app.dispatcher.wake();
      await t.drained();
      const erp = await outbox('erp:purchase_orders');
      expect(erp).toHaveLength(1);
      expect(JSON.parse(erp[0]!.payload)).toMatchObject({ poId, supplierId: 'S1', lines: [{ sku: 'TENT', unitCost: 50 }] });
      expect(await outbox('supplier:S1')).toHaveLength(1);
      expect(await verifyAuditChain(t.app.store.read)).toMatchObject({ ok: true });
    });

    it('stockout prevention rate and forecast WAPE by class on /metrics and in the KPI read', async () => {
      const S = { id: 'S1', name: 'Tents & Co', leadTimeDays: 10, skus: [{ sku: 'TENT', unitCost: 50, primary: true }, { sku: 'MAT', unitCost: 9, primary: true }] };
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 20 }, { sku: 'MAT', onHand: 20 }] }, [S]);
      await history('TENT', 'store-ams', 5, 35);
      await history('MAT', 'store-ams', 5, 35);
      await check();
      expect((await risks('?state=open')).map((r) => r.sku).sort()).toEqual(['MAT', 'TENT']);
      // TENT runs dry, MAT is saved by a receipt: one of two risks reached zero.
      await t.send(envelope({ type: 'inventory.adjusted', payload: { locationId: 'store-ams', sku: 'TENT', delta: -20, reason: 'shrink' } }));
      await t.send(envelope({ type: 'po.confirmed', payload: { poId: 'PO-M', supplierId: 'S1', locationId: 'store-ams', lines: [{ sku: 'MAT', qty: 200 }], expectedDate: date(1) } }));
      await t.send(envelope({ type: 'po.received', payload: { poId: 'PO-M', locationId: 'store-ams', receivedDate: date(0), lines: [{ sku: 'MAT', qty: 200 }] } }));
      await check();
      const byId = Object.fromEntries((await risks()).map((r) => [r.sku, r]));
      expect(byId.TENT.reachedZeroDate).toBe(date(0));
      expect(byId.MAT).toMatchObject({ state: 'resolved', reachedZeroDate: null });
      const { replenishmentKpis } = await import('../../src/engine/replenishment/kpi.js');
      const kpi = await replenishmentKpis(t.app.store.read, now);
      expect(kpi.stockoutPrevention).toMatchObject({ detected: 2, prevented: 1, rate: 0.5 });
      expect(kpi.forecastWape?.byClass.smooth).toBe(0);
      const metrics = (await t.api('GET', '/metrics', null)).body as string;
      expect(metrics).toMatch(/omniops_replenishment_risks_detected\{outcome="reached_zero"\} 1/);
      expect(metrics).toMatch(/omniops_replenishment_forecast_wape\{class="smooth"\} 0/);
      expect(metrics).toMatch(/omniops_purchase_orders\{state="received"\} 1/);
      const dash = await t.api('GET', '/v1/dashboard', await t.keyFor('category_manager'));
      expect(dash.body.replenishment).toMatchObject({ stockoutPrevention: { detected: 2, prevented: 1, rate: 0.5 }, purchaseOrders: { received: 1 } });
    });

    it('double and concurrent accepts, and replayed accept commands, draft one purchase order', async () => {
      const S = { id: 'S1', name: 'Tents & Co', leadTimeDays: 3, skus: [{ sku: 'TENT', unitCost: 50, primary: true }] };
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 20 }] }, [S]);
      await history('TENT', 'store-ams', 5, 35);
      await check();
      const [rec] = await recommendations();
      expect(rec.expedite).toBe(false);
      const [a, b] = await Promise.all([t.keyFor('category_manager'), t.keyFor('procurement')]);
      const answers = await Promise.all([
        t.api('POST', `/v1/replenishment/recommendations/${rec.id}/accept`, a, {}),
        t.api('POST', `/v1/replenishment/recommendations/${rec.id}/accept`, b, {}),
      ]);
      expect(answers.map((x) => x.status).sort()).toEqual(expect.arrayContaining([200]));
      for (const x of answers) expect([200, 409]).toContain(x.status);
      // The same command appended twice more (a resend under new ids, bypassing the API's own check).
      for (const id of ['again-1', 'again-2']) {
        const r = await t.app.intake.submit({ source: 'api', sourceEventId: id, type: 'replenishment.accept_requested', occurredAt: new Date(now).toISOString(), payload: { recommendationId: rec.id } }, { actor: 'cm', actorRole: 'category_manager' });
        expect(r.ok).toBe(true);
      }
      t.app.dispatcher.wake();
      await t.drained();
      const pos = await t.app.store.read.all<{ id: string; state: string }>('SELECT id, state FROM purchase_orders WHERE recommendation_id = ?', [rec.id]);
      expect(pos).toHaveLength(1);
      expect(pos[0]!.state).toBe('placed');
      expect(await outbox('erp:purchase_orders')).toHaveLength(1);
      expect((await recommendations())[0]).toMatchObject({ state: 'converted', poId: pos[0]!.id });
      // Placed is supply now: the next check neither re-risks nor re-recommends the position.
      await check();
      expect(await recommendations()).toHaveLength(1);
    });
  });
}
