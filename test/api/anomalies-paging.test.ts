import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { webOrder } from '../support/shop.js';
import { insertAnomaly } from '../../src/store/repos/returns.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

// GET /v1/anomalies pages newest first, a scan's findings (one detection time) by score, with a
// `next` cursor; an order's finding names the channel's order.
const T0 = Date.parse('2026-11-30T09:00:00Z');
const LOCATION = { id: 'dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 600, shipSlaMinutes: 2880 };

for (const factory of storeFactories()) {
  describe(`anomalies, paged: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    it('every page continues after the last row shown, also inside one scan\'s findings of equal time and score', async () => {
      t = await startTestApp(factory, { clock: () => T0 });
      await t.send(envelope({ type: 'location.upserted', payload: LOCATION }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'MAT', onHand: 10 }] } }));
      await t.send(webOrder('P-1', [{ sku: 'MAT', qty: 1, unitPrice: 40 }]));
      const orderId = orderIdFor('web', 'P-1');
      // Two scans: 7 findings at one time (scores with ties), 4 an hour before.
      const seeded = [
        // Ids in another order than scores, so a cursor of time and id alone would skip or repeat rows.
        ...[3, 5, 1.5, 4, 4, 3, 4].map((score, i) => ({ id: `an-new-${i}`, detectedMs: T0, score })),
        ...[9, 2, 2, 1].map((score, i) => ({ id: `an-old-${i}`, detectedMs: T0 - 3_600_000, score })),
      ];
      await t.app.store.transaction(async (tx) => {
        for (const a of seeded) {
          const byOrder = a.id === 'an-new-3';
          await insertAnomaly(tx, {
            id: a.id, kind: byOrder ? 'value_outlier' : 'demand', key: byOrder ? orderId : `SKU-${a.id}`, day: '2026-11-29', score: a.score,
            explanation: 'x', detectedMs: a.detectedMs, doc: byOrder ? { orderId } : { direction: 'spike' },
          });
        }
      });
      const whole = (await t.api('GET', '/v1/anomalies?limit=1000', t.adminKey)).body;
      expect(whole.next).toBeNull();
      const expected = [...seeded].sort((a, b) => b.detectedMs - a.detectedMs || b.score - a.score || (a.id < b.id ? -1 : 1)).map((a) => a.id);
      expect(whole.items.map((a: { id: string }) => a.id)).toEqual(expected);
      for (const limit of [1, 2, 3, 4]) {
        const ids: string[] = [];
        let next: string | null = null;
        for (let page = 0; page < 20; page++) {
          const r = await t.api('GET', `/v1/anomalies?limit=${limit}${next ? `&before=${encodeURIComponent(next)}` : ''}`, t.adminKey);
          expect(r.status).toBe(200);
          ids.push(...r.body.items.map((a: { id: string }) => a.id));
          next = r.body.next;
          if (!next) break;
        }
        expect(ids, `limit ${limit}`).toEqual(expected);
      }
      const byOrder = whole.items.find((a: { id: string }) => a.id === 'an-new-3');
      expect(byOrder.order).toEqual({ id: orderId, source: 'web', externalOrderId: 'P-1' });
      expect(whole.items.find((a: { id: string }) => a.id === 'an-new-0').order).toBeUndefined();
      // A garbled cursor is refused precisely.
      const bad = await t.api('GET', '/v1/anomalies?before=yesterday', t.adminKey);
      expect([bad.status, bad.body.code]).toEqual([422, 'E_SCHEMA']);
    });
  });
}
