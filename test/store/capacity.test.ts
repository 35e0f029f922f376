import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import type { Store } from '../../src/store/port.js';
import { capacityUsed, insertFulfilment, insertOrder, setFulfilmentState, type FulfilmentRecord } from '../../src/store/repos/orders.js';

const order = {
  id: 'o1', source: 'web', externalOrderId: 'W-1', state: 'allocated' as const, holdReason: null, customerId: 'c', addressKey: 'a',
  total: 1, currency: 'EUR', placedMs: 0, promisedByMs: null, doc: { placed: {}, paymentStatus: 'authorized', routing: [], excludedLocationIds: [], history: [] },
};
const fulfilment = (id: string, locationId: string): FulfilmentRecord => ({
  id, orderId: 'o1', locationId, state: 'assigned', acceptByMs: 1, shipByMs: 2, createdMs: 0, localDay: '2026-11-30', lines: [], carrier: null, tracking: null,
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
  });
}
