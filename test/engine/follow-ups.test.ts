import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { eventsBySubject, type LoggedEvent } from '../../src/store/repos/events.js';
import { outboxByEvent } from '../../src/store/repos/outbox.js';

/**
 * Follow-ups: an event a handler decided, that a handler acts on (an order's `order.routed`, which
 * queues the ERP push), runs in the batch of its cause when nothing earlier of its subject is still
 * pending — on SQLite, where the batch is the only writer. Otherwise it waits in the log as before.
 */
const T0 = Date.parse('2026-11-30T09:00:00Z');
const location = { id: 'dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 };
const order = (ext: string) => envelope({
  type: 'order.placed', occurredAt: new Date(T0).toISOString(),
  payload: {
    externalOrderId: ext, customer: { id: `c-${ext}` }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }], currency: 'EUR',
    shipping: { method: 'standard', address: { country: 'NL', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 120 },
  },
});
const cancel = (ext: string) => envelope({ type: 'order.cancel_requested', occurredAt: new Date(T0).toISOString(), payload: { externalOrderId: ext, reason: 'changed my mind' } });

for (const factory of storeFactories()) {
  describe(`follow-ups in the batch of their cause: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    async function setup(batchSize = 256) {
      t = await startTestApp(factory, { dispatcher: false, clock: () => T0, config: { dispatch: { batchSize, batchBudgetMs: 10_000 } } }); // batches end by what they read, not by time
      for (const e of [envelope({ type: 'location.upserted', payload: location }), envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 10 }] } })]) {
        expect((await t.app.intake.submit(e)).ok).toBe(true);
      }
      while ((await t.app.dispatcher.runOnce()) > 0);
    }
    const history = (ext: string) => eventsBySubject(t.app.store.read, `order:web:${ext}`);
    const ofType = (events: LoggedEvent[], type: string) => events.find((e) => e.type === type)!;

    it(factory.name === 'sqlite' ? 'order.routed runs in the batch of order.placed, its ERP row ordered after it' : 'order.routed waits for a later batch (PostgreSQL: other writers may add to its subject meanwhile)', async () => {
      await setup();
      await t.take(order('F-1'));
      await t.app.dispatcher.runOnce();
      const events = await history('F-1');
      const routed = ofType(events, 'order.routed');
      expect(ofType(events, 'order.placed').status).toBe('processed');
      if (factory.name === 'sqlite') {
        expect(routed.status).toBe('processed');
        expect(routed.attempts).toBe(1);
        // The cause comes first in the log, and the ERP row carries the follow-up's own place.
        expect(routed.seq).toBeGreaterThan(ofType(events, 'order.placed').seq);
        const rows = await outboxByEvent(t.app.store.read, routed.id);
        expect(rows.map((r) => r.destination)).toEqual(['erp:sale_order']);
        const seq = (await t.app.store.read.get<{ seq: number }>('SELECT seq FROM outbox WHERE event_id = ?', [routed.id]))!.seq;
        expect(Number(seq)).toBe(routed.seq * 1000);
      } else {
        expect(routed.status).toBe('pending');
      }
      while ((await t.app.dispatcher.runOnce()) > 0);
      expect(ofType(await history('F-1'), 'order.routed').status).toBe('processed');
    });

    it('a follow-up never overtakes an earlier pending event of its subject in the batch', async () => {
      await setup();
      await t.take(order('F-2'));
      await t.take(cancel('F-2'));
      await t.app.dispatcher.runOnce();
      const events = await history('F-2');
      expect(ofType(events, 'order.placed').status).toBe('processed');
      expect(ofType(events, 'order.cancel_requested').status).toBe('processed');
      // Decided by order.placed, but the cancel request was ahead of it in the log: it waits.
      expect(ofType(events, 'order.routed').status).toBe('pending');
      while ((await t.app.dispatcher.runOnce()) > 0);
      expect(ofType(await history('F-2'), 'order.routed').status).toBe('processed');
    });

    it('nor one past what the batch read: a pending event of its subject further in the log holds it back', async () => {
      await setup(1); // the batch reads one event: the cancel request is beyond it
      await t.take(order('F-3'));
      await t.take(cancel('F-3'));
      await t.app.dispatcher.runOnce();
      const events = await history('F-3');
      expect(ofType(events, 'order.placed').status).toBe('processed');
      expect(ofType(events, 'order.cancel_requested').status).toBe('pending');
      expect(ofType(events, 'order.routed').status).toBe('pending');
      while ((await t.app.dispatcher.runOnce()) > 0);
      const after = await history('F-3');
      expect(after.every((e) => e.status === 'processed')).toBe(true);
    });

    it('with a batch of one read, a follow-up still runs when nothing else of its subject waits', async () => {
      await setup(1);
      await t.take(order('F-4'));
      await t.take(order('F-5')); // another subject, beyond the batch's read
      await t.app.dispatcher.runOnce();
      const routed = ofType(await history('F-4'), 'order.routed');
      expect(routed.status).toBe(factory.name === 'sqlite' ? 'processed' : 'pending');
      while ((await t.app.dispatcher.runOnce()) > 0);
    });
  });
}
