import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { HeldWriteFailed, type Store, type Tx } from '../../src/store/port.js';
import { appendEvent, appendEvents, eventById, isEventAppender, markDead, markFailed, markProcessed, newestPendingOf, type NewEventRow } from '../../src/store/repos/events.js';
import {
  addOnHand, consumeReserved, countedStockAt, getStock, keepCountedStock, putCounted, releaseReserved, reserveAllIfSellable, reserveIfSellable,
  reserveIncludingProtected, setOnHand, stockOfSkus, takeOffShelf,
} from '../../src/store/repos/stock.js';
import { appendAudit } from '../../src/store/repos/audit.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';
import { insertOutboxRows } from '../../src/store/repos/outbox.js';
import { getLocation, listLocations, putLocation } from '../../src/store/repos/masterdata.js';
import {
  customerHistory, insertNewOrder, insertOrder, keepNewOrderFacts, keepOrdersForErp, keptNewOrderFacts, newOrderFacts, orderForErp, type NewOrderAsk,
} from '../../src/store/repos/orders.js';
import { markAvailabilityDirty } from '../../src/store/repos/availability.js';
import { locationSchema } from '../../src/domain/masterdata/location.js';

const location = (id: string, name: string) => ({ id, ...locationSchema.parse({ name, kind: 'store', lat: 52, lon: 5 }) });

function row(over: Partial<NewEventRow> = {}): NewEventRow {
  const id = over.id ?? `e-${Math.random().toString(36).slice(2)}`;
  return {
    id,
    source: 'web',
    sourceEventId: id,
    type: 'inventory.adjusted',
    schemaVersion: 1,
    occurredAt: '2026-11-30T10:00:00Z',
    receivedAt: '2026-11-30T10:00:01Z',
    receivedMs: 1,
    subject: 'location:a',
    payloadJson: '{"x":1}',
    payloadHash: 'h1',
    causationId: null,
    correlationId: id,
    actor: null,
    actorRole: null,
    status: 'pending',
    ...over,
  };
}

/** Stock as a count sets it (quantities not given are 0), through the snapshot handler's write. */
const counted = (tx: Tx, locationId: string, l: { sku: string; onHand: number; protected?: number; safetyStock?: number }) =>
  putCounted(tx, locationId, [{ protected: 0, safetyStock: 0, ...l }], 'now');

const audit = (i: number) => ({ at: `2026-11-30T10:00:${String(i).padStart(2, '0')}Z`, actor: 'u', role: 'admin', action: 'x', subject: `s${i}`, beforeDigest: null, afterDigest: `d${i}`, detail: { i } });

