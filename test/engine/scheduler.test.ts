import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { testConfig } from '../support/app.js';
import { createApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/port.js';

const SLOT = 30_000;

async function ticks(store: Store): Promise<Array<{ source_event_id: string; n: number }>> {
  return store.read.all(`SELECT source_event_id, COUNT(*) AS n FROM events WHERE type = 'schedule.tick' GROUP BY source_event_id ORDER BY source_event_id`);
}

for (const factory of storeFactories()) {
  describe(`scheduler: ${factory.name}`, () => {
    const apps: App[] = [];
    let dispose: (() => Promise<void>) | undefined;
    afterEach(async () => {
      for (const a of apps.splice(0)) await a.close().catch(() => undefined);
      await dispose?.();
    });

    /** Two processes' worth of omniops on one database, each with its own connection and scheduler. */
    async function twoSchedulers(clock: () => number): Promise<[App, App]> {
      const opened = await factory.open();
      dispose = opened.dispose;
      const second: Store =
        opened.store instanceof SqliteStore
          ? new SqliteStore({ file: (opened.store as unknown as { file: string }).file })
          : new PostgresStore({ url: process.env.OMNIOPS_TEST_PG_URL!, schema: (opened.store as unknown as { schema: string }).schema });
      const config = testConfig();
      for (const store of [opened.store, second]) apps.push(await createApp(config, { store, clock, logger: createLogger('silent') }));
      return [apps[0]!, apps[1]!];
    }

    it('two schedulers contending for the same slots: each slot fires once', async () => {
      let now = Date.parse('2026-11-30T10:00:05Z');
      const [a, b] = await twoSchedulers(() => now);
      for (let i = 0; i < 5; i++) {
        await Promise.all([a.scheduler.tick(), b.scheduler.tick(), a.scheduler.tick()]);
        now += SLOT;
      }
      const rows = await ticks(a.store);
      expect(rows.length).toBeGreaterThanOrEqual(5);
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    });

    it('after downtime a missed slot runs once, not once per slot missed', async () => {
      let now = Date.parse('2026-11-30T10:00:05Z');
      const [a] = await twoSchedulers(() => now);
      await a.scheduler.tick();
      const before = (await ticks(a.store)).filter((r) => r.source_event_id.startsWith('fulfilment-sla-watch@')).length;
      now += 10 * SLOT; // ten slots of the SLA watch pass while nothing runs
      await a.scheduler.tick();
      const after = (await ticks(a.store)).filter((r) => r.source_event_id.startsWith('fulfilment-sla-watch@')).length;
      expect(after - before).toBe(1);
    });
  });
}
