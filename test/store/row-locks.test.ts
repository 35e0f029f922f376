import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import type { Store } from '../../src/store/port.js';
import { fulfilmentById, orderById, orderByExternal, saveOrder, setFulfilmentState, type OrderRecord } from '../../src/store/repos/orders.js';
import { insertReturnCase, returnCaseById, returnCasesOfOrder, saveReturnCase, type ReturnCaseRecord } from '../../src/store/repos/returns.js';

const AT = '2026-12-03T10:00:00.000Z';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two handlers writing one order's (or case's) document at the same moment, as in cluster mode when
 * its payment and its fulfilment's shipment run on different partitions: each reads the document,
 * changes its own part and writes it back whole. The first holds its transaction open after the read;
 * the second starts then. Both changes must be in the row at the end — without the row lock taken at
 * the read (PostgreSQL), the second read the document from before the first's change and its write
 * dropped it. SQLite's transactions never overlap (one writer): the same test holds there by design.
 */
async function bothWritesKept<T extends { doc: object }>(store: Store, read: (tx: Parameters<Parameters<Store['transaction']>[0]>[0]) => Promise<T | undefined>, save: (tx: Parameters<Parameters<Store['transaction']>[0]>[0], row: T) => Promise<void>) {
  let firstRead!: () => void;
  const readDone = new Promise<void>((r) => { firstRead = r; });
  const first = store.transaction(async (tx) => {
    const row = (await read(tx))!;
    firstRead();
    await sleep(150);
    (row.doc as Record<string, unknown>).first = 'kept';
    await save(tx, row);
  });
  await readDone;
  const second = store.transaction(async (tx) => {
    const row = (await read(tx))!;
    (row.doc as Record<string, unknown>).second = 'kept';
    await save(tx, row);
  });
  await Promise.all([first, second]);
}

for (const factory of storeFactories()) {
  describe(`documents written by two transactions at once keep both changes: ${factory.name}`, () => {
    let dispose: (() => Promise<void>) | undefined;
    afterEach(async () => { await dispose?.(); dispose = undefined; });

    async function withOrderAndCase(): Promise<Store> {
      const opened = await factory.open();
      dispose = opened.dispose;
      await opened.store.transaction(async (tx) => {
        await tx.run(
          `INSERT INTO orders (id, source, external_order_id, state, hold_reason, customer_id, address_key, total, currency, placed_ms, promised_by_ms, doc, updated_at)
           VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, NULL, ?, ?)`,
          ['ord_1', 'web', 'W-1', 'allocated', 'c1', 'a1', 100, 'EUR', 1, JSON.stringify({ placed: {}, paymentStatus: 'captured', history: [] }), AT],
        );
        const c: ReturnCaseRecord = {
          id: 'ret_1', orderId: 'ord_1', customerId: 'c1', state: 'requested', category: null, disposition: null, createdMs: 1,
          doc: { source: 'web', externalReturnId: 'R-1', orderRef: { source: 'web', externalOrderId: 'W-1' }, reason: 'too small', reasonCode: null, lines: [], value: 10, currency: 'EUR', deliveredAt: null, requestedAt: 1, history: [] } as unknown as ReturnCaseRecord['doc'],
        };
        await insertReturnCase(tx, c, AT);
        await tx.run(
          `INSERT INTO fulfilments (id, order_id, location_id, state, accept_by_ms, ship_by_ms, created_ms, local_day, lines, carrier, tracking, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)`,
          ['ful_1', 'ord_1', 'dc', 'picked', 1, 2, 1, '2026-12-03', '[]', AT],
        );
      });
      return opened.store;
    }

    it('an order read by id or by its channel reference', async () => {
      const store = await withOrderAndCase();
      await bothWritesKept<OrderRecord>(store, (tx) => orderById(tx, 'ord_1'), (tx, o) => saveOrder(tx, o, AT));
      expect((await orderById(store.read, 'ord_1'))!.doc).toMatchObject({ first: 'kept', second: 'kept' });
      await bothWritesKept<OrderRecord>(store, (tx) => orderByExternal(tx, 'web', 'W-1'), (tx, o) => saveOrder(tx, { ...o, doc: { ...o.doc, again: true } as OrderRecord['doc'] }, AT));
      expect((await orderById(store.read, 'ord_1'))!.doc).toMatchObject({ first: 'kept', second: 'kept', again: true });
    });

    it('a return case read by id or with its order\'s cases', async () => {
      const store = await withOrderAndCase();
      await bothWritesKept<ReturnCaseRecord>(store, (tx) => returnCaseById(tx, 'ret_1'), (tx, c) => saveReturnCase(tx, c, AT));
      expect((await returnCaseById(store.read, 'ret_1'))!.doc).toMatchObject({ first: 'kept', second: 'kept' });
      await store.transaction(async (tx) => { const c = (await returnCaseById(tx, 'ret_1'))!; delete (c.doc as unknown as Record<string, unknown>).first; delete (c.doc as unknown as Record<string, unknown>).second; await saveReturnCase(tx, c, AT); });
      await bothWritesKept<ReturnCaseRecord>(store, async (tx) => (await returnCasesOfOrder(tx, 'ord_1'))[0], (tx, c) => saveReturnCase(tx, c, AT));
      expect((await returnCaseById(store.read, 'ret_1'))!.doc).toMatchObject({ first: 'kept', second: 'kept' });
    });

    it('a fulfilment: a step decides from the state the other step left, not the one before it', async () => {
      const store = await withOrderAndCase();
      let firstRead!: () => void;
      const readDone = new Promise<void>((r) => { firstRead = r; });
      // The store ships it (its own partition) while the order's cancel looks at it (the order's).
      const ship = store.transaction(async (tx) => {
        await fulfilmentById(tx, 'ful_1');
        firstRead();
        await sleep(150);
        await setFulfilmentState(tx, 'ful_1', 'shipped', AT);
      });
      await readDone;
      const seenByCancel = await store.transaction(async (tx) => (await fulfilmentById(tx, 'ful_1'))!.state);
      await ship;
      expect(seenByCancel).toBe('shipped');
    });

    it('reads outside a transaction take no lock: the API reads while a handler holds the row', async () => {
      const store = await withOrderAndCase();
      let release!: () => void;
      const held = new Promise<void>((r) => { release = r; });
      let read!: () => void;
      const readDone = new Promise<void>((r) => { read = r; });
      const holder = store.transaction(async (tx) => { await orderById(tx, 'ord_1'); await returnCaseById(tx, 'ret_1'); await fulfilmentById(tx, 'ful_1'); read(); await held; });
      await readDone;
      // Must answer while the transaction still holds both rows (a lock would wait for `release`).
      const seen = await Promise.race([
        Promise.all([orderById(store.read, 'ord_1'), returnCaseById(store.read, 'ret_1'), fulfilmentById(store.read, 'ful_1')]).then((r) => r.map((x) => x?.id)),
        sleep(3000).then(() => 'blocked'),
      ]);
      release();
      await holder;
      expect(seen).toEqual(['ord_1', 'ret_1', 'ful_1']);
    });
  });
}
