import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { eventById } from '../../src/store/repos/events.js';
import { until } from '../support/until.js';

// 10:00 local at the DC (+60): before its cut-off.
const T0 = Date.parse('2026-11-30T09:00:30Z');
const MINUTE = 60_000;
const DC = { id: 'dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 };

const placed = (ext: string) => envelope({
  type: 'order.placed',
  payload: {
    externalOrderId: ext, customer: { id: `c-${ext}` }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }], currency: 'EUR',
    shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 120 },
  },
});

for (const factory of storeFactories()) {
  describe(`operations overview figures: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    it('events per minute, processed per minute and the cycle time agree with the log, read through indexes only', async () => {
      let now = T0;
      // One attempt then a long wait: a failing event stays pending for the whole test.
      // The availability publisher waits a minute between rounds: a round appending events between the
      // overview's read and the test's own count below would make them disagree (seen on PostgreSQL).
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { maxAttempts: 3, backoffBaseMs: 600_000, backoffMaxMs: 600_000, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
      await t.send(envelope({ type: 'location.upserted', payload: DC }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 5 }] } }));
      await t.send(placed('W-1'));
      await t.drained();
      now += 2 * MINUTE;
      await t.send(placed('W-2'));
      const failing = await t.take(envelope({ type: 'inventory.snapshot', payload: { locationId: 'nowhere', counts: [{ sku: 'TENT', onHand: 1 }] } })); // unknown location
      await until('tried once', async () => ((await eventById(t.app.store.read, failing))?.attempts ?? 0) >= 1);
      now += 48 * MINUTE;
      const orderId = orderIdFor('web', 'W-1');
      const f = (await t.api('GET', `/v1/orders/${orderId}`, t.adminKey)).body.fulfilments[0];
      const staff = await t.keyFor('warehouse');
      for (const step of ['accept', 'pick', 'ship']) expect((await t.api('POST', `/v1/fulfilments/${f.id}/${step}`, staff, {})).status).toBeLessThan(300);
      await until('shipped', async () => (await t.api('GET', `/v1/orders/${orderId}`, t.adminKey)).body.state === 'shipped');
      await until('the shipment and what it caused processed', async () => (await t.app.store.read.get<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM events WHERE status = 'pending'`))?.n == 1); // only the failing snapshot waits
      now += 30_000;

      // The app is live (scheduler ticks, follow-ups): the overview and the slow count below are taken
      // again until no event was appended or processed around them, so both saw the same log.
      const logState = async () => JSON.stringify(await t.app.store.read.get(`SELECT COUNT(*) AS n, SUM(CASE WHEN status = 'processed' THEN 1 ELSE 0 END) AS p FROM events`));
      let d: any;
      let rows: Array<{ m: number | string; n: number | string; p: number | string }> = [];
      let inMix: { n: number | string } | undefined;
      for (let attempt = 0; attempt < 20; attempt++) {
        const before = await logState();
        d = (await t.api('GET', '/v1/dashboard', t.adminKey)).body;
        // The truth, the slow way: every event of the hour, read row by row.
        rows = await t.app.store.read.all<{ m: number | string; n: number | string; p: number | string }>(
          `SELECT received_ms / 60000 AS m, COUNT(*) AS n, SUM(CASE WHEN status = 'processed' THEN 1 ELSE 0 END) AS p FROM events WHERE received_ms >= ? GROUP BY received_ms / 60000`,
          [now - 60 * MINUTE],
        );
        inMix = await t.app.store.read.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM events WHERE received_ms >= ?', [now - 5 * MINUTE]);
        if ((await logState()) === before) break;
      }
      const truth = new Map(rows.map((r) => [Number(r.m) * MINUTE, { received: Number(r.n), processed: Number(r.p) }]));
      const shown = (d.events.perMinute as Array<{ t: string; received: number; processed: number }>).filter((p) => p.received > 0);
      expect(shown.length).toBeGreaterThanOrEqual(2);
      for (const p of shown) expect({ at: p.t, ...truth.get(Date.parse(p.t)) }).toEqual({ at: p.t, received: p.received, processed: p.processed });
      expect(shown.some((p) => p.processed === p.received - 1)).toBe(true); // the waiting snapshot
      // Waiting in the hour: the failing snapshot, and any scheduler tick appended after the clock moved
      // that a busy machine's dispatcher has not processed yet — as the slow count saw them.
      const waiting = rows.reduce((a, r) => a + Number(r.n) - Number(r.p), 0);
      expect(waiting).toBeGreaterThanOrEqual(1);
      expect(d.events.lastHour.received - d.events.lastHour.processed).toBe(waiting);
      expect(d.events.mix).toMatchObject({ windowMinutes: 5, sampledEvents: Number(inMix?.n), atMost: 10_000 });
      expect(Object.values(d.events.mix.byType as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(Number(inMix?.n));
      // W-1 placed at T0 (its receipt), shipped 50 minutes later.
      expect(d.orders.cycleTime).toMatchObject({ samples: 1, medianMinutes: 50 });
      expect(d.deliveries).toMatchObject({ unrouted: { rows: expect.any(Number), atLeast: false } });
      expect(d.deliveries.unrouted.rows).toBeGreaterThan(0); // no destination registered: the order's rows are parked
    });
  });
}
