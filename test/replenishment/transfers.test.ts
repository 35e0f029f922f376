import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { acceptTransfer, startTransferShop, tentsCountedAt, transferDayAt, transferProposed } from './support.js';
import { getStock } from '../../src/store/repos/stock.js';
import { transferById, transfersInTransit, transferQtyOnItsWay } from '../../src/store/repos/replenishment.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';

// A transfer order after it was made (src/engine/replenishment/transfers.ts, docs/replenishment.md
// "Transfers"): shipped by its source, received by its destination, or cancelled before it leaves.
const at = transferDayAt;
const countAt = tentsCountedAt;
const iso = (ms: number) => new Date(ms).toISOString();

for (const factory of storeFactories()) {
  describe(`transfers: shipped, received, cancelled: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let now = at('07:00');
    afterEach(async () => t?.close());

    /** The store short of tents and the DC with plenty; the check proposes a transfer, procurement accepts it. */
    async function transferAccepted(): Promise<{ id: string; qty: number }> {
      now = at('07:00');
      t = await startTransferShop(factory, () => now);
      const { transferId, qty } = await acceptTransfer(t, await transferProposed(t, now, at('07:15'), (ms) => { now = ms; }));
      expect(qty).toBeGreaterThan(3);
      expect(await getStock(t.app.store.read, 'TENT', 'dc')).toMatchObject({ onHand: 500, reserved: qty });
      await booksAgree();
      return { id: transferId, qty };
    }
    const dc = async () => getStock(t.app.store.read, 'TENT', 'dc');
    /** The books check (docs/checks.md) finds nothing wrong: a transfer's hold counts as reserved at its source. */
    async function booksAgree() {
      const r = await t.api('GET', '/v1/checks', t.adminKey);
      expect([r.status, r.body.findings]).toEqual([200, []]);
    }
    const store = async () => getStock(t.app.store.read, 'TENT', 'store-ams');
    const auditActions = async (subject: string) => (await t.app.store.read.all<{ action: string }>('SELECT action FROM audit WHERE subject = ? ORDER BY seq', [subject])).map((r) => r.action);
    const outbox = async (destination: string, kind: string) =>
      (await t.app.store.read.all<{ payload: string }>('SELECT payload FROM outbox WHERE destination = ? AND kind = ?', [destination, kind])).map((r) => JSON.parse(r.payload));

    it('shipped, then counted at the source on the way, then received: the source is booked once, the destination gets what left', async () => {
      const tr = await transferAccepted();
      now = at('08:00');
      const warehouse = await t.keyFor('warehouse');
      const shipped = await t.api('POST', `/v1/transfers/${tr.id}/ship`, warehouse, { carrier: 'dhl', tracking: 'JD0001' });
      expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
      expect(shipped.body).toMatchObject({ state: 'shipped', doc: { shippedQty: tr.qty, carrier: 'dhl', tracking: 'JD0001', shippedMs: at('08:00') } });
      // The units left the DC's book when they left its floor.
      expect(await dc()).toMatchObject({ onHand: 500 - tr.qty, reserved: 0 });
      // The store hears what is coming, and how.
      expect(await outbox('location:store-ams', 'transfer.inbound')).toEqual([expect.objectContaining({ transferId: tr.id, qty: tr.qty, fromLocationId: 'dc', carrier: 'dhl', tracking: 'JD0001' })]);
      // The DC counts its floor while the truck is on the road: the transfer's units are not there.
      now = at('09:00');
      await t.send(countAt('dc', at('09:00'), 500 - tr.qty));
      now = at('11:00');
      const received = await t.api('POST', `/v1/transfers/${tr.id}/receive`, await t.keyFor('store_manager'), {});
      expect(received.status, JSON.stringify(received.body)).toBe(200);
      expect(received.body).toMatchObject({ state: 'received', doc: { receivedQty: tr.qty } });
      // Without the shipment step the receipt took them off the DC a second time (500 − 2 × qty).
      expect(await dc()).toMatchObject({ onHand: 500 - tr.qty, reserved: 0 });
      expect((await store())?.onHand).toBe(5 + tr.qty);
      expect(await auditActions(`transfer:${tr.id}`)).toEqual(['transfer.created', 'transfer.shipped', 'transfer.received']);
      await booksAgree();
      expect(await verifyAuditChain(t.app.store.read)).toMatchObject({ ok: true });
    });

    it('a short shipment frees the rest at the source; the receipt is bounded by what left', async () => {
      const tr = await transferAccepted();
      now = at('08:00');
      const warehouse = await t.keyFor('warehouse');
      const tooMany = await t.api('POST', `/v1/transfers/${tr.id}/ship`, warehouse, { qty: tr.qty + 1 });
      expect(tooMany.status).toBe(422);
      expect(tooMany.body.code).toBe('E_SCHEMA');
      const sent = tr.qty - 3;
      expect((await t.api('POST', `/v1/transfers/${tr.id}/ship`, warehouse, { qty: sent })).status).toBe(200);
      // The three that stayed are on the DC's shelf and free again.
      expect(await dc()).toMatchObject({ onHand: 500 - sent, reserved: 0 });
      await booksAgree();
      // The next check counts what is on the road, not what was asked for.
      const onItsWay = await transfersInTransit(t.app.store.read);
      expect(onItsWay.map((x) => [x.id, x.state, transferQtyOnItsWay(x)])).toEqual([[tr.id, 'shipped', sent]]);
      const receiver = await t.keyFor('store_manager');
      const over = await t.api('POST', `/v1/transfers/${tr.id}/receive`, receiver, { qty: sent + 1 });
      expect(over.status).toBe(422);
      expect(over.body).toMatchObject({ code: 'E_SCHEMA', errors: [{ path: 'body.qty' }] });
      now = at('12:00');
      // One lost in transit.
      expect((await t.api('POST', `/v1/transfers/${tr.id}/receive`, receiver, { qty: sent - 1 })).status).toBe(200);
      expect((await store())?.onHand).toBe(5 + sent - 1);
      expect(await dc()).toMatchObject({ onHand: 500 - sent, reserved: 0 });
      // A second receipt is refused at the door and changes nothing.
      const again = await t.api('POST', `/v1/transfers/${tr.id}/receive`, receiver, {});
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('E_INVALID_STATE');
      expect((await store())?.onHand).toBe(5 + sent - 1);
    });

    it('cancelled before it leaves: the source\'s units are free, the source is told, and nothing can ship or arrive any more', async () => {
      const tr = await transferAccepted();
      now = at('08:00');
      const warehouseRefused = await t.api('POST', `/v1/transfers/${tr.id}/cancel`, await t.keyFor('warehouse'), {});
      expect(warehouseRefused.status).toBe(403);
      expect(warehouseRefused.body.code).toBe('E_ROLE');
      const cancelled = await t.api('POST', `/v1/transfers/${tr.id}/cancel`, await t.keyFor('procurement'), { reason: 'the DC needs them for a promotion' });
      expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
      expect(cancelled.body).toMatchObject({ state: 'cancelled', doc: { reason: 'the DC needs them for a promotion' } });
      expect(await dc()).toMatchObject({ onHand: 500, reserved: 0 });
      expect(await outbox('location:dc', 'transfer.cancelled')).toEqual([expect.objectContaining({ transferId: tr.id, qty: tr.qty, toLocationId: 'store-ams' })]);
      const decided = await t.app.store.read.all<{ payload: string }>(`SELECT payload FROM events WHERE type = 'transfer.cancelled'`);
      expect(decided.map((r) => JSON.parse(r.payload))).toEqual([expect.objectContaining({ transferId: tr.id, qty: tr.qty, reason: 'the DC needs them for a promotion' })]);
      for (const step of ['ship', 'receive', 'cancel']) {
        const r = await t.api('POST', `/v1/transfers/${tr.id}/${step}`, t.adminKey, {});
        expect([step, r.status, r.body.code]).toEqual([step, 409, 'E_INVALID_STATE']);
      }
      // No longer supply for the store: the next check sees the shortfall again.
      expect(await transfersInTransit(t.app.store.read)).toEqual([]);
      expect(await dc()).toMatchObject({ onHand: 500, reserved: 0 });
      await booksAgree();
    });

    it('a shipment is not cancelled; reports from the source that come twice or from elsewhere change nothing', async () => {
      const tr = await transferAccepted();
      now = at('08:00');
      // The DC's WMS reports the shipment as an event of its own (as a source, not through the API).
      await t.send(envelope({ type: 'transfer.shipped', occurredAt: iso(at('07:50')), payload: { transferId: tr.id, locationId: 'dc', qty: tr.qty } }));
      expect((await transferById(t.app.store.read, tr.id))?.doc).toMatchObject({ shippedQty: tr.qty, shippedMs: at('07:50') });
      await t.send(envelope({ type: 'transfer.shipped', payload: { transferId: tr.id, locationId: 'dc' } }));
      expect(await dc()).toMatchObject({ onHand: 500 - tr.qty, reserved: 0 });
      expect(await auditActions(`transfer:${tr.id}`)).toEqual(['transfer.created', 'transfer.shipped', 'transfer.shipment_ignored']);
      const late = await t.api('POST', `/v1/transfers/${tr.id}/cancel`, await t.keyFor('procurement'), {});
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('E_INVALID_STATE');
      expect((await transferById(t.app.store.read, tr.id))?.state).toBe('shipped');
      // A cancel sent as an event by a source (no person, no role) is refused and recorded.
      await t.send(envelope({ type: 'transfer.cancel_requested', payload: { transferId: tr.id } }));
      expect((await transferById(t.app.store.read, tr.id))?.state).toBe('shipped');
      expect((await auditActions(`transfer:${tr.id}`)).at(-1)).toBe('transfer.cancel_refused');
      expect(await dc()).toMatchObject({ onHand: 500 - tr.qty, reserved: 0 });
    });

    it('the API refuses unknown transfers and bodies it cannot read', async () => {
      await transferAccepted();
      const warehouse = await t.keyFor('warehouse');
      const missing = await t.api('POST', '/v1/transfers/nope/ship', warehouse, {});
      expect([missing.status, missing.body.code]).toEqual([404, 'E_NOT_FOUND']);
      expect((await t.api('GET', '/v1/transfers/nope', warehouse)).status).toBe(404);
      const unknownField = await t.api('POST', '/v1/transfers/nope/ship', warehouse, { qty: 1, truck: 'blue' });
      expect([unknownField.status, unknownField.body.code]).toEqual([422, 'E_SCHEMA']);
      const shippedList = await t.api('GET', '/v1/transfers?state=shipped', warehouse);
      expect(shippedList.status).toBe(200);
      expect(shippedList.body.items).toEqual([]);
      // A location sees what it sends and what comes to it; pages by the cursor the list gives.
      const ids = async (q: string) => ((await t.api('GET', `/v1/transfers${q}`, warehouse)).body.items as Array<{ id: string }>).map((x) => x.id);
      const [only] = await ids('');
      expect(await ids('?location=dc')).toEqual([only]);
      expect(await ids('?location=store-ams')).toEqual([only]);
      expect(await ids('?location=elsewhere')).toEqual([]);
      expect(await ids('?sku=MUG')).toEqual([]);
      const page = await t.api('GET', '/v1/transfers?limit=1', warehouse);
      expect(page.body.items.map((x: { id: string }) => x.id)).toEqual([only]);
      expect(await ids(`?limit=1&before=${encodeURIComponent(page.body.next)}`)).toEqual([]);
      const garbled = await t.api('GET', '/v1/transfers?before=yesterday', warehouse);
      expect([garbled.status, garbled.body.code]).toEqual([422, 'E_SCHEMA']);
    });
  });
}
