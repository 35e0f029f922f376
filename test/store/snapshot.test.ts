import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import type { Store } from '../../src/store/port.js';

/**
 * `Store.snapshot` (used by the scheduled reads off the write lock): every statement sees one
 * committed state, a write transaction commits while it reads, and it writes nothing.
 */
const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([p, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))]);

for (const factory of storeFactories()) {
  describe(`store snapshot: ${factory.name}`, () => {
    let store: Store;
    let dispose: (() => Promise<void>) | undefined;
    afterEach(async () => dispose?.());
    const count = async (db: Store['read']) => Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM scheduler_slots'))?.n ?? 0);
    const put = (key: string) => store.transaction((tx) => tx.run('INSERT INTO scheduler_slots (job, last_slot_ms) VALUES (?, ?)', [key, 1]));

    async function open(): Promise<void> {
      const opened = await factory.open();
      store = opened.store;
      dispose = opened.dispose;
    }

    it('a write commits during the snapshot; the snapshot goes on seeing the state it began with', async () => {
      await open();
      await put('a');
      const seen = await store.snapshot(async (db) => {
        const before = await count(db);
        expect(await withTimeout(put('b'), 5000)).not.toBe('timeout');
        return { before, after: await count(db), outside: await count(store.read) };
      });
      expect(seen).toEqual({ before: 1, after: 1, outside: 2 });
      expect(await count(store.read)).toBe(2);
    });

    it('writes nothing: a write inside fails, and the store is usable after', async () => {
      await open();
      await expect(store.snapshot((db) => db.run('INSERT INTO scheduler_slots (job, last_slot_ms) VALUES (?, ?)', ['x', 1]))).rejects.toThrow();
      expect(await count(store.read)).toBe(0);
      expect(await store.snapshot((db) => count(db))).toBe(0);
    });
  });
}
