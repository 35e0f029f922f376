import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): before every cut-off.
const T0 = Date.parse('2026-11-30T09:00:00Z');
const DC = { id: 'dc', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 100_000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 };
const endOf = (day: string) => Date.parse(`${day}T23:59:59.999Z`);
// What a PO's lifecycle steps read and extend (history, delays): a bare '{}' cannot be delayed or cancelled.
const PO_DOC = JSON.stringify({ approvals: [], history: [], requestedBy: null, delays: [] });

function order(ext: string, sku: string, qty: number) {
  return orderOf(ext, [[sku, qty]]);
}
function orderOf(ext: string, lines: Array<[sku: string, qty: number]>) {
  return envelope({
    type: 'order.placed',
    payload: {
      externalOrderId: ext, customer: { id: `c-${ext}`, email: 'kim@example.com' }, lines: lines.map(([sku, qty], i) => ({ lineId: String(i + 1), sku, qty, unitPrice: 10 })), currency: 'EUR',
      shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 10 * lines.reduce((n, [, qty]) => n + qty, 0) },
    },
  });
}

for (const factory of storeFactories()) {
  describe(`backorder promises and the backorder retry: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup(counts: Array<{ sku: string; onHand: number }>) {
      now = T0;
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
      await t.send(envelope({ type: 'location.upserted', payload: DC }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts } }));
    }
    async function inbound(pos: Array<[id: string, day: string, sku: string, qty: number]>) {
      await t.app.store.transaction(async (tx) => {
        for (const [id, day, sku, qty] of pos) {
          await tx.run(
            `INSERT INTO purchase_orders (id, supplier_id, location_id, state, expected_date, planned_date, promised_date, received_date, expedite, recommendation_id, value, created_ms, doc, updated_at)
             VALUES (?, 'sup-1', 'dc', 'confirmed', ?, ?, NULL, NULL, 0, NULL, 0, 0, ?, '')`, [id, day, day, PO_DOC]);
          await tx.run('INSERT INTO purchase_order_lines (po_id, sku, qty, received_qty, unit_cost) VALUES (?, ?, ?, 0, NULL)', [id, sku, qty]);
        }
      });
    }
    const getOrder = async (ext: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body;
    const backordered = async (ext: string) => {
      const e = await t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = 'order.backordered' AND subject = ?`, [`order:web:${ext}`]);
      return JSON.parse(e!.payload) as { expectedAt: number | null; shortSkus: Array<{ sku: string; expectedAt: number | null; coveredBy: Array<{ poId: string; qty: number }> }> };
    };

    /** The order's latest `order.backordered` (a revised promise is announced again). */
    const lastBackordered = async (ext: string) => {
      const e = await t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = 'order.backordered' AND subject = ? ORDER BY seq DESC LIMIT 1`, [`order:web:${ext}`]);
      return JSON.parse(e!.payload) as { expectedAt: number | null; shortSkus: Array<{ sku: string; expectedAt: number | null; coveredBy: Array<{ poId: string; qty: number }> }> };
    };
    /** Promise-moved messages queued for an order: [before, after] per message. */
    const promiseMessages = async (ext: string) => (await t.app.store.read.all<{ payload: string }>(
      `SELECT payload FROM outbox WHERE destination = 'notify:email' AND payload LIKE ? ORDER BY seq`, [`%${orderIdFor('web', ext)}%`],
    )).map((r) => JSON.parse(r.payload) as { templateId: string; facts: { promiseBefore?: number; promiseAfter?: number } })
      .filter((m) => m.templateId === 'promise_date_changed').map((m) => [m.facts.promiseBefore, m.facts.promiseAfter]);
    const covered = async (ext: string) => (await lastBackordered(ext)).shortSkus[0].coveredBy.map((c) => [c.poId, c.qty]);
    /** Promise-withdrawn messages queued for an order: the day each withdrew. */
    const withdrawnMessages = async (ext: string) => (await t.app.store.read.all<{ payload: string }>(
      `SELECT payload FROM outbox WHERE destination = 'notify:email' AND payload LIKE ? ORDER BY seq`, [`%${orderIdFor('web', ext)}%`],
    )).map((r) => JSON.parse(r.payload) as { templateId: string; facts: { promiseBefore?: number } })
      .filter((m) => m.templateId === 'promise_date_withdrawn').map((m) => m.facts.promiseBefore);
    const receive = (poId: string, sku: string, qty: number, final?: boolean) =>
      t.send(envelope({ type: 'po.received', payload: { poId, locationId: 'dc', receivedDate: '2026-12-01', lines: [{ sku, qty }], ...(final === undefined ? {} : { final }) } }));

    it("a PO delayed past the next one: its backorders are promised again oldest first, and their customers told the new date", async () => {
      await setup([{ sku: 'TENT', onHand: 0 }]);
      await inbound([['po-early', '2026-12-09', 'TENT', 5], ['po-late', '2026-12-20', 'TENT', 5]]);
      // A second apart: "oldest" is placed order (placed time, then id), as for the retry.
      for (const ext of ['D-1', 'D-2']) { now += 1000; await t.send(order(ext, 'TENT', 4)); }
      expect(await covered('D-2')).toEqual([['po-early', 1], ['po-late', 3]]);

      now += 60_000;
      await t.send(envelope({ type: 'po.delayed', payload: { poId: 'po-early', newExpectedDate: '2026-12-25', reason: 'port strike' } }));
      // Both were promised from po-early, so both are promised again, oldest first: D-1 takes 4 of
      // po-late (now the earlier receipt), D-2 the last unit of po-late and 3 of po-early.
      expect(await covered('D-1')).toEqual([['po-late', 4]]);
      expect((await lastBackordered('D-1')).expectedAt).toBe(endOf('2026-12-20'));
      expect(await covered('D-2')).toEqual([['po-late', 1], ['po-early', 3]]);
      expect((await getOrder('D-1')).promisedBy).toBe('2026-12-20T23:59:59.999Z');
      expect((await getOrder('D-2')).promisedBy).toBe('2026-12-25T23:59:59.999Z');
      expect(await promiseMessages('D-1')).toEqual([[endOf('2026-12-09'), endOf('2026-12-20')]]);
      expect(await promiseMessages('D-2')).toEqual([[endOf('2026-12-20'), endOf('2026-12-25')]]);
      expect((await getOrder('D-1')).state).toBe('backordered');
    });

    it('a confirmation that cuts the quantity and moves the date: the promises made from the PO follow it', async () => {
      await setup([{ sku: 'TENT', onHand: 0 }]);
      await inbound([['po-early', '2026-12-09', 'TENT', 8], ['po-late', '2026-12-20', 'TENT', 5]]);
      for (const ext of ['C-1', 'C-2']) { now += 1000; await t.send(order(ext, 'TENT', 4)); }
      expect([await covered('C-1'), await covered('C-2')]).toEqual([[['po-early', 4]], [['po-early', 4]]]);

      now += 60_000;
      // The supplier confirms 4, for the 11th: C-1 keeps its 4 (a later date), C-2 moves to po-late.
      await t.send(envelope({ type: 'po.confirmed', payload: { poId: 'po-early', supplierId: 'sup-1', locationId: 'dc', lines: [{ sku: 'TENT', qty: 4 }], expectedDate: '2026-12-11' } }));
      expect(await covered('C-1')).toEqual([['po-early', 4]]);
      expect((await getOrder('C-1')).promisedBy).toBe('2026-12-11T23:59:59.999Z');
      expect(await covered('C-2')).toEqual([['po-late', 4]]);
      expect((await getOrder('C-2')).promisedBy).toBe('2026-12-20T23:59:59.999Z');
      expect(await promiseMessages('C-2')).toEqual([[endOf('2026-12-09'), endOf('2026-12-20')]]);
    });

    it('a cancelled PO: its backorder gets the room left elsewhere or no date, and frees what it no longer holds', async () => {
      await setup([{ sku: 'TENT', onHand: 0 }]);
      await inbound([['po-early', '2026-12-09', 'TENT', 5], ['po-late', '2026-12-20', 'TENT', 5]]);
      // A second apart: "oldest" is placed order (placed time, then id), as for the retry.
      for (const ext of ['X-1', 'X-2']) { now += 1000; await t.send(order(ext, 'TENT', 4)); }

      now += 60_000;
      expect((await t.api('POST', '/v1/purchase-orders/po-early/cancel', t.adminKey, { reason: 'supplier out of stock' })).status).toBe(200);
      await t.drained();
      // Both were promised from po-early, so both are promised again, oldest first: X-1 takes 4 of
      // po-late (told the later date), X-2 finds 1 unit of room for 4: no receipt keeps a date for it.
      expect(await covered('X-1')).toEqual([['po-late', 4]]);
      expect((await getOrder('X-1')).promisedBy).toBe('2026-12-20T23:59:59.999Z');
      expect(await promiseMessages('X-1')).toEqual([[endOf('2026-12-09'), endOf('2026-12-20')]]);
      expect((await lastBackordered('X-2')).expectedAt).toBeNull();
      expect((await getOrder('X-2')).promisedBy ?? null).toBeNull();
      expect((await getOrder('X-2')).state).toBe('backordered');
      // The day X-2 was given is gone: its customer is told so.
      const withdrawn = (await t.app.store.read.all<{ payload: string }>(`SELECT payload FROM outbox WHERE destination = 'notify:email' AND payload LIKE ? ORDER BY seq`, [`%${orderIdFor('web', 'X-2')}%`]))
        .map((r) => JSON.parse(r.payload) as { templateId: string; facts: { promiseBefore?: number } }).filter((m) => m.templateId === 'promise_date_withdrawn');
      expect(withdrawn.map((m) => m.facts.promiseBefore)).toEqual([endOf('2026-12-20')]);
      // X-2, waiting without a date, holds nothing: the unit of po-late left is promised to the next order.
      await t.send(order('X-3', 'TENT', 1));
      expect((await lastBackordered('X-3')).expectedAt).toBe(endOf('2026-12-20'));
    });

    it('received stock goes to the backorders promised it, before a new order arrives or the retry runs', async () => {
      await setup([{ sku: 'TENT', onHand: 0 }]);
      await inbound([['po-early', '2026-12-09', 'TENT', 5]]);
      await t.send(order('R-1', 'TENT', 4));
      expect((await getOrder('R-1')).state).toBe('backordered');

      now += 60_000;
      await t.send(envelope({ type: 'po.received', payload: { poId: 'po-early', locationId: 'dc', receivedDate: '2026-12-01', lines: [{ sku: 'TENT', qty: 5 }] } }));
      expect((await getOrder('R-1')).state).toBe('allocated');
      await t.send(order('R-2', 'TENT', 4));
      expect((await getOrder('R-2')).state).toBe('backordered');
    });

    it('a receipt that closes its PO short promises again, oldest first, what it did not bring: a later receipt, told the customer', async () => {
      await setup([{ sku: 'TENT', onHand: 0 }]);
      await inbound([['po-early', '2026-12-09', 'TENT', 8], ['po-late', '2026-12-20', 'TENT', 10]]);
      for (const ext of ['F-1', 'F-2', 'F-3']) { now += 1000; await t.send(order(ext, 'TENT', 4)); }
      expect([await covered('F-1'), await covered('F-2'), await covered('F-3')]).toEqual([[['po-early', 4]], [['po-early', 4]], [['po-late', 4]]]);

      now += 60_000;
      // 5 of 8, and the supplier says that is all: F-1 is placed, 1 unit is left for F-2's 4.
      await receive('po-early', 'TENT', 5, true);
      expect((await getOrder('F-1')).state).toBe('allocated');
      // po-early will bring nothing more: F-2 is promised from po-late, beside F-3's promise, and told.
      expect(await covered('F-2')).toEqual([['po-late', 4]]);
      expect((await getOrder('F-2')).promisedBy).toBe('2026-12-20T23:59:59.999Z');
      expect(await promiseMessages('F-2')).toEqual([[endOf('2026-12-09'), endOf('2026-12-20')]]);
      expect(await covered('F-3')).toEqual([['po-late', 4]]);
      // po-late has 2 units of room left, not 6: F-2's new promise counts. F-4 wants 4, 1 is on the
      // shelf: 3 short, no date.
      await t.send(order('F-4', 'TENT', 4));
      expect((await lastBackordered('F-4')).expectedAt).toBeNull();
    });

    it('a receipt that closes its PO short withdraws the date of a backorder no receipt can keep any more', async () => {
      await setup([{ sku: 'TENT', onHand: 0 }]);
      await inbound([['po-early', '2026-12-09', 'TENT', 10]]);
      for (const ext of ['W-1', 'W-2']) { now += 1000; await t.send(order(ext, 'TENT', 4)); }

      now += 60_000;
      // Two receipts, the second closing the PO at 6 of 10: W-1 is placed by the first.
      await receive('po-early', 'TENT', 4);
      expect((await getOrder('W-1')).state).toBe('allocated');
      expect((await getOrder('W-2')).promisedBy).toBe('2026-12-09T23:59:59.999Z');
      await receive('po-early', 'TENT', 2, true);
      const w2 = await getOrder('W-2');
      expect([w2.state, w2.promisedBy ?? null]).toEqual(['backordered', null]);
      expect((await lastBackordered('W-2')).expectedAt).toBeNull();
      expect(await withdrawnMessages('W-2')).toEqual([endOf('2026-12-09')]);
    });

    it('a receipt that closes its PO keeps the promise of a backorder waiting for another sku whose units it brought', async () => {
      await setup([{ sku: 'TENT', onHand: 0 }, { sku: 'MAT', onHand: 0 }]);
      await inbound([['po-tent', '2026-12-09', 'TENT', 5], ['po-mat', '2026-12-15', 'MAT', 1]]);
      await t.send(orderOf('K-1', [['TENT', 2], ['MAT', 1]]));
      expect((await getOrder('K-1')).promisedBy).toBe('2026-12-15T23:59:59.999Z');

      now += 60_000;
      // Short (3 of 5), but K-1's 2 tents are on the shelf: it still waits only for the mat.
      await receive('po-tent', 'TENT', 3, true);
      const k1 = await getOrder('K-1');
      expect([k1.state, k1.promisedBy]).toEqual(['backordered', '2026-12-15T23:59:59.999Z']);
      expect(await promiseMessages('K-1')).toEqual([]);
      expect(await withdrawnMessages('K-1')).toEqual([]);
    });

    describe('news of a PO whose units of a waiting backorder are already on the shelf: the promise stands', () => {
      // K-1 waits for a mat; a partial receipt brought its 2 tents, which stay free on the shelf.
      async function tentsIn() {
        await setup([{ sku: 'TENT', onHand: 0 }, { sku: 'MAT', onHand: 0 }]);
        await inbound([['po-tent', '2026-12-09', 'TENT', 5], ['po-mat', '2026-12-15', 'MAT', 1]]);
        await t.send(orderOf('K-1', [['TENT', 2], ['MAT', 1]]));
        now += 60_000;
        await receive('po-tent', 'TENT', 3);
        const k1 = await getOrder('K-1');
        expect([k1.state, k1.promisedBy]).toEqual(['backordered', '2026-12-15T23:59:59.999Z']);
        now += 60_000;
      }
      async function expectKept() {
        const k1 = await getOrder('K-1');
        expect([k1.state, k1.promisedBy]).toEqual(['backordered', '2026-12-15T23:59:59.999Z']);
        expect(await promiseMessages('K-1')).toEqual([]);
        expect(await withdrawnMessages('K-1')).toEqual([]);
        const announced = await t.app.store.read.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM events WHERE type = 'order.backordered' AND subject = 'order:web:K-1'`);
        expect(Number(announced!.n)).toBe(1);
      }

      it('cancelled: its date is not withdrawn', async () => {
        await tentsIn();
        expect((await t.api('POST', '/v1/purchase-orders/po-tent/cancel', t.adminKey, { reason: 'the rest is not coming' })).status).toBe(200);
        await t.drained();
        await expectKept();
      });

      it('confirmed for no more than arrived (closed): its date is not withdrawn', async () => {
        await tentsIn();
        await t.send(envelope({ type: 'po.confirmed', payload: { poId: 'po-tent', supplierId: 'sup-1', locationId: 'dc', lines: [{ sku: 'TENT', qty: 3 }], expectedDate: '2026-12-09' } }));
        await expectKept();
      });

      it('delayed: its date is not moved to the delayed receipt', async () => {
        await tentsIn();
        await t.send(envelope({ type: 'po.delayed', payload: { poId: 'po-tent', newExpectedDate: '2026-12-25' } }));
        await expectKept();
      });

      it('the units were taken before the cancel: the date is withdrawn as before', async () => {
        await tentsIn();
        // Another order takes the 3 tents K-1 was waiting beside.
        await t.send(order('T-1', 'TENT', 3));
        expect((await getOrder('T-1')).state).toBe('allocated');
        expect((await t.api('POST', '/v1/purchase-orders/po-tent/cancel', t.adminKey, {})).status).toBe(200);
        await t.drained();
        const k1 = await getOrder('K-1');
        expect([k1.state, k1.promisedBy ?? null]).toEqual(['backordered', null]);
        expect(await withdrawnMessages('K-1')).toEqual([endOf('2026-12-15')]);
      });
    });

    describe('a promise kept on the shelf whose units another order took: the retry tells the customer', () => {
      const retryTick = async () => { now += 61_000; await t.app.scheduler.tick(); await t.drained(); };
      const announcements = async (ext: string) => Number((await t.app.store.read.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM events WHERE type = 'order.backordered' AND subject = ?`, [`order:web:${ext}`]))!.n);

      it('the PO closed: promised again from a later receipt, the moved date told', async () => {
        await setup([{ sku: 'TENT', onHand: 0 }, { sku: 'MAT', onHand: 0 }]);
        await inbound([['po-tent', '2026-12-09', 'TENT', 5], ['po-mat', '2026-12-15', 'MAT', 1], ['po-late', '2026-12-20', 'TENT', 5]]);
        await t.send(orderOf('K-1', [['TENT', 2], ['MAT', 1]]));
        now += 60_000;
        await receive('po-tent', 'TENT', 3, true);
        expect((await getOrder('K-1')).promisedBy).toBe('2026-12-15T23:59:59.999Z');
        // Nothing taken yet: the retry leaves the kept promise alone.
        await retryTick();
        expect([(await getOrder('K-1')).promisedBy, await announcements('K-1')]).toEqual(['2026-12-15T23:59:59.999Z', 1]);

        // A new order takes the 3 tents on the shelf (a kept promise reserves nothing).
        now += 1000; await t.send(order('T-1', 'TENT', 3));
        expect((await getOrder('T-1')).state).toBe('allocated');
        await retryTick();
        const k1 = await getOrder('K-1');
        expect([k1.state, k1.promisedBy]).toEqual(['backordered', '2026-12-20T23:59:59.999Z']);
        expect((await lastBackordered('K-1')).shortSkus.map((s) => [s.sku, s.coveredBy.map((c) => [c.poId, c.qty])])).toEqual([['MAT', [['po-mat', 1]]], ['TENT', [['po-late', 2]]]]);
        expect(await promiseMessages('K-1')).toEqual([[endOf('2026-12-15'), endOf('2026-12-20')]]);
        // Told once: the next tick finds the promise backed by po-late.
        await retryTick();
        expect(await announcements('K-1')).toBe(2);
      });

      it('kept through a delay: promised again from the delayed PO, the moved date told', async () => {
        await setup([{ sku: 'TENT', onHand: 0 }, { sku: 'MAT', onHand: 0 }]);
        await inbound([['po-tent', '2026-12-09', 'TENT', 5], ['po-mat', '2026-12-15', 'MAT', 1]]);
        await t.send(orderOf('K-1', [['TENT', 2], ['MAT', 1]]));
        now += 60_000;
        await receive('po-tent', 'TENT', 3);
        await t.send(envelope({ type: 'po.delayed', payload: { poId: 'po-tent', newExpectedDate: '2026-12-25' } }));
        expect((await getOrder('K-1')).promisedBy).toBe('2026-12-15T23:59:59.999Z');

        now += 1000; await t.send(order('T-1', 'TENT', 3));
        expect((await getOrder('T-1')).state).toBe('allocated');
        await retryTick();
        const k1 = await getOrder('K-1');
        expect([k1.state, k1.promisedBy]).toEqual(['backordered', '2026-12-25T23:59:59.999Z']);
        expect(await promiseMessages('K-1')).toEqual([[endOf('2026-12-15'), endOf('2026-12-25')]]);
      });
    });

    it('a partial receipt neither loses nor double-counts promises: what an unplaced backorder was promised still counts, what a placed one was does not', async () => {
      await setup([{ sku: 'TENT', onHand: 0 }, { sku: 'MAT', onHand: 0 }]);
      await inbound([['po-early', '2026-12-09', 'TENT', 10], ['po-mat', '2026-12-15', 'MAT', 1], ['po-late', '2026-12-20', 'TENT', 5]]);
      // P-1 also waits for a mat, so the receipt cannot place it; P-2 it can.
      now += 1000; await t.send(orderOf('P-1', [['TENT', 4], ['MAT', 1]]));
      now += 1000; await t.send(order('P-2', 'TENT', 4));
      expect(await covered('P-2')).toEqual([['po-early', 4]]);

      now += 60_000;
      await receive('po-early', 'TENT', 4);
      expect((await getOrder('P-2')).state).toBe('allocated');
      expect((await getOrder('P-1')).state).toBe('backordered');
      // 6 still to come of po-early: 4 are P-1's, so a new order gets the 2 others and 1 of po-late.
      // (Lost: 3 of po-early, the 9th. Counted twice, with P-2's 4: all 3 of po-late.)
      now += 1000; await t.send(order('P-3', 'TENT', 3));
      expect(await covered('P-3')).toEqual([['po-early', 2], ['po-late', 1]]);
      expect((await getOrder('P-3')).promisedBy).toBe('2026-12-20T23:59:59.999Z');
      expect((await getOrder('P-1')).promisedBy).toBe('2026-12-15T23:59:59.999Z');
    });

    it("a purchase order's units are promised once: the next backorder gets the next receipt with room, then no date", async () => {
      await setup([{ sku: 'TENT', onHand: 0 }]);
      await inbound([['po-early', '2026-12-09', 'TENT', 5], ['po-late', '2026-12-20', 'TENT', 5]]);
      for (const ext of ['A-1', 'A-2', 'A-3']) await t.send(order(ext, 'TENT', 4));

      const [a1, a2, a3] = [await backordered('A-1'), await backordered('A-2'), await backordered('A-3')];
      expect(a1.expectedAt).toBe(endOf('2026-12-09'));
      expect(a1.shortSkus[0].coveredBy.map((c) => [c.poId, c.qty])).toEqual([['po-early', 4]]);
      // 1 unit of po-early is left: the second waits for po-late too.
      expect(a2.expectedAt).toBe(endOf('2026-12-20'));
      expect(a2.shortSkus[0].coveredBy.map((c) => [c.poId, c.qty])).toEqual([['po-early', 1], ['po-late', 3]]);
      // 2 units left of 10: no receipt can keep a promise to the third.
      expect(a3.expectedAt).toBeNull();
      expect((await getOrder('A-3')).state).toBe('backordered');
      expect((await getOrder('A-3')).promisedBy ?? null).toBeNull();
      expect((await getOrder('A-2')).promisedBy).toBe('2026-12-20T23:59:59.999Z');
    });

    it('a backorder no longer open holds no units: once the first is cancelled, the next order is promised its receipt', async () => {
      await setup([{ sku: 'TENT', onHand: 0 }]);
      await inbound([['po-early', '2026-12-09', 'TENT', 5]]);
      await t.send(order('C-1', 'TENT', 4));
      await t.send(envelope({ type: 'order.cancel_requested', payload: { externalOrderId: 'C-1' } }));
      expect((await getOrder('C-1')).state).toBe('cancelled');
      await t.send(order('C-2', 'TENT', 4));
      expect((await backordered('C-2')).expectedAt).toBe(endOf('2026-12-09'));
    });

    it('the retry is fair: backorders beyond its batch are looked at too, when the oldest can never be placed', async () => {
      await setup([{ sku: 'TENT', onHand: 0 }, { sku: 'MAT', onHand: 0 }]);
      // 200 old backorders nothing will serve, then a newer one whose stock comes back.
      const old = Array.from({ length: 200 }, (_, i) => order(`O-${i}`, 'TENT', 1));
      for (const e of old) await t.take(e);
      await t.drained();
      now += 1000;
      await t.send(order('N-1', 'MAT', 1));
      expect((await getOrder('N-1')).state).toBe('backordered');
      await t.send(envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc', sku: 'MAT', delta: 1, reason: 'receipt' } }));
      for (let i = 0; i < 3; i++) {
        now += 61_000;
        await t.app.scheduler.tick();
        await t.drained();
      }
      expect((await getOrder('N-1')).state).toBe('allocated');
      expect((await getOrder('O-0')).state).toBe('backordered');
    });

    it('the retry keeps its place by order, not position: an order ahead of it leaving the queue makes it skip no one', async () => {
      await setup([{ sku: 'TENT', onHand: 0 }, { sku: 'MAT', onHand: 0 }]);
      // 200 old backorders nothing will serve (one tick's batch), then two newer ones.
      for (let i = 0; i < 200; i++) await t.take(order(`O-${i}`, 'TENT', 1));
      await t.drained();
      now += 1000;
      await t.send(order('N-1', 'MAT', 1));
      now += 1000;
      await t.send(order('N-2', 'TENT', 1));
      await t.send(envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc', sku: 'MAT', delta: 1, reason: 'receipt' } }));
      const tick = async () => { now += 61_000; await t.app.scheduler.tick(); await t.drained(); };
      // The first tick looks at the 200 old ones and stops after the last of them.
      await tick();
      expect((await getOrder('N-1')).state).toBe('backordered');
      // One it looked at leaves the queue: the next tick still begins with N-1.
      await t.send(envelope({ type: 'order.cancel_requested', payload: { externalOrderId: 'O-7' } }));
      expect((await getOrder('O-7')).state).toBe('cancelled');
      await tick();
      expect((await getOrder('N-1')).state).toBe('allocated');
    });

    it('a place kept by the old retry (a position) is read as "from the oldest"', async () => {
      await setup([{ sku: 'MAT', onHand: 0 }]);
      await t.send(order('M-1', 'MAT', 1));
      await t.app.store.transaction(async (tx) => {
        // As the old retry wrote it: only a number, past the end of this queue.
        await tx.run(`DELETE FROM scheduler_slots WHERE job = 'backorder-retry:cursor'`);
        await tx.run(`INSERT INTO scheduler_slots (job, last_slot_ms) VALUES ('backorder-retry:cursor', 150)`);
      });
      await t.send(envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc', sku: 'MAT', delta: 1, reason: 'receipt' } }));
      now += 61_000;
      await t.app.scheduler.tick();
      await t.drained();
      expect((await getOrder('M-1')).state).toBe('allocated');
    });
  });
}
