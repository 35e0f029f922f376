import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { acceptTransfer, startTransferShop, tentsCountedAt, transferDayAt, transferProposed } from './support.js';
import { getStock } from '../../src/store/repos/stock.js';
import { transferById } from '../../src/store/repos/replenishment.js';
import { queryExceptions } from '../../src/store/repos/exceptions.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';

// A transfer received without a reported shipment (docs/replenishment.md, "Transfers"): the receipt
// may say when the goods left (`shippedAt`), and the source's book is then not cut twice by a count
// taken while they were on the road; without it, a count in between opens a recount for the source.
const at = transferDayAt;
const countAt = tentsCountedAt;
const iso = (ms: number) => new Date(ms).toISOString();

for (const factory of storeFactories()) {
  describe(`transfers received with or without when they left: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let now = at('07:00');
    afterEach(async () => t?.close());

    /** The store short of tents and the DC with 500; a transfer made at 07:15, its units held at the DC. */
    async function transferAccepted(): Promise<{ id: string; qty: number }> {
      now = at('07:00');
      t = await startTransferShop(factory, () => now);
      const { transferId, qty } = await acceptTransfer(t, await transferProposed(t, now, at('07:15'), (ms) => { now = ms; }));
      expect(await dc()).toMatchObject({ onHand: 500, reserved: qty });
      return { id: transferId, qty };
    }
    const dc = async () => getStock(t.app.store.read, 'TENT', 'dc');
    const store = async () => getStock(t.app.store.read, 'TENT', 'store-ams');
    const recounts = async () => queryExceptions(t.app.store.read, { queues: ['transfer_recount'], limit: 100 });
    const auditActions = async (subject: string) => (await t.app.store.read.all<{ action: string }>('SELECT action FROM audit WHERE subject = ? ORDER BY seq', [subject])).map((r) => r.action);
    async function booksAgree() {
      const r = await t.api('GET', '/v1/checks', t.adminKey);
      expect([r.status, r.body.findings]).toEqual([200, []]);
    }

    it('received with when it left: a count at the source after that already saw the units gone, and they are not taken off again', async () => {
      const tr = await transferAccepted();
      // Left the DC at 08:30, never reported; the DC counts its floor at 09:00 without them.
      now = at('09:00');
      await t.send(countAt('dc', at('09:00'), 500 - tr.qty));
      now = at('11:00');
      const received = await t.api('POST', `/v1/transfers/${tr.id}/receive`, await t.keyFor('store_manager'), { shippedAt: iso(at('08:30')) });
      expect(received.status, JSON.stringify(received.body)).toBe(200);
      // Booked at the receipt, the DC would hold 500 − 2 × qty.
      expect(await dc()).toMatchObject({ onHand: 500 - tr.qty, reserved: 0 });
      expect(received.body).toMatchObject({ state: 'received', doc: { receivedQty: tr.qty, shippedMs: at('08:30') } });
      expect((await store())?.onHand).toBe(5 + tr.qty);
      expect(await auditActions('stock:dc:TENT')).toEqual(['stock.movement_superseded']);
      expect(await recounts()).toEqual([]);
      await booksAgree();
      expect(await verifyAuditChain(t.app.store.read)).toMatchObject({ ok: true });
    });

    it('received with when it left, after the count: the count still saw them, and they leave the book then', async () => {
      const tr = await transferAccepted();
      now = at('09:00');
      await t.send(countAt('dc', at('09:00'), 500));
      now = at('11:00');
      expect((await t.api('POST', `/v1/transfers/${tr.id}/receive`, await t.keyFor('store_manager'), { shippedAt: iso(at('09:30')) })).status).toBe(200);
      expect(await dc()).toMatchObject({ onHand: 500 - tr.qty, reserved: 0 });
      expect(await auditActions('stock:dc:TENT')).toEqual([]);
      expect(await recounts()).toEqual([]);
    });

    it('received without when it left, after a count at the source: booked at the receipt as before, and the DC is asked to recount; its next count closes the item', async () => {
      const tr = await transferAccepted();
      now = at('09:00');
      await t.send(countAt('dc', at('09:00'), 500 - tr.qty));
      now = at('11:00');
      expect((await t.api('POST', `/v1/transfers/${tr.id}/receive`, await t.keyFor('store_manager'), {})).status).toBe(200);
      // Cut twice: the count may have seen them gone, or they may still have been there; nobody can tell.
      expect(await dc()).toMatchObject({ onHand: 500 - 2 * tr.qty, reserved: 0 });
      const [item, ...more] = await recounts();
      expect(more).toEqual([]);
      expect(item).toMatchObject({
        state: 'open', ownerRole: 'warehouse', subjectRef: 'stock:TENT@dc',
        detail: { transferId: tr.id, sku: 'TENT', locationId: 'dc', qty: tr.qty, countedMs: at('09:00'), bookedMs: at('11:00') },
      });
      expect(item!.summary).toBe(`transfer ${tr.id} was received without a reported shipment and the count at ${iso(at('09:00'))} may already have excluded its ${tr.qty} units; recount TENT at dc`);
      // A count taken before the receipt (arriving late) is no recount: it is rolled forward by the very movement in doubt.
      now = at('11:30');
      await t.send(countAt('dc', at('10:00'), 500 - tr.qty));
      expect((await recounts())[0]).toMatchObject({ state: 'open' });
      // Counted again after the receipt: the book is what is on the floor, and the item is done.
      now = at('12:00');
      await t.send(countAt('dc', at('12:00'), 500 - tr.qty));
      expect(await dc()).toMatchObject({ onHand: 500 - tr.qty, reserved: 0 });
      expect((await recounts())[0]).toMatchObject({ state: 'resolved', resolution: { by: 'omniops' } });
      await booksAgree();
    });

    it('received without when it left and no count at the source meanwhile: booked at the receipt, no item', async () => {
      const tr = await transferAccepted();
      now = at('11:00');
      expect((await t.api('POST', `/v1/transfers/${tr.id}/receive`, await t.keyFor('store_manager'), {})).status).toBe(200);
      expect(await dc()).toMatchObject({ onHand: 500 - tr.qty, reserved: 0 });
      expect(await recounts()).toEqual([]);
      await booksAgree();
    });

    it('a departure after the receipt or before the transfer was made is refused by the API, and held within those bounds for an event', async () => {
      const tr = await transferAccepted();
      now = at('11:00');
      const receiver = await t.keyFor('store_manager');
      const late = await t.api('POST', `/v1/transfers/${tr.id}/receive`, receiver, { shippedAt: iso(at('11:05')) });
      expect(late.status).toBe(422);
      expect(late.body).toMatchObject({ code: 'E_SCHEMA', errors: [{ path: 'body.shippedAt', message: `not after the receipt (${iso(at('11:00'))})` }] });
      const early = await t.api('POST', `/v1/transfers/${tr.id}/receive`, receiver, { shippedAt: iso(at('07:00')) });
      expect(early.status).toBe(422);
      expect(early.body).toMatchObject({ code: 'E_SCHEMA', errors: [{ path: 'body.shippedAt', message: `not before the transfer was made (${iso(at('07:15'))})` }] });
      const garbled = await t.api('POST', `/v1/transfers/${tr.id}/receive`, receiver, { shippedAt: 'this morning' });
      expect([garbled.status, garbled.body.code]).toEqual([422, 'E_SCHEMA']);
      expect((await transferById(t.app.store.read, tr.id))?.state).toBe('in_transit');
      expect(await dc()).toMatchObject({ onHand: 500, reserved: tr.qty });
      // The store's system sends the receipt as an event with the carrier's time, before the transfer existed: held at its making.
      await t.send(envelope({ type: 'transfer.received', occurredAt: iso(at('10:50')), payload: { transferId: tr.id, locationId: 'store-ams', shippedAt: iso(at('06:00')) } }));
      expect((await transferById(t.app.store.read, tr.id))?.doc).toMatchObject({ shippedMs: at('07:15') });
      expect(await auditActions(`transfer:${tr.id}`)).toEqual(['transfer.created', 'transfer.shipped_at_clamped', 'transfer.received']);
      expect(await dc()).toMatchObject({ onHand: 500 - tr.qty, reserved: 0 });
    });

    it('a receipt with a departure after the receipt, as an event, is held at the receipt', async () => {
      const tr = await transferAccepted();
      now = at('09:00');
      await t.send(countAt('dc', at('09:00'), 500 - tr.qty));
      now = at('11:00');
      await t.send(envelope({ type: 'transfer.received', occurredAt: iso(at('10:00')), payload: { transferId: tr.id, locationId: 'store-ams', shippedAt: iso(at('10:30')) } }));
      expect((await transferById(t.app.store.read, tr.id))?.doc).toMatchObject({ shippedMs: at('10:00') });
      expect(await auditActions(`transfer:${tr.id}`)).toContain('transfer.shipped_at_clamped');
      // A time was given: no doubt, so no recount (held at the receipt, after the 09:00 count).
      expect(await dc()).toMatchObject({ onHand: 500 - 2 * tr.qty, reserved: 0 });
      expect(await recounts()).toEqual([]);
    });

    it('a replayed receipt changes nothing', async () => {
      const tr = await transferAccepted();
      now = at('09:00');
      await t.send(countAt('dc', at('09:00'), 500 - tr.qty));
      now = at('11:00');
      const receiver = await t.keyFor('store_manager');
      const first = await t.api('POST', `/v1/transfers/${tr.id}/receive`, receiver, {}, { 'idempotency-key': 'rcv-1' });
      expect(first.status).toBe(200);
      const after = { dc: await dc(), store: await store(), items: (await recounts()).map((x) => [x.id, x.state]) };
      expect(after.items).toHaveLength(1);
      // The same command again (a retry), the store's system sending the receipt as well, with a time, and once more the same envelope.
      now = at('11:05');
      const retry = await t.api('POST', `/v1/transfers/${tr.id}/receive`, receiver, {}, { 'idempotency-key': 'rcv-1' });
      expect([retry.status, retry.body.eventId]).toEqual([200, first.body.eventId]);
      const again = envelope({ type: 'transfer.received', occurredAt: iso(at('11:00')), payload: { transferId: tr.id, locationId: 'store-ams', shippedAt: iso(at('08:30')) } });
      await t.send(again);
      await t.send(again);
      const refused = await t.api('POST', `/v1/transfers/${tr.id}/receive`, receiver, { shippedAt: iso(at('08:30')) });
      expect([refused.status, refused.body.code]).toEqual([409, 'E_INVALID_STATE']);
      expect({ dc: await dc(), store: await store(), items: (await recounts()).map((x) => [x.id, x.state]) }).toEqual(after);
      expect(await auditActions(`transfer:${tr.id}`)).toEqual(['transfer.created', 'transfer.received', 'transfer.receipt_ignored']);
    });
  });
}
