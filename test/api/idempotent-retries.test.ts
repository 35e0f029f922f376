import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM } from '../support/shop.js';
import { transferProposed as proposeTransfer } from '../replenishment/support.js';
import { ReturnsWorld, T0, DAY, fakeApprovals, scriptedAi } from '../returns/support.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { getStock } from '../../src/store/repos/stock.js';
import { fulfilmentById } from '../../src/store/repos/orders.js';
import { transferById, purchaseOrderById } from '../../src/store/repos/replenishment.js';
import { returnCaseById } from '../../src/store/repos/returns.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

// A client that lost the answer to a command sends it again with the same Idempotency-Key. The
// routes below judge the thing's state before sending the command; judged on what the first try
// changed, the retry was refused 409 E_INVALID_STATE. It must be answered as the first try was (the
// same event, the thing as it is now, nothing applied twice), and the same key with another body must
// be refused 409 E_IDEMPOTENCY_MISMATCH with nothing changed (src/api/command.ts repeatedCommand).

const at = (hhmm: string) => Date.parse(`2026-11-30T${hhmm}:00Z`);
const iso = (ms: number) => new Date(ms).toISOString();
const DISPATCH = { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 };

let keys = 0;
/** A fresh Idempotency-Key header. */
const idem = () => ({ 'idempotency-key': `retry-${Date.now()}-${++keys}` });

