import { describe, expect, it } from 'vitest';
import client from 'prom-client';
import { storeFactories } from '../support/stores.js';
import { insertOutboxRows } from '../../src/store/repos/outbox.js';
import { DeliveryMetrics } from '../../src/engine/delivery/metrics.js';

/** /metrics' outbox gauge: every status reported, each counted up to a cap (a scrape must stay cheap). */
for (const factory of storeFactories()) {
  describe(`outbox gauge: ${factory.name}`, () => {
    it('reports pending, dead and unrouted rows, zero included, and stops counting at the cap', async () => {
      const { store, dispose } = await factory.open();
      try {
        const rows = Array.from({ length: 12 }, (_, i) => ({
          id: `o-${i}`, seq: i, eventId: `e-${i}`, destination: 'notify:email', kind: 'notification', subject: `customer:${i}`, payload: { i }, createdAt: new Date().toISOString(),
        }));
        await store.transaction(async (tx) => {
          await insertOutboxRows(tx, rows);
          // 3 stay pending, 9 were parked for a destination nobody registered.
          await tx.run(`UPDATE outbox SET status = 'unrouted' WHERE seq >= 3`);
        });
        const registry = new client.Registry();
        new DeliveryMetrics(registry, store.read, 5);
        const gauge = await registry.getSingleMetric('omniops_outbox_rows')!.get();
        const byStatus = Object.fromEntries(gauge.values.map((v) => [v.labels.status, v.value]));
        expect(byStatus).toEqual({ pending: 3, dead: 0, unrouted: 5 });
      } finally {
        await dispose();
      }
    });
  });
}
