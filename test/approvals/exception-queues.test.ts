import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { buildHandlers } from '../../src/engine/handlers/all.js';
import { openException } from '../../src/domain/exceptions/index.js';
import { exceptionById, insertExceptionItem, queryExceptions } from '../../src/store/repos/exceptions.js';
import { insertOutboxRows } from '../../src/store/repos/outbox.js';
import { deliveryById, markDeliveryDead } from '../../src/store/repos/deliveries.js';
import { ensureException } from '../../src/engine/delivery/exceptions.js';
import { addUser, revoke } from '../../src/engine/identity/users.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');
const DISPATCH = { dispatch: { batchSize: 256, maxAttempts: 1, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 50 };
const ADMIN = { id: 'root', role: 'admin' } as const;

for (const factory of storeFactories()) {
  describe(`exception queues on a busy day: ${factory.name}`, { timeout: 60_000 }, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    /** A payment hold as the order engine opens one, straight into the store. */
    async function paymentHold(orderId: string): Promise<string> {
      const { item } = openException(
        { category: 'payment_hold', subjectRef: `order:${orderId}`, summary: `order ${orderId} held: payment not authorised`, detail: { orderId } },
        { now: T0, newId: () => `x-${randomBytes(6).toString('hex')}` },
      );
      await t.app.store.transaction((tx) => insertExceptionItem(tx, { ...item, history: [{ at: T0, action: 'opened', by: 'omniops' }] }));
      return item.id;
    }

    /** Sends two actions at once and lets the engine run only once both are in the log, so both pass the API's check. */
    async function atOnce<T>(calls: Array<() => Promise<T>>): Promise<T[]> {
      const answers = Promise.all(calls.map((c) => c()));
      for (let i = 0; i < 1000; i++) {
        const r = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE type = 'exception.action_requested' AND status = 'pending'`);
        if (Number(r?.n) === calls.length) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      while ((await t.app.dispatcher.runOnce()) > 0);
      return answers;
    }

    it('two finance users resolving one payment hold at once: one resolves it, the other hears 409, not a 200 with the other reason', async () => {
      t = await startTestApp(factory, { clock: () => T0, config: DISPATCH, dispatcher: false });
      const id = await paymentHold('o-race');
      const [a, b] = [await t.keyFor('finance'), await t.keyFor('finance')];
      const answers = await atOnce([
        () => t.api('POST', `/v1/exceptions/${id}/resolve`, a, { reason: 'paid by bank transfer' }),
        () => t.api('POST', `/v1/exceptions/${id}/resolve`, b, { reason: 'customer called, card ok' }),
      ]);
      expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
      const lost = answers.find((x) => x.status === 409)!;
      expect(lost.body.code).toBe('E_INVALID_STATE');
      const won = answers.find((x) => x.status === 200)!;
      const item = (await exceptionById(t.app.store.read, id))!;
      expect(item.resolution!.reason).toBe(won.body.resolution.reason);
      expect(item.history.filter((h) => h.action === 'resolve')).toHaveLength(1);
    });

    it('two finance users taking one item at once: exactly one has it, and a later take by another owner is refused', async () => {
      t = await startTestApp(factory, { clock: () => T0, config: DISPATCH, dispatcher: false });
      const id = await paymentHold('o-take');
      const [a, b, c] = [await t.keyFor('finance'), await t.keyFor('finance'), await t.keyFor('finance')];
      const answers = await atOnce([
        () => t.api('POST', `/v1/exceptions/${id}/assign`, a, {}),
        () => t.api('POST', `/v1/exceptions/${id}/assign`, b, {}),
      ]);
      expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
      const holder = (await exceptionById(t.app.store.read, id))!.assignee;
      expect(answers.find((x) => x.status === 200)!.body.assignee).toBe(holder);
      t.app.startWorkers();
      const later = await t.api('POST', `/v1/exceptions/${id}/assign`, c, {});
      expect([later.status, later.body.code]).toEqual([409, 'E_INVALID_STATE']);
      expect((await exceptionById(t.app.store.read, id))!.assignee).toBe(holder);
      // The operations manager may still hand it over.
      const ops = await t.keyFor('operations_manager');
      const { user } = await addUser(t.app.store, ADMIN, 'fin-next', 'finance');
      const handed = await t.api('POST', `/v1/exceptions/${id}/assign`, ops, { assignee: user.name });
      expect([handed.status, handed.body.assignee]).toEqual([200, 'fin-next']);
    });

    it('an item is never assigned to someone whose access was revoked', async () => {
      t = await startTestApp(factory, { clock: () => T0, config: DISPATCH });
      const id = await paymentHold('o-gone');
      await addUser(t.app.store, ADMIN, 'fin-left', 'finance');
      await revoke(t.app.store, ADMIN, 'fin-left');
      const ops = await t.keyFor('operations_manager');
      const r = await t.api('POST', `/v1/exceptions/${id}/assign`, ops, { assignee: 'fin-left' });
      expect([r.status, r.body.code]).toEqual([404, 'E_NOT_FOUND']);
      // The engine refuses it too (a command that reached the log some other way).
      const sent = await t.app.intake.submit(
        { source: 'api', sourceEventId: `ops:${randomBytes(4).toString('hex')}`, type: 'exception.action_requested', occurredAt: new Date(T0).toISOString(), payload: { exceptionId: id, action: 'assign', assignee: 'fin-left' } },
        { actor: 'ops-x', actorRole: 'operations_manager' },
      );
      if (!sent.ok) throw sent.error;
      await t.settled(sent.eventId);
      expect((await exceptionById(t.app.store.read, id))!).toMatchObject({ state: 'open', assignee: null });
    });

    it('retrying a dead delivery from its queue item sends the delivery again', async () => {
      t = await startTestApp(factory, { clock: () => T0, config: DISPATCH });
      const deliveryId = `dlv-${randomBytes(4).toString('hex')}`;
      const at = new Date(T0).toISOString();
      const { id } = await t.app.store.transaction(async (tx) => {
        await insertOutboxRows(tx, [{ id: deliveryId, seq: 1, eventId: 'e-1', destination: 'n8n', kind: 'order.routed', subject: 'order:o-1', payload: {}, createdAt: at }]);
        await markDeliveryDead(tx, deliveryId, null, 8, 'HTTP 502', 502, at);
        // As the delivery worker opens it.
        return ensureException(tx, {
          category: 'dead_letter_delivery', subjectRef: `delivery:${deliveryId}`, summary: 'delivery to n8n dead',
          detail: { deliveryId, destination: 'n8n', outbox: 'n8n', kind: 'order.routed', subject: 'order:o-1', attempts: 8, error: 'HTTP 502' },
        }, `dead-delivery:${deliveryId}`, T0);
      });
      const r = await t.api('POST', `/v1/exceptions/${id}/retry`, await t.keyFor('integrator'), {});
      expect([r.status, r.body.retries]).toEqual([200, 1]);
      const d = (await deliveryById(t.app.store.read, deliveryId))!;
      expect(d.status).not.toBe('dead');
      expect(d.attempts).toBe(0);
    });

    it('the same trouble seen again after its item was resolved (a replayed event) opens a new item, not a failed insert', async () => {
      t = await startTestApp(factory, { clock: () => T0, config: DISPATCH });
      const input = { category: 'shipment_exception' as const, subjectRef: 'fulfilment:f-1', summary: 'postnl 3S1: lost', detail: { fulfilmentId: 'f-1' } };
      const first = await t.app.store.transaction((tx) => ensureException(tx, input, 'e-7:shipment-exception', T0));
      expect((await t.api('POST', `/v1/exceptions/${first.id}/resolve`, await t.keyFor('service_agent'), { reason: 'found at the depot' })).status).toBe(200);
      const again = await t.app.store.transaction((tx) => ensureException(tx, input, 'e-7:shipment-exception', T0));
      expect(again.opened).toBe(true);
      expect(again.id).not.toBe(first.id);
      expect((await exceptionById(t.app.store.read, again.id))?.state).toBe('open');
    });

    it('an item whose dead event was retried and then processed is resolved by omniops; one still dead stays open', async () => {
      let now = T0;
      let broken = true;
      t = await startTestApp(factory, {
        clock: () => now, config: DISPATCH,
        handlers: (p) => buildHandlers({ policies: p }).register({ type: 'location.upserted', name: 'test.flaky', async handle(h) { if (broken && (h.event.payload as { id: string }).id.startsWith('bad')) throw new Error('boom'); } }),
      });
      const ids: string[] = [];
      for (const id of ['bad-1', 'bad-2']) ids.push((await t.postEvents(envelope({ type: 'location.upserted', payload: { id, name: id, kind: 'store', lat: 52, lon: 5, capabilities: ['ship'] } }))).body.eventId);
      await t.drained();
      const itemOf = async (eventId: string) => (await queryExceptions(t.app.store.read, { queues: ['dead_letter_delivery'], limit: 10 })).find((x) => x.subjectRef === `event:${eventId}`)!;
      broken = false;
      const integrator = await t.keyFor('integrator');
      expect((await t.api('POST', `/v1/exceptions/${(await itemOf(ids[0]!)).id}/retry`, integrator, {})).status).toBe(200);
      await t.drained();
      now += 61_000;
      await t.app.scheduler.tick();
      await t.drained();
      const retried = await itemOf(ids[0]!);
      expect([retried.state, retried.history.at(-1)]).toEqual(['resolved', expect.objectContaining({ action: 'resolve', by: 'omniops', note: 'the event was replayed and processed' })]);
      expect((await itemOf(ids[1]!)).state).not.toBe('resolved');
    });

    it('an event that dies again after its item was resolved opens a new item', async () => {
      t = await startTestApp(factory, {
        clock: () => T0, config: DISPATCH,
        handlers: (p) => buildHandlers({ policies: p }).register({ type: 'location.upserted', name: 'test.boom', async handle(h) { if ((h.event.payload as { id: string }).id === 'bad') throw new Error('boom'); } }),
      });
      const r = await t.postEvents(envelope({ type: 'location.upserted', payload: { id: 'bad', name: 'Bad', kind: 'store', lat: 52, lon: 5, capabilities: ['ship'] } }));
      const eventId = r.body.eventId as string;
      await t.drained();
      const itemsOf = () => queryExceptions(t.app.store.read, { queues: ['dead_letter_delivery'], limit: 10 });
      const first = await itemsOf();
      expect(first.map((x) => x.subjectRef)).toEqual([`event:${eventId}`]);
      const integrator = await t.keyFor('integrator');
      expect((await t.api('POST', `/v1/exceptions/${first[0]!.id}/resolve`, integrator, { reason: 'config fixed, replaying' })).status).toBe(200);
      expect((await t.api('POST', `/v1/events/${eventId}/replay`, integrator)).status).toBe(202);
      await t.drained();
      const open = (await itemsOf()).filter((x) => x.state !== 'resolved');
      expect(open.map((x) => x.subjectRef)).toEqual([`event:${eventId}`]);
      expect(open[0]!.id).not.toBe(first[0]!.id);
    });
  });
}