/** How many commands the API logged (a refused retry logs none; a duplicate is the first one). */
async function apiCommands(t: TestApp): Promise<number> {
  return Number((await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE source = 'api'`))!.n);
}

/**
 * The same command twice under one key: both 200 with the same event, the second answered with the
 * thing as it is then; then the same key with `other`: 409 E_IDEMPOTENCY_MISMATCH, and `state()`
 * (what the command changes) and the log are as they were. Returns the first answer.
 */
async function retriedOnce(t: TestApp, key: string, path: string, body: unknown, other: unknown, state: () => Promise<unknown>): Promise<any> {
  const h = idem();
  const first = await t.api('POST', path, key, body, h);
  expect(first.status, JSON.stringify(first.body)).toBe(200);
  const logged = await apiCommands(t);
  const afterFirst = await state();
  const again = await t.api('POST', path, key, body, h);
  expect([path, again.status, again.body.code], JSON.stringify(again.body)).toEqual([path, 200, undefined]);
  expect(again.body.eventId).toBe(first.body.eventId);
  expect(await apiCommands(t)).toBe(logged);
  expect(await state()).toEqual(afterFirst);
  const mismatch = await t.api('POST', path, key, other, h);
  expect([path, mismatch.status, mismatch.body.code], JSON.stringify(mismatch.body)).toEqual([path, 409, 'E_IDEMPOTENCY_MISMATCH']);
  expect(await apiCommands(t)).toBe(logged);
  expect(await state()).toEqual(afterFirst);
  return { first: first.body, again: again.body, key: h };
}

for (const factory of storeFactories()) {
  describe(`an Idempotency-Key retry is answered as the first try: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let now = at('07:00');
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      // The returns world's app is `t` too in the tests that use it: closed once, and not again by the next test.
      await t?.close();
      t = undefined as unknown as TestApp;
      w.t = undefined as unknown as TestApp;
    });

    /** The store short of tents, the DC with plenty: the check proposes a transfer (test/replenishment/transfers.test.ts). */
    async function transferProposed(): Promise<{ recId: string; buyer: string }> {
      now = at('07:00');
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: DISPATCH, availabilityIntervalMs: 60_000 } });
      for (const l of [DC_TILBURG, STORE_AMSTERDAM]) await t.send(envelope({ type: 'location.upserted', payload: l }));
      for (const [loc, n] of [['store-ams', 5], ['dc', 500]] as const) {
        await t.send(envelope({ type: 'inventory.snapshot', occurredAt: iso(now), payload: { locationId: loc, counts: [{ sku: 'TENT', onHand: n }] } }));
      }
      const { rec, buyer } = await proposeTransfer(t, now, at('07:15'), (ms) => { now = ms; });
      return { recId: rec.id, buyer };
    }
    const stock = async (loc: string) => getStock(t.app.store.read, 'TENT', loc);

    it('a recommendation accepted, its transfer shipped and received: each retried, each applied once', async () => {
      const { recId, buyer } = await transferProposed();
      const rec = async () => (await t.api('GET', `/v1/replenishment/recommendations/${recId}`, t.adminKey)).body;
      const accepted = await retriedOnce(t, buyer, `/v1/replenishment/recommendations/${recId}/accept`, { note: 'go' }, { note: 'other words' }, async () => [await rec(), await stock('dc')]);
      expect(accepted.again).toEqual(accepted.first);
      expect(accepted.first).toMatchObject({ state: 'converted' });
      const transferId = accepted.first.transferId as string;
      expect(transferId).toBeTruthy();
      const qty = (await transferById(t.app.store.read, transferId))!.qty;
      expect(await t.app.store.read.all('SELECT id FROM transfers')).toHaveLength(1);
      // The other verb under the same key is another command: refused as one, and nothing dismissed.
      const dismissed = await t.api('POST', `/v1/replenishment/recommendations/${recId}/dismiss`, buyer, {}, accepted.key);
      expect([dismissed.status, dismissed.body.code]).toEqual([409, 'E_IDEMPOTENCY_MISMATCH']);
      // Under a key of its own, a decided recommendation is still refused at the door.
      const late = await t.api('POST', `/v1/replenishment/recommendations/${recId}/dismiss`, buyer, {}, idem());
      expect([late.status, late.body.code]).toEqual([409, 'E_INVALID_STATE']);
      expect((await rec()).state).toBe('converted');

      now = at('08:00');
      const warehouse = await t.keyFor('warehouse');
      const transfer = async () => [await transferById(t.app.store.read, transferId), await stock('dc'), await stock('store-ams')];
      const shipped = await retriedOnce(t, warehouse, `/v1/transfers/${transferId}/ship`, { carrier: 'dhl', tracking: 'JD1' }, { carrier: 'dhl', tracking: 'JD2' }, transfer);
      expect(shipped.again).toEqual(shipped.first);
      expect(shipped.first).toMatchObject({ state: 'shipped', doc: { shippedQty: qty, tracking: 'JD1' } });
      // The units left the DC once.
      expect(await stock('dc')).toMatchObject({ onHand: 500 - qty, reserved: 0 });

      now = at('11:00');
      const received = await retriedOnce(t, await t.keyFor('store_manager'), `/v1/transfers/${transferId}/receive`, {}, { qty: 1 }, transfer);
      expect(received.again).toEqual(received.first);
      expect(received.first).toMatchObject({ state: 'received', doc: { receivedQty: qty } });
      expect((await stock('store-ams'))?.onHand).toBe(5 + qty);
      expect(await stock('dc')).toMatchObject({ onHand: 500 - qty, reserved: 0 });
      // Without a key, a second receipt is still refused at the door.
      const twice = await t.api('POST', `/v1/transfers/${transferId}/receive`, t.adminKey, {});
      expect([twice.status, twice.body.code]).toEqual([409, 'E_INVALID_STATE']);
      expect((await t.app.store.read.all<{ action: string }>('SELECT action FROM audit WHERE subject = ? ORDER BY seq', [`transfer:${transferId}`])).map((r) => r.action))
        .toEqual(['transfer.created', 'transfer.shipped', 'transfer.received']);
    });

    it('a transfer cancelled, retried: released once, its source told once', async () => {
      const { recId, buyer } = await transferProposed();
      const accepted = await t.api('POST', `/v1/replenishment/recommendations/${recId}/accept`, buyer, {});
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
      const transferId = accepted.body.transferId as string;
      now = at('08:00');
      const told = async () => (await t.app.store.read.all<{ id: string }>(`SELECT id FROM outbox WHERE destination = 'location:dc' AND kind = 'transfer.cancelled'`)).length;
      const cancelled = await retriedOnce(t, buyer, `/v1/transfers/${transferId}/cancel`, { reason: 'promotion' }, { reason: 'another reason' },
        async () => [await transferById(t.app.store.read, transferId), await stock('dc'), await told()]);
      expect(cancelled.again).toEqual(cancelled.first);
      expect(cancelled.first).toMatchObject({ state: 'cancelled', doc: { reason: 'promotion' } });
      expect(await stock('dc')).toMatchObject({ onHand: 500, reserved: 0 });
      expect(await told()).toBe(1);
    });

    it('a purchase order cancelled, retried: the ERP and the supplier are told once', async () => {
      now = at('07:00');
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: DISPATCH, availabilityIntervalMs: 60_000 } });
      for (const l of [DC_TILBURG, STORE_AMSTERDAM]) await t.send(envelope({ type: 'location.upserted', payload: l }));
      const buyer = await t.keyFor('procurement');
      expect((await t.api('PUT', '/v1/suppliers/S1', buyer, { id: 'S1', name: 'Tents & Co', leadTimeDays: 10, skus: [{ sku: 'TENT', unitCost: 50, primary: true }] })).status).toBe(200);
      await t.send(envelope({ type: 'po.confirmed', payload: { poId: 'PO-1', supplierId: 'S1', locationId: 'store-ams', lines: [{ sku: 'TENT', qty: 100 }], expectedDate: '2026-12-05' } }));
      const told = async () => t.app.store.read.all<{ destination: string; kind: string }>(`SELECT destination, kind FROM outbox WHERE subject = 'po:PO-1' ORDER BY destination`);
      const cancelled = await retriedOnce(t, buyer, '/v1/purchase-orders/PO-1/cancel', { reason: 'supplier out of stock' }, {},
        async () => [await purchaseOrderById(t.app.store.read, 'PO-1'), await told()]);
      expect(cancelled.again).toEqual(cancelled.first);
      expect(cancelled.first).toMatchObject({ id: 'PO-1', state: 'cancelled' });
      expect(await told()).toEqual([{ destination: 'erp:purchase_orders', kind: 'purchase_order.cancel' }, { destination: 'supplier:S1', kind: 'purchase_order.cancelled' }]);
    });

    it('a fulfilment accepted and shipped, an order cancelled: each retried, each applied once', async () => {
      await w.start(factory);
      t = w.t;
      w.now = T0;
      await w.send(envelope({
        type: 'order.placed',
        payload: {
          externalOrderId: 'R-1', customer: { id: 'c-R-1', email: 'kim@example.com' }, currency: 'EUR', lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }],
          shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'captured', amount: 120 },
        },
      }));
      await w.drained();
      const order = await w.order('R-1');
      expect(order.state).toBe('allocated');
      const fId = order.fulfilments[0].id as string;
      const staff = await t.keyFor('warehouse');
      const fulfilment = async () => [await fulfilmentById(t.app.store.read, fId), await getStock(t.app.store.read, 'TENT', 'dc')];
      const accepted = await retriedOnce(t, staff, `/v1/fulfilments/${fId}/accept`, {}, { reason: 'another body' }, fulfilment);
      expect(accepted.again).toEqual(accepted.first);
      expect(accepted.first).toMatchObject({ id: fId, state: 'accepted' });
      expect((await t.api('POST', `/v1/fulfilments/${fId}/pick`, staff, {})).status).toBe(200);
      const shipped = await retriedOnce(t, staff, `/v1/fulfilments/${fId}/ship`, { carrier: 'postnl', trackingNumber: '3S-1' }, { carrier: 'postnl', trackingNumber: '3S-2' }, fulfilment);
      expect(shipped.again).toEqual(shipped.first);
      expect(shipped.first).toMatchObject({ id: fId, state: 'shipped' });
      // Shipped once: the stock left the DC once.
      expect(await getStock(t.app.store.read, 'TENT', 'dc')).toMatchObject({ onHand: 49, reserved: 0 });
      // Without a key, a step the fulfilment is past is still refused.
      const late = await t.api('POST', `/v1/fulfilments/${fId}/ship`, staff, {});
      expect([late.status, late.body.code]).toEqual([409, 'E_INVALID_STATE']);

      // An order cancel judges the order too, but a cancelled order passes it: retried, it is answered as the first.
      await w.send(envelope({
        type: 'order.placed',
        payload: {
          externalOrderId: 'R-2', customer: { id: 'c-R-2', email: 'kim@example.com' }, currency: 'EUR', lines: [{ lineId: '1', sku: 'MUG', qty: 2, unitPrice: 10 }],
          shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'captured', amount: 20 },
        },
      }));
      await w.drained();
      const orderId = orderIdFor('web', 'R-2');
      const agent = await t.keyFor('service_agent');
      const h = idem();
      const cancel = await t.api('POST', `/v1/orders/${orderId}/cancel`, agent, { reason: 'customer asked' }, h);
      expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
      expect(cancel.body.state).toBe('cancelled');
      const logged = await apiCommands(t);
      const again = await t.api('POST', `/v1/orders/${orderId}/cancel`, agent, { reason: 'customer asked' }, h);
      expect([again.status, again.body.state]).toEqual([200, 'cancelled']);
      const other = await t.api('POST', `/v1/orders/${orderId}/cancel`, agent, { reason: 'another reason' }, h);
      expect([other.status, other.body.code]).toEqual([409, 'E_IDEMPOTENCY_MISMATCH']);
      expect(await apiCommands(t)).toBe(logged);
      expect(await getStock(t.app.store.read, 'MUG', 'dc')).toMatchObject({ onHand: 50, reserved: 0 });
    });

    it('a return received, retried: the goods go back to stock once', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['changed_mind', 0.95], disposition: ['inspection_required', 0.9] }) });
      t = w.t;
      await w.deliveredOrder('R-3', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.requestReturn({ externalOrderId: 'R-3', lines: [{ lineId: '1', qty: 1 }], reason: 'changed my mind' });
      expect(c.state).toBe('awaiting_item');
      const onHand = (await getStock(t.app.store.read, 'TENT', 'dc'))!.onHand;
      const received = await retriedOnce(t, await t.keyFor('warehouse'), `/v1/returns/${c.id}/receive`, { lines: [{ lineId: '1', condition: 'resellable' }] }, { lines: [{ lineId: '1', condition: 'defective' }] },
        async () => { await w.drained(); return [await returnCaseById(t.app.store.read, c.id), await getStock(t.app.store.read, 'TENT', 'dc')]; });
      expect(received.first).toMatchObject({ id: c.id, state: 'received' });
      // The second answer is the case as it is then (its refund may have gone on meanwhile): the same case, the same receipt.
      expect(received.again).toMatchObject({ id: c.id, lines: received.first.lines });
      expect((await getStock(t.app.store.read, 'TENT', 'dc'))!.onHand).toBe(onHand + 1);
      expect((await w.caseOf(c.id)).refund).toMatchObject({ amount: 120 });
    });
  });
}
