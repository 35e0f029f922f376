import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { buildHandlers } from '../../src/engine/handlers/all.js';
import type { EventHandler } from '../../src/engine/dispatch/handler.js';
import { eventById, eventsBySubject } from '../../src/store/repos/events.js';
import { replayDead } from '../../src/engine/dispatch/replay.js';
import { getStock } from '../../src/store/repos/stock.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';

const location = (id: string) => envelope({ type: 'location.upserted', payload: { id, name: id, kind: 'store', lat: 52, lon: 5 } });
const adjust = (locationId: string, delta: number, sku = 'SKU-1') => envelope({ type: 'inventory.adjusted', payload: { locationId, sku, delta, reason: 'receipt' } });

async function settled(t: TestApp, id: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await eventById(t.app.store.read, id);
    if (e && (e.status !== 'pending' || Date.now() > deadline)) return e;
    await t.app.waiters.wait(id, 50);
  }
}

for (const factory of storeFactories()) {
  describe(`dispatcher: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    it('a handler that throws is retried, dead-lettered after the last attempt, and replayed once fixed', async () => {
      let broken = true;
      let calls = 0;
      const flaky: EventHandler = {
        type: 'inventory.adjusted',
        name: 'test.flaky',
        async handle() {
          calls++;
          if (broken) throw new Error('warehouse system unreachable');
        },
      };
      t = await startTestApp(factory, {
        handlers: (policies) => buildHandlers({ policies }).register(flaky),
        config: { dispatch: { maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10, batchSize: 100 } },
      });
      // Locations and stock are different subjects: on PostgreSQL they may be processed side by side,
      // so the location must be there first for this test to count only the flaky handler's failures.
      const loc = await t.app.intake.submit(location('L1'));
      if (!loc.ok) throw loc.error;
      await settled(t, loc.eventId);
      const r = await t.app.intake.submit(adjust('L1', 5));
      if (!r.ok) throw r.error;
      const dead = await settled(t, r.eventId);
      expect(dead.status).toBe('dead');
      expect(dead.attempts).toBe(3);
      expect(dead.lastError).toContain('warehouse system unreachable');
      expect(calls).toBe(3);
      // The failed attempts left no trace: the stock handler's writes were rolled back with them.
      expect(await getStock(t.app.store.read, 'SKU-1', 'L1')).toBeUndefined();

      const listed = await t.api('GET', '/v1/events?status=dead', t.adminKey);
      expect(listed.body.items.map((e: { eventId: string }) => e.eventId)).toContain(r.eventId);

      broken = false;
      await replayDead(t.app.store, { id: 'ops', role: 'operations_manager' }, r.eventId);
      t.app.dispatcher.wake();
      const done = await settled(t, r.eventId);
      expect(done.status).toBe('processed');
      expect((await getStock(t.app.store.read, 'SKU-1', 'L1'))?.onHand).toBe(5);
      expect(await verifyAuditChain(t.app.store.read)).toMatchObject({ ok: true });
    });

    it('while an event waits for a retry, later events of its subject wait behind it; other subjects go on', async () => {
      let failOnce = true;
      const order: string[] = [];
      const tracer: EventHandler = {
        type: 'inventory.adjusted',
        name: 'test.tracer',
        async handle({ event }) {
          const p = event.payload as { locationId: string; delta: number };
          if (p.locationId === 'A' && p.delta === 1 && failOnce) {
            failOnce = false;
            throw new Error('transient');
          }
          order.push(`${p.locationId}${p.delta}`);
        },
      };
      t = await startTestApp(factory, {
        handlers: (policies) => buildHandlers({ policies }).register(tracer),
        config: { dispatch: { maxAttempts: 5, backoffBaseMs: 200, backoffMaxMs: 200, idlePollMs: 10, batchSize: 100 } },
      });
      for (const id of ['A', 'B']) {
        const loc = await t.app.intake.submit(location(id));
        if (loc.ok) await settled(t, loc.eventId);
      }
      const ids: string[] = [];
      for (const e of [adjust('A', 1), adjust('A', 2), adjust('B', 1), adjust('A', 3)]) ids.push(await t.take(e));
      for (const id of ids) expect((await settled(t, id)).status).toBe('processed');
      expect(order.filter((x) => x.startsWith('A'))).toEqual(['A1', 'A2', 'A3']);
      expect(order.indexOf('B1')).toBeLessThan(order.indexOf('A1'));
      expect((await getStock(t.app.store.read, 'SKU-1', 'A'))?.onHand).toBe(6);
    });

    it('stock for an unknown location is not silently kept: it dead-letters with the reason', async () => {
      t = await startTestApp(factory, { config: { dispatch: { maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 10, idlePollMs: 10, batchSize: 100 } } });
      const r = await t.app.intake.submit(adjust('NOWHERE', 3));
      if (!r.ok) throw r.error;
      const e = await settled(t, r.eventId);
      expect(e.status).toBe('dead');
      expect(e.lastError).toContain('unknown location NOWHERE');
    });

    it('events of one subject are processed in log order', async () => {
      t = await startTestApp(factory, { config: { dispatch: { maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 10, idlePollMs: 10, batchSize: 7 } } });
      const loc = await t.app.intake.submit(location('L1'));
      if (loc.ok) await settled(t, loc.eventId);
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => t.app.intake.submit(adjust('L1', i % 2 === 0 ? 10 : -3))));
      const last = results[results.length - 1]!;
      if (!last.ok) throw last.error;
      for (const r of results) if (r.ok) await settled(t, r.eventId);
      const log = await eventsBySubject(t.app.store.read, 'location:L1');
      expect(log.every((e) => e.status === 'processed')).toBe(true);
      // 30 × +10 and 30 × −3 applied in order never clamp at zero: 300 − 90.
      expect((await getStock(t.app.store.read, 'SKU-1', 'L1'))?.onHand).toBe(210);
    });

    it('a held-back write that fails is charged to the event that held it, not to the one whose statement sent it', async () => {
      // On PostgreSQL the handler holds a write back (Tx.beforeNextStatement) that fails when it goes
      // out — with the next event's first statement, or at the batch's end; SQLite holds nothing back,
      // so there the handler fails at once. Either way the same event must end dead, the others not.
      const holding: EventHandler = {
        type: 'inventory.adjusted',
        name: 'test.held-write',
        async handle({ event, tx }) {
          if ((event.payload as { delta: number }).delta !== 13) return;
          if (!tx.beforeNextStatement) throw new Error('unlucky count');
          tx.beforeNextStatement(async () => {
            await tx.run('SELECT 1 / (SELECT COUNT(*) - COUNT(*) FROM locations) AS x');
          });
        },
      };
      t = await startTestApp(factory, {
        handlers: (policies) => buildHandlers({ policies }).register(holding), dispatcher: false,
        config: { dispatch: { maxAttempts: 1, batchSize: 100, batchBudgetMs: 10_000 } },
      });
      for (const id of ['L1', 'L2', 'L3', 'L4', 'L5', 'L6']) await t.take(location(id));
      while ((await t.app.dispatcher.runOnce()) > 0);
      // The failing event in the middle of the batch (sent by the next event's read), then last (sent at its end).
      const ids = [await t.take(adjust('L1', 1)), await t.take(adjust('L2', 13)), await t.take(adjust('L3', 2))];
      while ((await t.app.dispatcher.runOnce()) > 0);
      ids.push(await t.take(adjust('L4', 3)), await t.take(adjust('L5', 4)), await t.take(adjust('L6', 13)));
      while ((await t.app.dispatcher.runOnce()) > 0);
      const events = await Promise.all(ids.map((id) => eventById(t.app.store.read, id)));
      expect(events.map((e) => e?.status)).toEqual(['processed', 'dead', 'processed', 'processed', 'processed', 'dead']);
      expect(events[1]?.lastError).toMatch(factory.name === 'sqlite' ? /unlucky count/ : /held-back write failed: division by zero/);
      const onHand = async (l: string) => (await getStock(t.app.store.read, 'SKU-1', l))?.onHand;
      expect([await onHand('L1'), await onHand('L2'), await onHand('L3'), await onHand('L4'), await onHand('L5'), await onHand('L6')]).toEqual([1, undefined, 2, 3, 4, undefined]);
      // Each of the two batches ran again event by event, and operators can see why.
      const reason = factory.name === 'sqlite' ? 'handler_failed' : 'held_write_failed';
      expect(await t.app.metricsText()).toMatch(new RegExp(`omniops_dispatch_careful_reruns_total\\{reason="${reason}"\\} 2\n`));
    });

    it('a handler reads ahead once per batch for all its events there, before it handles the first', async () => {
      const calls: string[] = [];
      const ahead: EventHandler = {
        type: 'inventory.adjusted',
        name: 'test.read-ahead',
        async prefetch(tx, events) {
          calls.push(`prefetch ${events.map((e) => (e.payload as { delta: number }).delta).join(',')}`);
          tx.kept.set('test.read-ahead', true);
        },
        async handle({ event, tx }) {
          calls.push(`handle ${(event.payload as { delta: number }).delta} ${tx.kept.get('test.read-ahead') === true ? 'with' : 'without'}`);
        },
      };
      t = await startTestApp(factory, { handlers: (policies) => buildHandlers({ policies }).register(ahead), dispatcher: false });
      for (const e of [location('L1'), adjust('L1', 1), adjust('L1', 2), adjust('L1', 3)]) await t.take(e);
      while ((await t.app.dispatcher.runOnce()) > 0);
      expect(calls[0]).toBe('prefetch 1,2,3');
      expect(calls.filter((c) => c.startsWith('handle'))).toEqual(['handle 1 with', 'handle 2 with', 'handle 3 with']);
      // A batch that ran out of time before all three reads ahead again, for exactly those it left.
      const handled: string[] = [];
      for (const c of calls) {
        if (c.startsWith('handle')) handled.push(c.split(' ')[1]!);
        else expect(c).toBe(`prefetch ${['1', '2', '3'].filter((d) => !handled.includes(d)).join(',')}`);
      }
    });
  });
}