for (const factory of storeFactories()) {
  describe(`store contract: ${factory.name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ store, dispose } = await factory.open());
    });
    afterEach(async () => {
      await dispose();
    });

    it('migrations are versioned and applying them again does nothing', async () => {
      expect(await store.migrate()).toBe(0);
      const v = await store.read.get<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations');
      expect(Number(v?.v)).toBeGreaterThanOrEqual(1);
    });

    it('the inbox: a second (source, sourceEventId) is a duplicate with the same payload, a mismatch with another', async () => {
      const first = await store.transaction((tx) => appendEvent(tx, row({ id: 'a', sourceEventId: 'k1' })));
      expect(first.kind).toBe('appended');
      const dup = await store.transaction((tx) => appendEvent(tx, row({ id: 'b', sourceEventId: 'k1' })));
      expect(dup).toEqual({ kind: 'duplicate', id: 'a' });
      const mismatch = await store.transaction((tx) => appendEvent(tx, row({ id: 'c', sourceEventId: 'k1', payloadHash: 'other' })));
      expect(mismatch).toEqual({ kind: 'mismatch', id: 'a' });
      const n = await store.read.get<{ n: number }>('SELECT COUNT(*) AS n FROM events');
      expect(Number(n?.n)).toBe(1);
    });

    it('a group is appended in order, each row checked against the log and the rows before it in the group', async () => {
      await store.transaction((tx) => appendEvent(tx, row({ id: 'old', sourceEventId: 'g-old' })));
      // 100 rows: more than one multi-row statement on either store (SQLite's come in 64, 32, … rows).
      const fresh = Array.from({ length: 100 }, (_, i) => row({ id: `g${i}`, sourceEventId: `g-${i}` }));
      const group = [
        ...fresh.slice(0, 50),
        row({ id: 'again-old', sourceEventId: 'g-old' }), // already in the log, same payload
        row({ id: 'again-3', sourceEventId: 'g-3' }), // earlier in this group, same payload
        row({ id: 'changed-4', sourceEventId: 'g-4', payloadHash: 'other' }), // earlier in this group, other payload
        ...fresh.slice(50),
      ];
      const out = await store.transaction((tx) => appendEvents(tx, group));
      expect(out).toHaveLength(group.length);
      expect(out[50]).toEqual({ kind: 'duplicate', id: 'old' });
      expect(out[51]).toEqual({ kind: 'duplicate', id: 'g3' });
      expect(out[52]).toEqual({ kind: 'mismatch', id: 'g4' });
      const appended = out.filter((o): o is Extract<typeof o, { kind: 'appended' }> => o.kind === 'appended');
      expect(appended.map((o) => o.id)).toEqual(fresh.map((r) => r.id));
      const seqs = appended.map((o) => o.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(100);
      for (const o of [appended[0]!, appended[99]!]) expect((await eventById(store.read, o.id))?.seq).toBe(o.seq);
      const n = await store.read.get<{ n: number }>('SELECT COUNT(*) AS n FROM events');
      expect(Number(n?.n)).toBe(101);
    });

    it('intake\'s own append path (on PostgreSQL one statement without a transaction): the same outcomes; a group is appended whole or not at all', async () => {
      const intake = store;
      if (!isEventAppender(intake)) throw new Error('every store appends intake groups itself');
      const count = async () => Number((await store.read.get<{ n: number }>('SELECT COUNT(*) AS n FROM events'))?.n);
      const out = await intake.appendEvents([row({ id: 'i1', sourceEventId: 'i-1' }), row({ id: 'i2', sourceEventId: 'i-2' }), row({ id: 'i1b', sourceEventId: 'i-1' })]);
      expect(out.map((o) => o.kind)).toEqual(['appended', 'appended', 'duplicate']);
      expect(await intake.appendEvents([row({ id: 'i2c', sourceEventId: 'i-2', payloadHash: 'other' })])).toEqual([{ kind: 'mismatch', id: 'i2' }]);
      const same = await Promise.all(Array.from({ length: 10 }, (_, i) => intake.appendEvents([row({ id: `s${i}`, sourceEventId: 'i-same' })])));
      expect(same.flat().filter((o) => o.kind === 'appended')).toHaveLength(1);
      expect(await count()).toBe(3);
      // A bad row fails its group — in one statement, or in a later statement of a group too big for one.
      for (const size of [10, 300]) {
        const group = Array.from({ length: size }, (_, i) => row({ id: `b${size}-${i}`, sourceEventId: `b${size}-${i}` }));
        group[size - 5] = row({ id: `b${size}-bad`, sourceEventId: `b${size}-bad`, type: null as unknown as string });
        await expect(intake.appendEvents(group)).rejects.toThrow();
        expect(await count()).toBe(3);
      }
    });

    // PostgreSQL only: SQLite has one writer, nothing to deadlock with.
    it.skipIf(factory.name !== 'postgres')('intake\'s append survives a deadlock with another writer of the same keys (the statement runs again)', async () => {
      const intake = store;
      if (!isEventAppender(intake)) throw new Error('every store appends intake groups itself');
      // Another process's transaction holds k2 and will ask for k1 while the group holds k1 and waits for k2.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const other = store.transaction(async (tx) => {
        await appendEvent(tx, row({ id: 'o2', sourceEventId: 'dl-2' }));
        await held;
        await appendEvent(tx, row({ id: 'o1', sourceEventId: 'dl-1' }));
      }).then(() => 'committed', () => 'aborted');
      await new Promise((r) => setTimeout(r, 100));
      const group = intake.appendEvents([row({ id: 'g1', sourceEventId: 'dl-1' }), row({ id: 'g2', sourceEventId: 'dl-2' })]);
      await new Promise((r) => setTimeout(r, 100));
      release(); // now each waits for the other: PostgreSQL aborts one of them
      const out = await group;
      await other;
      // Whoever lost ran again: both keys are in the log once, and the group was answered for each.
      expect(out).toHaveLength(2);
      const n = await store.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE source_event_id IN ('dl-1', 'dl-2')");
      expect(Number(n?.n)).toBe(2);
    });

    it('the newest waiting event of a type in a subject: pending ones only (a retry waiting too), not processed, not dead, not of another type or subject', async () => {
      const upsert = (id: string, subject = 'master:location:s1', type = 'location.upserted') =>
        row({ id, sourceEventId: id, subject, type, payloadJson: JSON.stringify({ id: 's1', n: id }) });
      const none = await newestPendingOf(store.read, 'master:location:s1', 'location.upserted');
      expect(none).toBeUndefined();
      await store.transaction((tx) => appendEvents(tx, [
        upsert('u1'), upsert('u2'), upsert('u3'), upsert('u4'),
        upsert('other-subject', 'master:location:s2'), upsert('other-type', 'master:location:s1', 'product.upserted'),
      ]));
      const newest = async () => (await newestPendingOf(store.read, 'master:location:s1', 'location.upserted'))?.id;
      expect(await newest()).toBe('u4');
      await store.transaction((tx) => markDead(tx, 'u4', 1, 'E_ROLE: refused', 'now'));
      expect(await newest()).toBe('u3');
      await store.transaction((tx) => markFailed(tx, 'u3', 1, 'boom', Date.now() + 60_000));
      const retrying = await newestPendingOf(store.read, 'master:location:s1', 'location.upserted');
      expect([retrying?.id, retrying?.status, retrying?.attempts, retrying?.payload]).toEqual(['u3', 'pending', 1, { id: 's1', n: 'u3' }]);
      await store.transaction((tx) => markProcessed(tx, ['u3', 'u2', 'u1'], 'now'));
      expect(await newest()).toBeUndefined();
    });

    it('concurrent deliveries of one new event: exactly one row', async () => {
      const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => store.transaction((tx) => appendEvent(tx, row({ id: `c${i}`, sourceEventId: 'same' })))));
      expect(outcomes.filter((o) => o.kind === 'appended')).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'duplicate')).toHaveLength(19);
    });

    it('event content is immutable and the log is append-only', async () => {
      await store.transaction((tx) => appendEvent(tx, row({ id: 'imm' })));
      await expect(store.transaction((tx) => tx.run(`UPDATE events SET payload = '{}' WHERE id = 'imm'`))).rejects.toThrow(/immutable/);
      await expect(store.transaction((tx) => tx.run(`DELETE FROM events WHERE id = 'imm'`))).rejects.toThrow(/append-only/);
      await store.transaction((tx) => tx.run(`UPDATE events SET status = 'processed' WHERE id = 'imm'`));
      expect((await eventById(store.read, 'imm'))?.status).toBe('processed');
    });

    it('a savepoint rolls back only its own writes', async () => {
      await store.transaction(async (tx) => {
        await appendEvent(tx, row({ id: 'kept' }));
        await expect(
          tx.savepoint(async () => {
            await appendEvent(tx, row({ id: 'dropped' }));
            throw new Error('handler failed');
          }),
        ).rejects.toThrow('handler failed');
      });
      expect(await eventById(store.read, 'kept')).toBeDefined();
      expect(await eventById(store.read, 'dropped')).toBeUndefined();
    });

    it('locations read in a write transaction are kept until one is written, and a rolled-back savepoint forgets what it saw', async () => {
      await store.transaction((tx) => putLocation(tx, location('a', 'A'), 'now', 'e1'));
      await store.transaction(async (tx) => {
        expect((await listLocations(tx)).map((l) => l.name)).toEqual(['A']);
        // A write through the repository drops what was kept: the next read sees it.
        await putLocation(tx, location('b', 'B'), 'now', 'e2');
        expect((await listLocations(tx)).map((l) => l.name)).toEqual(['A', 'B']);
        await expect(tx.savepoint(async () => {
          await putLocation(tx, location('a', 'A renamed'), 'now', 'e3');
          expect((await listLocations(tx)).map((l) => l.name)).toEqual(['A renamed', 'B']);
          throw new Error('handler failed');
        })).rejects.toThrow('handler failed');
        expect((await getLocation(tx, 'a'))?.name).toBe('A');
        expect((await listLocations(tx)).map((l) => l.name)).toEqual(['A', 'B']);
        // Callers get their own array: changing it changes nothing kept.
        (await listLocations(tx)).pop();
        expect(await listLocations(tx)).toHaveLength(2);
      });
      expect((await listLocations(store.read)).map((l) => l.name)).toEqual(['A', 'B']);
    });

    it('a location looked up alone is kept alone, missing or not, until it is written', async () => {
      await store.transaction(async (tx) => {
        expect(await getLocation(tx, 'c')).toBeUndefined();
        await putLocation(tx, location('c', 'C'), 'now', 'e1');
        expect((await getLocation(tx, 'c'))?.name).toBe('C');
        await putLocation(tx, location('c', 'C renamed'), 'now', 'e2');
        expect((await getLocation(tx, 'c'))?.name).toBe('C renamed');
      });
    });

    it('a sku is marked for the availability publisher once per transaction, and again once the publisher took it', async () => {
      const dirty = () => store.read.all<{ sku: string; since_ms: number }>('SELECT sku, since_ms FROM availability_dirty ORDER BY sku');
      await store.transaction(async (tx) => {
        await markAvailabilityDirty(tx, ['B', 'A', 'B'], 1);
        await markAvailabilityDirty(tx, ['A', 'C'], 2);
      });
      expect((await dirty()).map((r) => [r.sku, Number(r.since_ms)])).toEqual([['A', 1], ['B', 1], ['C', 2]]);
      await store.transaction((tx) => tx.run("DELETE FROM availability_dirty WHERE sku = 'A'")); // the publisher's round
      await store.transaction((tx) => markAvailabilityDirty(tx, ['A', 'B'], 3));
      expect((await dirty()).map((r) => [r.sku, Number(r.since_ms)])).toEqual([['A', 3], ['B', 1], ['C', 2]]);
    });

    it('the ERP push reads an order\'s unit prices out of its document, in SQL', async () => {
      const placed = { externalOrderId: 'X-1', lines: [{ lineId: 'a', sku: 's1', qty: 2, unitPrice: 12.5 }, { lineId: 'b', sku: 's2', qty: 1, unitPrice: 0.1 }] };
      await store.transaction((tx) => insertOrder(tx, {
        id: 'ord_1', source: 'web', externalOrderId: 'X-1', state: 'allocated', holdReason: null, customerId: 'c', addressKey: 'k', total: 25.1,
        currency: 'EUR', placedMs: 1, promisedByMs: null, doc: { placed, paymentStatus: 'authorized', routing: [{ candidates: [] }], excludedLocationIds: [], history: [] },
      }, 'now'));
      const o = await orderForErp(store.read, 'ord_1');
      expect(o).toMatchObject({ id: 'ord_1', source: 'web', externalOrderId: 'X-1', currency: 'EUR' });
      expect([...o!.unitPrices]).toEqual([['a', 12.5], ['b', 0.1]]);
      expect(await orderForErp(store.read, 'ord_2')).toBeUndefined();
    });

    it('in the transaction that placed the order the ERP push reads what was kept, and a rolled-back savepoint drops it', async () => {
      const placed = { externalOrderId: 'X-2', lines: [{ lineId: 'a', sku: 's1', qty: 1, unitPrice: 3 }] };
      const order = (id: string) => ({
        id, source: 'web', externalOrderId: id, state: 'allocated' as const, holdReason: null, customerId: 'c', addressKey: 'k', total: 3,
        currency: 'EUR', placedMs: 1, promisedByMs: null, doc: { placed, paymentStatus: 'authorized', routing: [], excludedLocationIds: [], history: [] },
      });
      await store.transaction(async (tx) => {
        await insertOrder(tx, order('ord_k'), 'now');
        // Kept, not read: the row's document is changed behind the repository's back and still not seen.
        await tx.run(`UPDATE orders SET currency = 'USD' WHERE id = 'ord_k'`);
        expect(await orderForErp(tx, 'ord_k')).toMatchObject({ currency: 'EUR', unitPrices: new Map([['a', 3]]) });
        await expect(tx.savepoint(async () => {
          await insertOrder(tx, order('ord_r'), 'now');
          throw new Error('handler failed');
        })).rejects.toThrow('handler failed');
        expect(await orderForErp(tx, 'ord_r')).toBeUndefined();
      });
      expect((await orderForErp(store.read, 'ord_k'))?.currency).toBe('USD');
    });

    it('takeOffShelf (a till sale, a write-off) takes only unreserved units and leaves no more protected than is unreserved', async () => {
      await store.transaction(async (tx) => {
        await putLocation(tx, location('L1', 'One'), 'now', 'e1');
        await counted(tx, 'L1', { sku: 'T', onHand: 5, protected: 3 });
        expect(await reserveIncludingProtected(tx, 'T', 'L1', 2, 0, 'now')).toBe(true); // 2 reserved of the 2 unprotected
        expect(await takeOffShelf(tx, 'T', 'L1', 4, 'now')).toBe(false); // only 3 are not promised to orders
        expect(await takeOffShelf(tx, 'T', 'L1', 1, 'now')).toBe(true);
      });
      expect(await getStock(store.read, 'T', 'L1')).toMatchObject({ onHand: 4, reserved: 2, protected: 2 });
    });

    it('a batch\'s stock counts are read ahead in one statement (PostgreSQL), and every write to a location\'s stock drops what was read of it', async () => {
      await store.transaction(async (tx) => {
        await putLocation(tx, location('L1', 'One'), 'now', 'e1');
        await putLocation(tx, location('L2', 'Two'), 'now', 'e2');
        await counted(tx, 'L1', { sku: 'A', onHand: 10 });
        await counted(tx, 'L1', { sku: 'B', onHand: 6, protected: 2 });
        await counted(tx, 'L2', { sku: 'A', onHand: 7 });
        expect(await reserveIfSellable(tx, 'A', 'L1', 3, 'now')).toBe(true);
      });
      // Each writer of stock, at L1: every one changes something a count reads there.
      const writers: Array<[string, (tx: Tx) => Promise<unknown>]> = [
        ['putCounted', (tx) => counted(tx, 'L1', { sku: 'A', onHand: 12 })],
        ['setOnHand', (tx) => setOnHand(tx, 'A', 'L1', 11, 'now')],
        ['reserveIfSellable', (tx) => reserveIfSellable(tx, 'A', 'L1', 1, 'now')],
        ['reserveAllIfSellable', (tx) => reserveAllIfSellable(tx, [{ sku: 'A', locationId: 'L1', qty: 1 }, { sku: 'A', locationId: 'L2', qty: 1 }], 'now')],
        ['reserveIncludingProtected', (tx) => reserveIncludingProtected(tx, 'B', 'L1', 1, 1, 'now')],
        ['takeOffShelf', (tx) => takeOffShelf(tx, 'B', 'L1', 1, 'now')],
        ['releaseReserved', (tx) => releaseReserved(tx, 'A', 'L1', 1, 'now')],
        ['consumeReserved', (tx) => consumeReserved(tx, 'A', 'L1', 1, 'now')],
        ['addOnHand', (tx) => addOnHand(tx, 'B', 'L1', 5, 'now')],
      ];
      for (const [name, write] of writers) {
        await store.transaction(async (tx) => {
          const statements: string[] = [];
          const counting: Tx = { ...tx, kept: tx.kept, all: (sql, p) => (statements.push(sql), tx.all(sql, p)), get: (sql, p) => (statements.push(sql), tx.get(sql, p)) };
          // What the transaction holds, read without anything kept.
          const held = (id: string, skus: string[]) => countedStockAt({ dialect: tx.dialect, run: tx.run, get: tx.get, all: tx.all }, id, skus);
          const before = await held('L1', ['A', 'B']);
          await keepCountedStock(counting, [{ locationId: 'L1', skus: ['A'] }, { locationId: 'L2', skus: ['A'] }, { locationId: 'L1', skus: ['B'] }, { locationId: 'nowhere', skus: ['A'] }]);
          const readAhead = store.dialect === 'postgres' ? 1 : 0;
          expect(statements).toHaveLength(readAhead);
          expect(await countedStockAt(counting, 'L1', ['B', 'A'])).toEqual(before);
          // PostgreSQL answers from what was read ahead; SQLite (nothing read ahead) reads it now.
          expect(statements).toHaveLength(1);
          await write(counting);
          const after = await held('L1', ['A', 'B']);
          expect(after, `${name} changes the stock at L1`).not.toEqual(before);
          expect(await countedStockAt(counting, 'L1', ['A', 'B']), `after ${name}`).toEqual(after);
          // A location read ahead as unknown is asked again: it may have been created since.
          await putLocation(tx, location('nowhere', 'Now here'), 'now', 'e3');
          expect((await countedStockAt(counting, 'nowhere', ['A'])).known).toBe(true);
          // Skus not read ahead are read.
          expect((await countedStockAt(counting, 'L2', ['A', 'Z'])).held.get('A')?.onHand).toBe(7);
          throw new Error('roll back'); // each writer starts from the same stock
        }).catch((error: unknown) => {
          if ((error as Error).message !== 'roll back') throw error;
        });
      }
    });

    it('counts\' writes on PostgreSQL wait for the transaction\'s next statement and go out together; the result is that of writing each at once', async () => {
      await store.transaction(async (tx) => {
        await putLocation(tx, location('L1', 'One'), 'now', 'e1');
        await putLocation(tx, location('L2', 'Two'), 'now', 'e2');
        await counted(tx, 'L1', { sku: 'A', onHand: 1 });
        expect(await reserveIfSellable(tx, 'A', 'L1', 1, 'now')).toBe(true);
      });
      const pg = store.dialect === 'postgres';
      const dirty = () => store.read.all<{ sku: string; since_ms: number }>('SELECT sku, since_ms FROM availability_dirty ORDER BY sku');
      const before = await dirty();
      await store.transaction(async (tx) => {
        const statements: string[] = [];
        const counting: Tx = { ...tx, kept: tx.kept, run: (sql, p) => (statements.push(sql), tx.run(sql, p)), get: (sql, p) => (statements.push(sql), tx.get(sql, p)), all: (sql, p) => (statements.push(sql), tx.all(sql, p)) };
        await putCounted(counting, 'L1', [{ sku: 'A', onHand: 5, protected: 1, safetyStock: 0 }], 'now', 100);
        await putCounted(counting, 'L2', [{ sku: 'A', onHand: 6, protected: 0, safetyStock: 0 }, { sku: 'B', onHand: 2, protected: 0, safetyStock: 1 }], 'now', 50);
        await putCounted(counting, 'L1', [{ sku: 'A', onHand: 7, protected: 2, safetyStock: 0 }], 'now', 40); // the same row again
        expect(statements).toHaveLength(pg ? 0 : 5); // SQLite: three upserts and two marks (A is marked already)
        // Any statement sends them first, all in one: this read sees them.
        expect(await getStock(counting, 'A', 'L1')).toMatchObject({ onHand: 7, reserved: 1, protected: 2 });
        expect(statements).toHaveLength(pg ? 2 : 6);
        // A savepoint rolled back takes what was held in it along.
        await tx.savepoint(async () => {
          await putCounted(counting, 'L2', [{ sku: 'C', onHand: 9, protected: 0, safetyStock: 0 }], 'now', 60);
          throw new Error('changed my mind');
        }).catch(() => undefined);
        expect(await getStock(tx, 'C', 'L2')).toBeUndefined();
        // Held last, sent with the commit.
        await putCounted(counting, 'L2', [{ sku: 'D', onHand: 4, protected: 0, safetyStock: 0 }], 'now', 70);
      });
      expect(await getStock(store.read, 'A', 'L2')).toMatchObject({ onHand: 6, reserved: 0 });
      expect(await getStock(store.read, 'B', 'L2')).toMatchObject({ onHand: 2, safetyStock: 1 });
      expect(await getStock(store.read, 'D', 'L2')).toMatchObject({ onHand: 4 });
      // Marked at the time of the first count that marked each sku, as marks written one by one are.
      expect((await dirty()).filter((d) => !before.some((b) => b.sku === d.sku)).map((d) => [d.sku, Number(d.since_ms)])).toEqual([['A', 100], ['B', 50], ['D', 70]]);
      if (!pg) return;
      // A held write that fails fails the statement that sends it, as HeldWriteFailed.
      await expect(store.transaction(async (tx) => {
        await putCounted(tx, 'L1', [{ sku: 'E', onHand: 3_000_000_000, protected: 0, safetyStock: 0 }], 'now');
        await getStock(tx, 'A', 'L1');
      })).rejects.toBeInstanceOf(HeldWriteFailed);
      expect(await getStock(store.read, 'E', 'L1')).toBeUndefined();
    });

    it('a batch reads ahead what the ERP push needs of several orders, in one statement, and the push then reads nothing', async () => {
      const order = (id: string, unitPrice: number) => ({
        id, source: 'web', externalOrderId: `X-${id}`, state: 'allocated' as const, holdReason: null, customerId: 'c', addressKey: 'k', total: unitPrice,
        currency: 'EUR', placedMs: 1, promisedByMs: null,
        doc: { placed: { lines: [{ lineId: '1', sku: 's', qty: 1, unitPrice }] }, paymentStatus: 'authorized', routing: [], excludedLocationIds: [], history: [] },
      });
      await store.transaction(async (tx) => {
        await insertOrder(tx, order('ord_a', 5), 'now');
        await insertOrder(tx, order('ord_b', 7), 'now');
      });
      await store.transaction(async (tx) => {
        const statements: string[] = [];
        const counting: Tx = { ...tx, kept: tx.kept, all: (sql, p) => (statements.push(sql), tx.all(sql, p)), get: (sql, p) => (statements.push(sql), tx.get(sql, p)) };
        await keepOrdersForErp(counting, ['ord_a', 'ord_b', 'ord_a', 'ord_missing']);
        expect(statements).toHaveLength(1);
        expect(await orderForErp(counting, 'ord_a')).toMatchObject({ externalOrderId: 'X-ord_a', unitPrices: new Map([['1', 5]]) });
        expect(await orderForErp(counting, 'ord_b')).toMatchObject({ externalOrderId: 'X-ord_b', unitPrices: new Map([['1', 7]]) });
        expect(statements).toHaveLength(1);
        // What is kept already is not read again; an unknown order is read (and found missing) by the push itself.
        await keepOrdersForErp(counting, ['ord_b']);
        expect(statements).toHaveLength(1);
        expect(await orderForErp(counting, 'ord_missing')).toBeUndefined();
        expect(statements).toHaveLength(2);
      });
    });

    it('a batch\'s new orders read their facts and stock ahead in one statement, and their reservations wait for the next statement (PostgreSQL)', async () => {
      const T = 10_000_000;
      const row = (id: string, customerId: string, addressKey: string, total: number) => ({
        id, source: 'web', externalOrderId: `X-${id}`, state: 'allocated' as const, holdReason: null, customerId, addressKey, total,
        currency: 'EUR', placedMs: T - 60_000, promisedByMs: null, doc: { placed: {}, paymentStatus: 'authorized', routing: [], excludedLocationIds: [], history: [] },
      });
      await store.transaction(async (tx) => {
        await putLocation(tx, location('L1', 'One'), 'now', 'e1');
        await putLocation(tx, location('L2', 'Two'), 'now', 'e2');
        await counted(tx, 'L1', { sku: 'A', onHand: 5 });
        await counted(tx, 'L2', { sku: 'A', onHand: 1 });
        await counted(tx, 'L1', { sku: 'B', onHand: 2 });
        await insertOrder(tx, row('o0', 'c1', 'a1', 30), 'now');
        await insertOrder(tx, row('o9', 'c2', 'a1', 10), 'now');
      });
      const pg = store.dialect === 'postgres';
      const ask = (id: string, customerId: string, addressKey: string, skus: string[]): NewOrderAsk => ({
        orderId: id, source: 'web', externalOrderId: `X-${id}`, customerId, addressKey, nowMs: T, skus,
      });
      const asks = [ask('o1', 'c1', 'a1', ['A']), ask('o2', 'c2', 'a2', ['A', 'B']), ask('o3', 'c1', 'a3', ['B']), ask('o0', 'c3', 'a3', ['B'])];
      const args = (a: NewOrderAsk, windowMs = 3_600_000) =>
        [a.source, a.externalOrderId, a.customerId, a.addressKey, a.nowMs, windowMs, windowMs, a.orderId, a.skus] as const;
      await store.transaction(async (tx) => {
        const statements: string[] = [];
        const counting: Tx = { ...tx, kept: tx.kept, run: (sql, p) => (statements.push(sql), tx.run(sql, p)), get: (sql, p) => (statements.push(sql), tx.get(sql, p)), all: (sql, p) => (statements.push(sql), tx.all(sql, p)) };
        const kept = (a: NewOrderAsk, windowMs?: number) => keptNewOrderFacts(counting, ...args(a, windowMs));
        await keepNewOrderFacts(counting, asks, 3_600_000, 3_600_000);
        expect(statements).toHaveLength(pg ? 1 : 0);
        if (!pg) {
          expect(kept(asks[0]!)).toBeUndefined(); // SQLite: each order reads its own
          return;
        }
        // The same answers as each order's own read; the known order (o0's identity) too.
        for (const a of asks) expect(kept(a), a.orderId).toEqual(await newOrderFacts(tx, ...args(a)));
        expect(kept(asks[3]!)?.known).toBe(true);
        expect(kept(asks[0]!)?.history).toMatchObject({ priorOrderCount: 1, averageOrderValue: 30, recentOrdersToAddress: 2 });
        expect(kept(asks[0]!, 60_000)).toBeUndefined(); // asked over other windows (the policy changed): read
        statements.length = 0;
        // Reservations on what was read ahead wait, and what is kept moves with them.
        expect(await reserveAllIfSellable(counting, [{ sku: 'A', locationId: 'L1', qty: 2 }], 'now', 1)).toBe(true);
        expect(await reserveAllIfSellable(counting, [{ sku: 'A', locationId: 'L1', qty: 3 }, { sku: 'B', locationId: 'L1', qty: 1 }], 'now', 2)).toBe(true);
        await insertNewOrder(counting, row('o1', 'c1', 'a1', 20), [], [], 'now');
        expect(statements).toHaveLength(0);
        expect(kept(asks[1]!)?.stock.map((l) => [l.sku, l.locationId, l.reserved])).toEqual([['A', 'L1', 5], ['A', 'L2', 0], ['B', 'L1', 1]]);
        // An order written since: later orders of its customer or address read their own facts.
        expect(kept(asks[2]!)).toBeUndefined();
        expect(kept(asks[1]!)).toBeDefined();
        // Not sellable by what is kept: sent at once (after what waits), refused as the database refuses it.
        expect(await reserveAllIfSellable(counting, [{ sku: 'A', locationId: 'L1', qty: 1 }], 'now', 3)).toBe(false);
        expect(statements).toHaveLength(3); // the held reservations in one, the held order, the refused one
        expect(await getStock(tx, 'A', 'L1')).toMatchObject({ reserved: 5 });
        expect(await getStock(tx, 'B', 'L1')).toMatchObject({ reserved: 1 });
        expect(kept(asks[1]!)).toBeUndefined(); // a write that was not held drops what was read ahead
      });
      if (!pg) return;
      const dirty = await store.read.all<{ sku: string; since_ms: number }>('SELECT sku, since_ms FROM availability_dirty WHERE sku IN (?, ?) ORDER BY sku', ['A', 'B']);
      expect(dirty.map((d) => Number(d.since_ms))).toHaveLength(2);
      // Stock moved by another transaction before the held reservation went out: it fails whole.
      await expect(store.transaction(async (tx) => {
        await keepNewOrderFacts(tx, [ask('o4', 'c4', 'a4', ['B'])], 3_600_000, 3_600_000);
        expect(await reserveAllIfSellable(tx, [{ sku: 'B', locationId: 'L1', qty: 1 }], 'now', 4)).toBe(true);
        await store.transaction((other) => reserveIfSellable(other, 'B', 'L1', 1, 'now'));
        await getStock(tx, 'B', 'L1');
      })).rejects.toBeInstanceOf(HeldWriteFailed);
      expect(await getStock(store.read, 'B', 'L1')).toMatchObject({ onHand: 2, reserved: 2 });
    });

    it('an order\'s fraud history: the customer\'s other orders (count, average, recent) and recent orders to its address', async () => {
      const T = 10_000_000;
      const order = (id: string, customerId: string, addressKey: string, placedMs: number, total: number) => ({
        id, source: 'web', externalOrderId: id, state: 'allocated' as const, holdReason: null, customerId, addressKey, total,
        currency: 'EUR', placedMs, promisedByMs: null, doc: { placed: {}, paymentStatus: 'authorized', routing: [], excludedLocationIds: [], history: [] },
      });
      await store.transaction(async (tx) => {
        await insertOrder(tx, order('o1', 'c-1', 'A', T - 7_200_000, 100), 'now'); // the customer's, long ago, to the address
        await insertOrder(tx, order('o2', 'c-1', 'B', T - 60_000, 50), 'now'); // the customer's, recent, elsewhere
        await insertOrder(tx, order('o3', 'c-2', 'A', T - 120_000, 10), 'now'); // someone else's, recent, to the address
        await insertOrder(tx, order('o4', 'c-1', 'A', T, 999), 'now'); // the order being judged
      });
      expect(await customerHistory(store.read, 'c-1', 'A', T, 3_600_000, 600_000, 'o4')).toEqual({
        priorOrderCount: 2, averageOrderValue: 75, recentOrdersByCustomer: 1, recentOrdersToAddress: 1,
      });
      expect(await customerHistory(store.read, 'c-9', 'Z', T, 3_600_000, 600_000, 'o4')).toEqual({
        priorOrderCount: 0, averageOrderValue: 0, recentOrdersByCustomer: 0, recentOrdersToAddress: 0,
      });
      // A new order's facts: the same history, and whether the channel's order is known already.
      const fresh = await newOrderFacts(store.read, 'web', 'o5', 'c-1', 'A', T, 3_600_000, 600_000, 'o5');
      expect(fresh).toEqual({ known: false, history: { priorOrderCount: 3, averageOrderValue: (100 + 50 + 999) / 3, recentOrdersByCustomer: 2, recentOrdersToAddress: 2 } });
      expect(fresh.history).toEqual(await customerHistory(store.read, 'c-1', 'A', T, 3_600_000, 600_000, 'o5'));
      expect((await newOrderFacts(store.read, 'web', 'o2', 'c-1', 'B', T, 3_600_000, 600_000, 'o2')).known).toBe(true);
      expect((await newOrderFacts(store.read, 'app', 'o2', 'c-1', 'B', T, 3_600_000, 600_000, 'o2')).known).toBe(false); // another channel's o2
    });

    it('a new order\'s facts bring the stock of its skus, as stockOfSkus reads it, in the same statement', async () => {
      await store.transaction(async (tx) => {
        await counted(tx, 'L2', { sku: 'B', onHand: 4, protected: 1 });
        await counted(tx, 'L1', { sku: 'B', onHand: 2, safetyStock: 1 });
        await counted(tx, 'L1', { sku: 'A', onHand: 7 });
        await counted(tx, 'L1', { sku: 'Z', onHand: 9 }); // not asked for
        expect(await reserveIfSellable(tx, 'A', 'L1', 3, 'now')).toBe(true);
      });
      const statements: string[] = [];
      const read = store.read;
      const counting = { dialect: read.dialect, run: read.run.bind(read), all: read.all.bind(read), get: (sql: string, p?: readonly unknown[]) => (statements.push(sql), read.get(sql, p)) } as typeof read;
      const facts = await newOrderFacts(counting, 'web', 'o9', 'c-1', 'A', 1, 60_000, 60_000, 'o9', ['B', 'A', 'B', 'none']);
      expect(statements).toHaveLength(1);
      expect(facts.known).toBe(false);
      expect(facts.stock).toEqual(await stockOfSkus(store.read, ['B', 'A', 'none']));
      expect(facts.stock?.map((l) => `${l.sku}@${l.locationId}:${l.onHand}/${l.reserved}/${l.protected}/${l.safetyStock}`)).toEqual(['A@L1:7/3/0/0', 'B@L1:2/0/0/1', 'B@L2:4/0/1/0']);
      // Skus with no stock anywhere: an empty list, not a missing one; no skus asked: no stock read.
      expect((await newOrderFacts(store.read, 'web', 'o9', 'c-1', 'A', 1, 60_000, 60_000, 'o9', ['none'])).stock).toEqual([]);
      expect((await newOrderFacts(store.read, 'web', 'o9', 'c-1', 'A', 1, 60_000, 60_000, 'o9')).stock).toBeUndefined();
    });

    it('a failed transaction leaves nothing and runs no after-commit hook', async () => {
      let hook = false;
      await expect(
        store.transaction(async (tx) => {
          tx.afterCommit(() => (hook = true));
          await appendEvent(tx, row({ id: 'gone' }));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(hook).toBe(false);
      expect(await eventById(store.read, 'gone')).toBeUndefined();
    });

    it('statements sent with BEGIN (PostgreSQL): their rows in order, inside the transaction; SQLite ignores them', async () => {
      await appendEvent(store.read, row({ id: 'before' }));
      const opening = ["SELECT 1 AS one, 'x' AS x", "SELECT COUNT(*) AS n FROM events WHERE id = 'before'", 'SELECT pg_current_xact_id()::text AS xid'];
      const seen = await store.transaction(async (tx) => {
        await appendEvent(tx, row({ id: 'inside' }));
        return { opened: tx.opened, xid: store.dialect === 'postgres' ? (await tx.get<{ xid: string }>('SELECT txid_current_if_assigned()::text AS xid'))?.xid : undefined };
      }, { durability: 'relaxed', opening: store.dialect === 'postgres' ? opening : [] });
      if (store.dialect === 'sqlite') {
        expect(seen.opened).toBeUndefined();
        return;
      }
      const xid = (seen.opened?.[2]?.[0] as { xid: string }).xid;
      expect(seen.opened).toEqual([[{ one: 1, x: 'x' }], [{ n: 1 }], [{ xid }]]);
      // The xid the opening took is the one the transaction's own statements see: the opening ran inside it.
      expect(xid).toMatch(/^\d+$/);
      expect(seen.xid).toBe(xid);
      expect(await eventById(store.read, 'inside')).toBeDefined();
      // A failing opening fails the transaction, and nothing of it stays.
      await expect(store.transaction(async (tx) => appendEvent(tx, row({ id: 'never' })), { opening: ['SELECT 1/0'] })).rejects.toThrow();
      expect(await eventById(store.read, 'never')).toBeUndefined();
    });

    it('no oversell: 1,000 concurrent one-unit reservations against 100 units reserve exactly 100', async () => {
      await store.transaction((tx) => counted(tx, 'L1', { sku: 'SKU-1', onHand: 100 }));
      const results = await Promise.all(
        Array.from({ length: 1000 }, () => store.transaction((tx) => reserveIfSellable(tx, 'SKU-1', 'L1', 1, 'now'))),
      );
      expect(results.filter(Boolean)).toHaveLength(100);
      const s = await getStock(store.read, 'SKU-1', 'L1');
      expect(s).toMatchObject({ onHand: 100, reserved: 100 });
    });

    it('no oversell when an order\'s lines are reserved together: 1,000 concurrent two-line orders against 100 and 150 units', async () => {
      await store.transaction(async (tx) => {
        await counted(tx, 'L1', { sku: 'SKU-1', onHand: 100 });
        await counted(tx, 'L1', { sku: 'SKU-2', onHand: 150 });
      });
      // As a handler does: a false makes it throw, and its transaction takes back what was reserved.
      const results = await Promise.all(Array.from({ length: 1000 }, () => store.transaction(async (tx) => {
        if (!(await reserveAllIfSellable(tx, [{ sku: 'SKU-2', locationId: 'L1', qty: 1 }, { sku: 'SKU-1', locationId: 'L1', qty: 1 }], 'now'))) throw new Error('short');
        return true;
      }).catch(() => false)));
      expect(results.filter(Boolean)).toHaveLength(100);
      expect(await getStock(store.read, 'SKU-1', 'L1')).toMatchObject({ onHand: 100, reserved: 100 });
      expect(await getStock(store.read, 'SKU-2', 'L1')).toMatchObject({ onHand: 150, reserved: 100 });
    });

    it('lines reserved together: the same sku and location added up, protected stock never taken', async () => {
      await store.transaction(async (tx) => {
        await counted(tx, 'L', { sku: 'A', onHand: 5 });
        await counted(tx, 'L', { sku: 'B', onHand: 5, protected: 3 });
      });
      const reserved = async () => [(await getStock(store.read, 'A', 'L'))?.reserved, (await getStock(store.read, 'B', 'L'))?.reserved];
      expect(await store.transaction((tx) => reserveAllIfSellable(tx, [{ sku: 'A', locationId: 'L', qty: 2 }, { sku: 'B', locationId: 'L', qty: 2 }, { sku: 'A', locationId: 'L', qty: 1 }], 'now'))).toBe(true);
      expect(await reserved()).toEqual([3, 2]);
      // 1 + 2 of A is more than the 2 left: the sum counts, though each alone would fit.
      expect(await store.transaction((tx) => reserveAllIfSellable(tx, [{ sku: 'A', locationId: 'L', qty: 1 }, { sku: 'A', locationId: 'L', qty: 2 }], 'now'))).toBe(false);
      // B has 5 on hand, 2 reserved and 3 protected: nothing sellable.
      expect(await store.transaction((tx) => reserveAllIfSellable(tx, [{ sku: 'B', locationId: 'L', qty: 1 }], 'now'))).toBe(false);
      expect(await store.transaction((tx) => reserveAllIfSellable(tx, [{ sku: 'Z', locationId: 'L', qty: 1 }], 'now'))).toBe(false);
      expect(await store.transaction((tx) => reserveAllIfSellable(tx, [], 'now'))).toBe(true);
      expect((await reserved())[1]).toBe(2);
    });

    it('lines reserved together with their availability marks: marked once per transaction, taken back with a refused reservation', async () => {
      const dirty = () => store.read.all<{ sku: string; since_ms: number; generation: number }>('SELECT sku, since_ms, generation FROM availability_dirty ORDER BY sku');
      await store.transaction(async (tx) => {
        await counted(tx, 'L', { sku: 'A', onHand: 5 });
        await counted(tx, 'L', { sku: 'B', onHand: 1 });
        await markAvailabilityDirty(tx, ['A'], 1);
      });
      const before = Number((await dirty())[0]!.generation);
      await store.transaction(async (tx) => {
        expect(await reserveAllIfSellable(tx, [{ sku: 'A', locationId: 'L', qty: 2 }, { sku: 'B', locationId: 'L', qty: 1 }], 'now', 5)).toBe(true);
        await markAvailabilityDirty(tx, ['A', 'B'], 6); // already marked in this transaction
      });
      let rows = await dirty();
      expect(rows.map((r) => [r.sku, Number(r.since_ms)])).toEqual([['A', 1], ['B', 5]]);
      expect(Number(rows[0]!.generation)).toBe(store.dialect === 'postgres' ? before + 1 : before);
      await store.transaction((tx) => tx.run('DELETE FROM availability_dirty'));
      // B has nothing left: refused, the handler throws, and nothing of it stays (A's reservation nor its mark).
      await expect(store.transaction(async (tx) => {
        if (!(await reserveAllIfSellable(tx, [{ sku: 'A', locationId: 'L', qty: 1 }, { sku: 'B', locationId: 'L', qty: 1 }], 'now', 7))) throw new Error('short');
      })).rejects.toThrow('short');
      expect(await dirty()).toEqual([]);
      expect((await getStock(store.read, 'A', 'L'))?.reserved).toBe(2);
    });

    it('protected stock is never reserved, and a release never goes below zero', async () => {
      await store.transaction((tx) => counted(tx, 'L', { sku: 'S', onHand: 5, protected: 3 }));
      expect(await store.transaction((tx) => reserveIfSellable(tx, 'S', 'L', 3, 'now'))).toBe(false);
      expect(await store.transaction((tx) => reserveIfSellable(tx, 'S', 'L', 2, 'now'))).toBe(true);
      await store.transaction((tx) => releaseReserved(tx, 'S', 'L', 10, 'now'));
      expect((await getStock(store.read, 'S', 'L'))?.reserved).toBe(0);
    });

    it('stock of some skus: every location of each, ordered by sku then location, the others left out', async () => {
      await store.transaction(async (tx) => {
        await counted(tx, 'L2', { sku: 'B', onHand: 7, protected: 2, safetyStock: 1 });
        await counted(tx, 'L2', { sku: 'A', onHand: 3 });
        await counted(tx, 'L1', { sku: 'B', onHand: 5 });
        await counted(tx, 'L1', { sku: 'C', onHand: 9 });
        await reserveIfSellable(tx, 'B', 'L2', 4, 'now');
      });
      expect(await stockOfSkus(store.read, ['B', 'A', 'B', 'Z'])).toEqual([
        { sku: 'A', locationId: 'L2', onHand: 3, reserved: 0, protected: 0, safetyStock: 0 },
        { sku: 'B', locationId: 'L1', onHand: 5, reserved: 0, protected: 0, safetyStock: 0 },
        { sku: 'B', locationId: 'L2', onHand: 7, reserved: 4, protected: 2, safetyStock: 1 },
      ]);
      expect(await stockOfSkus(store.read, ['Z'])).toEqual([]);
      // One location's rows of some skus, keyed by sku (what a count reads before it writes).
      await store.transaction(async (tx) => {
        for (const id of ['L2', 'L3']) await putLocation(tx, location(id, id), 'now', `e-${id}`);
      });
      const atL2 = (await countedStockAt(store.read, 'L2', ['B', 'A', 'C', 'B'])).held;
      expect([...atL2.keys()].sort()).toEqual(['A', 'B']);
      expect(atL2.get('B')).toEqual({ sku: 'B', locationId: 'L2', onHand: 7, reserved: 4, protected: 2, safetyStock: 1 });
      expect((await countedStockAt(store.read, 'L3', ['A'])).held.size).toBe(0);
    });

    it('a count reads whether its location is known and what is held there, in one statement', async () => {
      await store.transaction(async (tx) => {
        await putLocation(tx, location('L', 'Lisse'), 'now', 'e1');
        await putLocation(tx, location('E', 'Empty'), 'now', 'e2');
        await counted(tx, 'L', { sku: 'A', onHand: 4, protected: 1, safetyStock: 2 });
        await counted(tx, 'L', { sku: 'B', onHand: 0 });
        await counted(tx, 'X', { sku: 'A', onHand: 9 }); // stock rows of a location not in the master data
      });
      const at = await countedStockAt(store.read, 'L', ['B', 'A', 'Z', 'A']);
      expect(at.known).toBe(true);
      expect([...at.held.values()].sort((a, b) => a.sku.localeCompare(b.sku))).toEqual([
        { sku: 'A', locationId: 'L', onHand: 4, reserved: 0, protected: 1, safetyStock: 2 },
        { sku: 'B', locationId: 'L', onHand: 0, reserved: 0, protected: 0, safetyStock: 0 },
      ]);
      expect(await countedStockAt(store.read, 'E', ['A'])).toEqual({ known: true, held: new Map() });
      expect(await countedStockAt(store.read, 'X', ['A'])).toEqual({ known: false, held: new Map() });
      expect(await countedStockAt(store.read, 'nowhere', [])).toEqual({ known: false, held: new Map() });
    });

    it('counted levels written with their availability marks: each written sku marked once per transaction', async () => {
      const dirty = () => store.read.all<{ sku: string; since_ms: number; generation: number }>('SELECT sku, since_ms, generation FROM availability_dirty ORDER BY sku');
      await store.transaction((tx) => markAvailabilityDirty(tx, ['A'], 1));
      const before = Number((await dirty())[0]!.generation);
      await store.transaction(async (tx) => {
        await putCounted(tx, 'L', [{ sku: 'A', onHand: 1, protected: 0, safetyStock: 0 }, { sku: 'B', onHand: 2, protected: 0, safetyStock: 0 }], 'now', 5);
        // Marked already in this transaction: no second mark (on PostgreSQL no second generation bump).
        await markAvailabilityDirty(tx, ['A', 'B'], 6);
        await markAvailabilityDirty(tx, ['C'], 7);
      });
      const rows = await dirty();
      expect(rows.map((r) => [r.sku, Number(r.since_ms)])).toEqual([['A', 1], ['B', 5], ['C', 7]]);
      // A sku already waiting for the publisher: on PostgreSQL its generation moves once, so a
      // publisher round that read it before this write does not delete the mark (migration 015).
      expect(Number(rows[0]!.generation)).toBe(store.dialect === 'postgres' ? before + 1 : before);
      expect(await getStock(store.read, 'B', 'L')).toMatchObject({ onHand: 2, reserved: 0 });
      // Without a mark asked for, a count writes none.
      await store.transaction((tx) => putCounted(tx, 'L', [{ sku: 'D', onHand: 3, protected: 0, safetyStock: 0 }], 'now'));
      expect((await dirty()).map((r) => r.sku)).toEqual(['A', 'B', 'C']);
    });

    it('a snapshot\'s counted levels go in together: reservations kept, new rows unreserved', async () => {
      await store.transaction((tx) => counted(tx, 'L', { sku: 'S', onHand: 10, protected: 2 }));
      await store.transaction((tx) => reserveIfSellable(tx, 'S', 'L', 4, 'now'));
      // 70 levels: more than one multi-row statement.
      const levels = [{ sku: 'S', onHand: 8, protected: 1, safetyStock: 3 }, ...Array.from({ length: 69 }, (_, i) => ({ sku: `N${i}`, onHand: i, protected: 0, safetyStock: 0 }))];
      await store.transaction((tx) => putCounted(tx, 'L', levels, 'later'));
      expect(await getStock(store.read, 'S', 'L')).toEqual({ sku: 'S', locationId: 'L', onHand: 8, reserved: 4, protected: 1, safetyStock: 3 });
      expect(await getStock(store.read, 'N68', 'L')).toEqual({ sku: 'N68', locationId: 'L', onHand: 68, reserved: 0, protected: 0, safetyStock: 0 });
      expect((await stockOfSkus(store.read, levels.map((l) => l.sku))).length).toBe(70);
    });

    it('outbox rows are idempotent by id', async () => {
      const r = { id: 'o1', seq: 1, eventId: 'e', destination: 'n8n', kind: 'webhook', subject: 's', payload: { a: 1 }, createdAt: 'now' };
      await store.transaction(async (tx) => {
        await insertOutboxRows(tx, [r]);
        await insertOutboxRows(tx, [r]);
      });
      expect(Number((await store.read.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox'))?.n)).toBe(1);
    });

    describe('audit chain', () => {
      beforeEach(async () => {
        await store.transaction((tx) => appendAudit(tx, [1, 2, 3, 4, 5].map(audit)));
        await store.transaction((tx) => appendAudit(tx, [6, 7].map(audit)));
      });

      it('verifies an untouched chain with its count', async () => {
        expect(await verifyAuditChain(store.read)).toMatchObject({ ok: true, count: 7 });
      });

      it('concurrent appenders keep one unbroken chain', async () => {
        await Promise.all(Array.from({ length: 30 }, (_, i) => store.transaction((tx) => appendAudit(tx, [audit(10 + i)]))));
        expect(await verifyAuditChain(store.read)).toMatchObject({ ok: true, count: 37 });
      });

      it('a changed row is named', async () => {
        await store.transaction((tx) => tx.run(`UPDATE audit SET actor = 'mallory' WHERE seq = 3`));
        expect(await verifyAuditChain(store.read)).toMatchObject({ ok: false, firstBadSeq: 3, reason: 'hash_mismatch', count: 2 });
      });

      it('a deleted row is named', async () => {
        await store.transaction((tx) => tx.run('DELETE FROM audit WHERE seq = 4'));
        expect(await verifyAuditChain(store.read)).toMatchObject({ ok: false, firstBadSeq: 4, reason: 'gap' });
      });

      it('a deleted last row is caught by the head', async () => {
        await store.transaction((tx) => tx.run('DELETE FROM audit WHERE seq = 7'));
        expect(await verifyAuditChain(store.read)).toMatchObject({ ok: false, firstBadSeq: 7, reason: 'head_mismatch' });
      });

      it('two swapped rows are named at the first', async () => {
        await store.transaction(async (tx) => {
          const rows = await tx.all<Record<string, unknown>>('SELECT * FROM audit WHERE seq IN (2, 5) ORDER BY seq');
          const [a, b] = rows as [Record<string, unknown>, Record<string, unknown>];
          const cols = ['at', 'actor', 'role', 'action', 'subject', 'before_digest', 'after_digest', 'detail', 'prev_hash', 'hash'];
          const set = cols.map((c) => `${c} = ?`).join(', ');
          await tx.run(`UPDATE audit SET ${set} WHERE seq = 2`, cols.map((c) => b[c]));
          await tx.run(`UPDATE audit SET ${set} WHERE seq = 5`, cols.map((c) => a[c]));
        });
        expect(await verifyAuditChain(store.read)).toMatchObject({ ok: false, firstBadSeq: 2 });
      });
    });
  });
}
