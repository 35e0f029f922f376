import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import client from 'prom-client';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { SqlExecutor } from '../../src/store/port.js';
import { inFlightByTarget } from '../../src/store/repos/deliveries.js';
import { customerHistory, newOrderFacts, reservationsOfOrder } from '../../src/store/repos/orders.js';
import { newestPendingOf } from '../../src/store/repos/events.js';
import { countedStockAt, stockOfSkus } from '../../src/store/repos/stock.js';
import { DeliveryMetrics } from '../../src/engine/delivery/metrics.js';
import { tempDir } from '../support/stores.js';

/**
 * Queries that run on every delivery round, every /metrics scrape or every order must be answered
 * through an index, not by reading a table that grows with the business: each walked every row
 * once (10 ms per round, 36 ms per scrape at production sizes). The plans are SQLite's, read with
 * EXPLAIN QUERY PLAN for the exact SQL the repositories send.
 */
/** A plan step that reads a whole table or index ("SCAN t", "SCAN t USING … INDEX"), aliases included. */
const FULL_SCAN = /\bSCAN (?!CONSTANT ROW)/;

describe('query plans of hot statements (SQLite)', () => {
  let store: SqliteStore;
  beforeEach(async () => {
    store = new SqliteStore({ file: join(tempDir(), 'omniops.db') });
    await store.migrate();
  });
  afterEach(() => store.close());

  /** Runs `fn` against an executor that records each statement with its parameters. */
  async function plansOf(fn: (db: SqlExecutor) => Promise<unknown>): Promise<string[]> {
    const seen: Array<{ sql: string; params: readonly unknown[] }> = [];
    const recorder: SqlExecutor = {
      dialect: 'sqlite',
      run: (sql, params = []) => (seen.push({ sql, params }), store.read.run(sql, params)),
      get: (sql, params = []) => (seen.push({ sql, params }), store.read.get(sql, params)),
      all: (sql, params = []) => (seen.push({ sql, params }), store.read.all(sql, params)),
    };
    await fn(recorder);
    const plans: string[] = [];
    for (const s of seen) {
      const rows = await store.read.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${s.sql}`, s.params);
      plans.push(rows.map((r) => r.detail).join(' | '));
    }
    return plans;
  }

  it('a delivery round counts live leases from the index of leased rows', async () => {
    const [plan] = await plansOf((db) => inFlightByTarget(db, Date.now()));
    expect(plan).toContain('outbox_leased');
    expect(plan).not.toMatch(FULL_SCAN);
  });

  it('/metrics finds the latest reconciliation per destination through the subject index', async () => {
    await store.transaction((tx) => tx.run(
      `INSERT INTO destinations (id, url, kind, environment, concurrency, routes, attrs, enabled, created_at, updated_at)
       VALUES ('odoo', 'http://127.0.0.1:1', 'odoo', 'test', 1, '[]', '{}', 1, 'now', 'now')`));
    const registry = new client.Registry();
    const plans = await plansOf(async (db) => {
      new DeliveryMetrics(registry, db);
      await registry.getSingleMetricAsString('omniops_stock_discrepancy_rate');
    });
    const reconciliation = plans.find((p) => p.includes('events'));
    expect(reconciliation).toContain('events_subject');
    expect(reconciliation).not.toMatch(FULL_SCAN);
  });

  it('routing reads an order\'s stock by sku and the fraud history through the customer and address indexes', async () => {
    const [stock] = await plansOf((db) => stockOfSkus(db, ['A', 'B', 'C']));
    expect(stock).toMatch(/sqlite_autoindex_stock_1 \(sku=\?\)/);
    expect(stock).not.toMatch(FULL_SCAN);
    const [count] = await plansOf((db) => countedStockAt(db, 'L1', ['A', 'B']));
    expect(count).toMatch(/sqlite_autoindex_stock_1 \(sku=\? AND location_id=\?\)/);
    expect(count).not.toMatch(FULL_SCAN);
    const [history] = await plansOf((db) => customerHistory(db, 'c-1', 'addr', Date.now(), 60_000, 60_000, 'ord_1'));
    expect(history).toContain('orders_customer');
    expect(history).toContain('orders_address');
    expect(history).not.toMatch(FULL_SCAN);
    const [facts] = await plansOf((db) => newOrderFacts(db, 'web', 'A-1', 'c-1', 'addr', Date.now(), 60_000, 60_000, 'ord_1', ['A', 'B']));
    expect(facts).toContain('orders_customer');
    expect(facts).toContain('orders_address');
    expect(facts).toMatch(/sqlite_autoindex_orders_\d \(source=\? AND external_order_id=\?\)/);
    expect(facts).toMatch(/sqlite_autoindex_stock_1 \(sku=\?\)/);
    expect(facts).not.toMatch(FULL_SCAN);
  });

  it('a till batch at a store master data does not know finds its waiting registration through the subject index', async () => {
    const [plan] = await plansOf((db) => newestPendingOf(db, 'master:location:store-new', 'location.upserted'));
    expect(plan).toContain('events_subject');
    expect(plan).not.toMatch(FULL_SCAN);
  });

  it('an order\'s reservations are found through its fulfilments', async () => {
    const [plan] = await plansOf((db) => reservationsOfOrder(db, 'ord_1'));
    expect(plan).toContain('fulfilments_order');
    expect(plan).not.toMatch(FULL_SCAN);
  });
});
