import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import type { Store } from '../../src/store/port.js';
import {
  capacityUsed, fulfilmentsOfOrder, insertFulfilment, insertNewOrder, insertOrder, orderById, orderForErp, reservationsOfOrder, setFulfilmentState,
  type FulfilmentRecord, type ReservationRecord,
} from '../../src/store/repos/orders.js';

const order = {
  id: 'o1', source: 'web', externalOrderId: 'W-1', state: 'allocated' as const, holdReason: null, customerId: 'c', addressKey: 'a',
  total: 1, currency: 'EUR', placedMs: 0, promisedByMs: null, doc: { placed: {}, paymentStatus: 'authorized', routing: [], excludedLocationIds: [], history: [] },
};
const fulfilment = (id: string, locationId: string, orderId = 'o1'): FulfilmentRecord => ({
  id, orderId, locationId, state: 'assigned', acceptByMs: 1, shipByMs: 2, createdMs: 0, localDay: '2026-11-30', lines: [], carrier: null, tracking: null,
});

for (const factory of storeFactories()) {
  describe(`location capacity counter: ${factory.name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ store, dispose } = await factory.open());
      await store.transaction((tx) => insertOrder(tx, order, 'now'));
    });
    afterEach(async () => dispose());

    it('counts fulfilments per location and day; a failed or cancelled one gives its place back, once', async () => {
      await store.transaction(async (tx) => {
        await insertFulfilment(tx, fulfilment('f1', 'L1'), 'now');
        await insertFulfilment(tx, fulfilment('f2', 'L1'), 'now');
        await insertFulfilment(tx, fulfilment('f3', 'L2'), 'now');
      });
      expect(Object.fromEntries(await capacityUsed(store.read, '2026-11-30'))).toEqual({ L1: 2, L2: 1 });
      await store.transaction(async (tx) => {
        await setFulfilmentState(tx, 'f1', 'rejected', 'now');
        await setFulfilmentState(tx, 'f1', 'expired', 'now'); // already failed: no second release
        await setFulfilmentState(tx, 'f3', 'accepted', 'now');
      });
      expect(Object.fromEntries(await capacityUsed(store.read, '2026-11-30'))).toEqual({ L1: 1, L2: 1 });
      expect((await capacityUsed(store.read, '2026-12-01')).size).toBe(0);
    });

    it('within one transaction every read sees the fulfilments taken and given back before it, and none a savepoint undid', async () => {
      const seen = await store.transaction(async (tx) => {
        const reads: Array<Record<string, number>> = [];
        const read = async () => reads.push(Object.fromEntries(await capacityUsed(tx, '2026-11-30')));
        await read();
        await insertFulfilment(tx, fulfilment('f1', 'L1'), 'now');
        await read();
        (await capacityUsed(tx, '2026-11-30')).set('L1', 99); // a caller's copy: changing it changes nothing
        await insertFulfilment(tx, fulfilment('f2', 'L2'), 'now');
        await read();
        await tx.savepoint(async () => {
          await insertFulfilment(tx, fulfilment('f3', 'L2'), 'now');
          await read();
          throw new Error('undone');
        }).catch(() => undefined);
        await read();
        await setFulfilmentState(tx, 'f1', 'rejected', 'now');
        await read();
        return reads;
      });
      expect(seen).toEqual([{}, { L1: 1 }, { L1: 1, L2: 1 }, { L1: 1, L2: 2 }, { L1: 1, L2: 1 }, { L1: 0, L2: 1 }]);
      expect(Object.fromEntries(await capacityUsed(store.read, '2026-11-30'))).toEqual({ L1: 0, L2: 1 });
    });
  
    it('a new order goes in with its fulfilments, their capacity places and its reservations (one statement on PostgreSQL)', async () => {
      const o2 = { ...order, id: 'o2', externalOrderId: 'W-2', doc: { ...order.doc, placed: { lines: [{ lineId: 'l1', unitPrice: 5 }] } } };
      const reservation = (id: string, fulfilmentId: string, lineId: string): ReservationRecord => ({
        id, orderId: 'o2', lineId, fulfilmentId, sku: 'S', locationId: 'L1', qty: 1, status: 'active',
      });
      await store.transaction(async (tx) => {
        await insertFulfilment(tx, fulfilment('f0', 'L1'), 'now'); // o1's, earlier: the counter row exists
        await capacityUsed(tx, '2026-11-30'); // kept from here on in this transaction
        await insertNewOrder(tx, o2, [fulfilment('f1', 'L1', 'o2'), fulfilment('f2', 'L1', 'o2'), fulfilment('f3', 'L2', 'o2')], [
          reservation('r1', 'f1', 'l1'), reservation('r2', 'f2', 'l2'), reservation('r3', 'f3', 'l3'),
          reservation('r-again', 'f1', 'l1'), // the same line of the same fulfilment: never reserved twice
        ], 'now');
        // What the rest of the transaction reads is what went in.
        expect(Object.fromEntries(await capacityUsed(tx, '2026-11-30'))).toEqual({ L1: 3, L2: 1 });
        expect((await orderForErp(tx, 'o2'))?.unitPrices.get('l1')).toBe(5);
      });
      expect((await orderById(store.read, 'o2'))?.externalOrderId).toBe('W-2');
      expect((await fulfilmentsOfOrder(store.read, 'o2')).map((f) => f.id)).toEqual(['f1', 'f2', 'f3']);
      expect((await reservationsOfOrder(store.read, 'o2')).map((r) => r.id).sort()).toEqual(['r1', 'r2', 'r3']);
      expect(Object.fromEntries(await capacityUsed(store.read, '2026-11-30'))).toEqual({ L1: 3, L2: 1 });
      // An order without fulfilments (held, backordered) is the order row alone.
      await store.transaction((tx) => insertNewOrder(tx, { ...order, id: 'o3', externalOrderId: 'W-3' }, [], [], 'now'));
      expect((await orderById(store.read, 'o3'))?.id).toBe('o3');
    });

    it('a new order whose fulfilment names no stored order is refused whole: nothing of it stays', async () => {
      const stray = { ...order, id: 'o4', externalOrderId: 'W-4' };
      await expect(store.transaction((tx) => insertNewOrder(tx, stray, [fulfilment('f9', 'L1', 'nope')], [], 'now'))).rejects.toThrow();
      expect(await orderById(store.read, 'o4')).toBeUndefined();
      expect((await capacityUsed(store.read, '2026-11-30')).size).toBe(0);
    });
  });
}
