import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import type { Store } from '../../src/store/port.js';
import { insertReturnCase, type ReturnCaseDoc } from '../../src/store/repos/returns.js';
import { returnsPerSkuDay } from '../../src/store/repos/anomaly-returns.js';
import { returnRateFindings, type OrderedSkus } from '../../src/domain/anomaly/return-findings.js';
import { defaultAnomalyPolicy } from '../../src/policy/kinds/anomaly.js';
import type { ReturnCaseState } from '../../src/domain/returns/case-state.js';

/**
 * The return-rate scan's read: return cases per sku per UTC day in a window, from the state index,
 * rejected requests left out. Then the same rows, with a month of orders, through the pure step
 * that turns them into findings — on both stores, so the rows each store gives are the ones scored.
 */
const DAY = 86_400_000;
const D0 = Date.parse('2026-09-01T00:00:00Z');
const iso = (d: number) => new Date(D0 + d * DAY).toISOString().slice(0, 10);

let n = 0;
async function returnCase(store: Store, atMs: number, skus: string[], state: ReturnCaseState = 'requested') {
  const id = `case-${++n}`;
  const doc = { lines: skus.map((sku, i) => ({ lineId: `l${i}`, sku, qty: 1, unitPrice: 10 })), history: [], approvals: [] } as unknown as ReturnCaseDoc;
  await store.transaction((tx) => insertReturnCase(tx, { id, orderId: `o-${id}`, customerId: 'c1', state, category: null, disposition: null, createdMs: atMs, doc }, new Date(atMs).toISOString()));
}

for (const factory of storeFactories()) {
  describe(`return-rate reader: ${factory.name}`, { timeout: 60_000 }, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ store, dispose } = await factory.open());
    });
    afterAll(async () => dispose?.());

    it('counts cases per sku per day in the window, once per case and sku, rejected ones not', async () => {
      await returnCase(store, D0 + 2 * DAY + 3_600_000, ['TENT', 'TENT', 'MAT']); // two lines of TENT: one return of TENT
      await returnCase(store, D0 + 2 * DAY + 20 * 3_600_000, ['TENT'], 'refunded');
      await returnCase(store, D0 + 3 * DAY, ['MAT'], 'closed');
      await returnCase(store, D0 + 3 * DAY + 1, ['MAT'], 'rejected');
      await returnCase(store, D0 + 5 * DAY, ['TENT']); // at the end of the window: outside
      await returnCase(store, D0 - 1, ['TENT']); // before the window
      expect(await returnsPerSkuDay(store.read, D0, D0 + 5 * DAY)).toEqual([
        { sku: 'MAT', day: iso(2), returns: 1 },
        { sku: 'MAT', day: iso(3), returns: 1 },
        { sku: 'TENT', day: iso(2), returns: 2 },
      ]);
    });

    it('a sku whose returns jump is found from what the store reads', async () => {
      const start = D0 + 100 * DAY; // a window of its own, after the rows above
      const days = 70;
      const orders: OrderedSkus[] = [];
      for (let d = 0; d < days; d++) {
        for (let i = 0; i < 20; i++) orders.push({ placedMs: start + d * DAY + i * 60_000, cancelled: false, skus: ['BOOT', 'SOCK'] });
        // Every 20th order of BOOT and SOCK comes back; from day 63 on, one in three of BOOT.
        const bootReturns = d >= 63 ? 7 : 1;
        for (let r = 0; r < bootReturns; r++) await returnCase(store, start + d * DAY + 12 * 3_600_000 + r, ['BOOT']);
        await returnCase(store, start + d * DAY + 13 * 3_600_000, ['SOCK']);
      }
      orders.push({ placedMs: start + 65 * DAY, cancelled: true, skus: ['BOOT'] });
      const returns = await returnsPerSkuDay(store.read, start, start + days * DAY);
      const found = returnRateFindings({ orders, returns, fromMs: start, toMs: start + days * DAY, reportFrom: new Date(start + 63 * DAY).toISOString().slice(0, 10) }, defaultAnomalyPolicy.returnRate);
      expect(found.length).toBeGreaterThan(0);
      expect(new Set(found.map((f) => f.key))).toEqual(new Set(['BOOT']));
      expect(found[0]).toMatchObject({ kind: 'return_rate', key: 'BOOT', detail: { sku: 'BOOT', baselineRate: 0.05 } });
      expect(found[0]!.score).toBeGreaterThanOrEqual(1);
      expect(found[0]!.explanation).toContain('BOOT');
    });
  });
}

describe('return-rate reader query plan (SQLite)', () => {
  it('reads through the state index, never the whole table', async () => {
    const [factory] = storeFactories();
    const { store, dispose } = await factory!.open();
    try {
      const seen: Array<{ sql: string; params: readonly unknown[] }> = [];
      await returnsPerSkuDay({ dialect: 'sqlite', run: store.read.run, get: store.read.get, all: (sql, params = []) => (seen.push({ sql, params }), store.read.all(sql, params)) }, D0, D0 + DAY);
      expect(seen).toHaveLength(1);
      const plan = (await store.read.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${seen[0]!.sql}`, seen[0]!.params)).map((r) => r.detail).join(' | ');
      expect(plan).toContain('return_cases_state');
      expect(plan).not.toMatch(/\bSCAN (?!CONSTANT ROW)/);
    } finally {
      await dispose();
    }
  });
});
