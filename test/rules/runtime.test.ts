import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { activateRules } from './support.js';
import { startTestApp, envelope, testConfig, type TestApp } from '../support/app.js';
import { createApp } from '../../src/app.js';
import { webOrder } from '../support/shop.js';
import { createLogger } from '../../src/observability/logger.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');
const MIN = 60_000;

const RULES = {
  rules: [
    {
      id: 'bulk_order', version: 1, name: 'Bulk orders are flagged and announced to the CRM', enabled: true,
      trigger: { kind: 'event', eventType: 'order.placed' }, condition: 'event.payload.lines[0].qty >= 5',
      actions: [{ kind: 'set_flag', object: 'order', flag: 'bulk', value: true }, { kind: 'call_webhook', destination: 'crm', payload: { qty: { $expr: 'event.payload.lines[0].qty' } } }],
    },
    {
      id: 'backorder_watch', version: 1, name: 'A backordered order opens an exception and tells the customer', enabled: true,
      trigger: { kind: 'state_change', object: 'order', to: 'backordered' }, condition: 'order.total > 10',
      actions: [{ kind: 'open_exception', queue: 'sla_breach', role: 'operations_manager', summary: 'backordered' }, { kind: 'queue_notification', template: 'order.backordered' }],
    },
    {
      id: 'retry_sweep', version: 1, name: 'Every ten minutes', enabled: true, trigger: { kind: 'schedule', cron: '*/10 * * * *' },
      actions: [{ kind: 'emit_event', type: 'control.delivery_retry_due', payload: { slot: { $expr: 'schedule.slot' } } }],
    },
    {
      id: 'slow_allocation', version: 1, name: 'Allocated but not accepted after 30 minutes', enabled: true,
      trigger: { kind: 'time_in_state', object: 'order', state: 'allocated', minutes: 30 },
      actions: [{ kind: 'open_exception', queue: 'sla_breach', role: 'store_manager', summary: 'not accepted in 30 minutes' }],
    },
    {
      id: 'broken_math', version: 1, name: 'Divides by zero at run time', enabled: true,
      trigger: { kind: 'event', eventType: 'order.placed' }, condition: 'event.payload.lines[0].qty / 0 > 1',
      actions: [{ kind: 'ask_ai', task: 'never' }],
    },
    {
      id: 'bad_emit', version: 1, name: 'Emits a type the catalog does not know', enabled: true,
      trigger: { kind: 'event', eventType: 'order.placed' },
      actions: [{ kind: 'set_flag', object: 'order', flag: 'half_done', value: true }, { kind: 'emit_event', type: 'nope.unknown', payload: {} }],
    },
  ],
};


for (const factory of storeFactories()) {
  describe(`automation rules at run time: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function drained() {
      for (let i = 0; i < 3000; i++) {
        const r = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status = 'pending'`);
        if (Number(r?.n) === 0) return;
        await new Promise((res) => setTimeout(res, 10));
      }
      throw new Error('backlog did not drain');
    }
    async function send(e: Record<string, unknown>) {
      const r = await t.postEvents(e);
      expect([200, 202]).toContain(r.status);
      await drained();
    }
    const q = <T = Record<string, unknown>>(sql: string, p: unknown[] = []) => t.app.store.read.all<T>(sql, p);

    async function setup() {
      now = T0;
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      const a = await activateRules(t, RULES);
      await send(envelope({ type: 'location.upserted', payload: { id: 'dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 } }));
      await send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 20 }] } }));
      return a;
    }

    it('event and state-change triggers run their actions; a failing rule is recorded and never stops the event', async () => {
      const manager = await setup();
      now += MIN;
      await send(webOrder('bulk1', [{ sku: 'TENT', qty: 6, unitPrice: 20 }]));
      await send(webOrder('small1', [{ sku: 'TENT', qty: 1, unitPrice: 20 }]));
      await send(webOrder('none1', [{ sku: 'GHOST', qty: 1, unitPrice: 20 }])); // no stock anywhere → backordered

      const bulk = await q<{ doc: string; state: string }>('SELECT doc, state FROM orders WHERE id = ?', [orderIdFor('web', 'bulk1')]);
      expect(bulk[0]!.state).toBe('allocated'); // the spine went on
      expect(JSON.parse(bulk[0]!.doc).flags).toEqual({ bulk: true }); // bad_emit's half-done flag was rolled back with its failure
      expect(JSON.parse((await q<{ doc: string }>('SELECT doc FROM orders WHERE id = ?', [orderIdFor('web', 'small1')]))[0]!.doc).flags).toBeUndefined();
      const hooks = await q<{ payload: string }>(`SELECT payload FROM outbox WHERE destination = 'webhook:crm'`);
      expect(hooks.map((h) => JSON.parse(h.payload).qty)).toEqual([6]);

      const backorder = await q<{ queue: string; owner_role: string; subject: string }>(`SELECT queue, owner_role, subject FROM exceptions WHERE summary = 'backordered'`);
      expect(backorder).toEqual([{ queue: 'sla_breach', owner_role: 'operations_manager', subject: orderIdFor('web', 'none1') }]);
      expect((await q(`SELECT id FROM events WHERE type = 'notification.queued' AND payload LIKE '%order.backordered%'`)).length).toBe(1);

      // Failures: recorded against the rule and the event, in the failed_rule queue, for each of the three orders.
      const failed = await q<{ rule_id: string; error: string; event_id: string }>(`SELECT rule_id, error, event_id FROM rule_runs WHERE outcome = 'failed' ORDER BY rule_id`);
      expect(failed.filter((f) => f.rule_id === 'broken_math')).toHaveLength(3);
      expect(failed.filter((f) => f.rule_id === 'bad_emit')).toHaveLength(3);
      expect(failed.find((f) => f.rule_id === 'broken_math')!.error).toMatch(/zero/i);
      expect(failed.find((f) => f.rule_id === 'bad_emit')!.error).toContain('nope.unknown');
      // One open item per failing rule version, however many events it failed on.
      expect((await q(`SELECT id FROM exceptions WHERE queue = 'failed_rule'`)).length).toBe(2);
      expect((await q(`SELECT id FROM events WHERE status = 'dead' OR (type = 'order.placed' AND (status <> 'processed' OR attempts <> 1))`)).length).toBe(0);

      const runs = await t.api('GET', '/v1/rules/runs?rule=bulk_order', manager);
      expect(runs.body.items).toHaveLength(1);
      expect(runs.body.items[0]).toMatchObject({ ruleId: 'bulk_order', ruleVersion: 1, outcome: 'fired', triggerKind: 'event', actions: 2 });
      const metrics = (await t.api('GET', '/metrics', null)).body as string;
      expect(metrics).toMatch(/omniops_rule_runs_total\{rule="broken_math",outcome="failed"\} 3/);
      expect(metrics).toMatch(/omniops_rule_runs_total\{rule="bulk_order",outcome="fired"\} 1/);
    }, 90_000);

    it('a rule failing on every event keeps one open item per rule version, counting its failures; a failure after the item is resolved opens a new one', async () => {
      const manager = await setup();
      for (const ext of ['f1', 'f2', 'f3']) {
        now += MIN;
        await send(webOrder(ext, [{ sku: 'TENT', qty: 1, unitPrice: 20 }]));
      }
      const placed = (await q<{ id: string }>(`SELECT id FROM events WHERE type = 'order.placed' ORDER BY seq`)).map((e) => e.id);
      expect(placed).toHaveLength(3);
      const open = (await t.api('GET', '/v1/exceptions?queue=failed_rule', manager)).body.items as Array<{ id: string; subjectRef: string; summary: string; detail: Record<string, unknown> }>;
      expect(open.map((x) => x.subjectRef).sort()).toEqual(['rule:bad_emit@1', 'rule:broken_math@1']);
      const math = open.find((x) => x.subjectRef === 'rule:broken_math@1')!;
      expect(math.detail).toMatchObject({
        ruleId: 'broken_math', ruleVersion: 1, eventId: placed[0],
        occurrences: 3, firstSeenAt: T0 + MIN, lastSeenAt: T0 + 3 * MIN, lastEventId: placed[2],
        last: { eventId: placed[2], error: expect.stringMatching(/zero/i) },
      });
      // Every failure is still in the rule's run history.
      expect((await t.api('GET', '/v1/rules/runs?rule=broken_math', manager)).body.items).toHaveLength(3);

      const resolved = await t.api('POST', `/v1/exceptions/${math.id}/resolve`, manager, { reason: 'rule fixed in the next version' });
      expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
      now += MIN;
      await send(webOrder('f4', [{ sku: 'TENT', qty: 1, unitPrice: 20 }]));
      const items = await q<{ id: string; state: string; detail: string }>(`SELECT id, state, detail FROM exceptions WHERE subject = 'rule:broken_math@1' ORDER BY opened_ms`);
      expect(items.map((x) => x.state)).toEqual(['resolved', 'open']);
      expect(JSON.parse(items[0]!.detail)).toMatchObject({ occurrences: 3 });
      expect(JSON.parse(items[1]!.detail)).toMatchObject({ occurrences: 1, firstSeenAt: T0 + 4 * MIN, lastSeenAt: T0 + 4 * MIN });
    }, 90_000);

    it('time condition with a controlled clock: fires once per stay, not before its time', async () => {
      await setup();
      now += MIN;
      await send(webOrder('slow1', [{ sku: 'TENT', qty: 1, unitPrice: 20 }]));
      now = T0 + 20 * MIN;
      await t.app.scheduler.tick();
      await drained();
      expect((await q(`SELECT id FROM exceptions WHERE summary = 'not accepted in 30 minutes'`)).length).toBe(0);
      now = T0 + 45 * MIN;
      await t.app.scheduler.tick();
      await drained();
      now = T0 + 47 * MIN;
      await t.app.scheduler.tick();
      await drained();
      const ex = await q<{ owner_role: string; subject: string }>(`SELECT owner_role, subject FROM exceptions WHERE summary = 'not accepted in 30 minutes'`);
      expect(ex).toEqual([{ owner_role: 'store_manager', subject: orderIdFor('web', 'slow1') }]);
      expect((await q(`SELECT id FROM rule_runs WHERE rule_id = 'slow_allocation' AND outcome = 'fired'`)).length).toBe(1);
    }, 90_000);

    it('schedule: two app instances contending for a slot fire it once; a missed slot after downtime fires once', async () => {
      await setup();
      const other = await createApp(testConfig(), { logger: createLogger('silent'), store: t.app.store, clock: () => now });
      try {
        // Down from 09:00 to 09:25: the 09:10 and 09:20 slots were missed; only 09:20 fires.
        now = T0 + 25 * MIN;
        await Promise.all([t.app.scheduler.tick(), other.scheduler.tick(), t.app.scheduler.tick(), other.scheduler.tick()]);
        await drained();
        const slots = await q<{ source_event_id: string }>(`SELECT source_event_id FROM events WHERE type = 'schedule.tick' AND source_event_id LIKE 'rule:retry_sweep@%'`);
        expect(slots.map((s) => s.source_event_id)).toEqual(['rule:retry_sweep@2026-11-30T09:20:00.000Z']);
        const due = await q<{ payload: string }>(`SELECT payload FROM events WHERE type = 'control.delivery_retry_due'`);
        expect(due.map((d) => JSON.parse(d.payload).slot)).toEqual([T0 + 20 * MIN]);
        // The next slot, offered by both again, still once.
        now = T0 + 31 * MIN;
        await Promise.all([other.scheduler.tick(), t.app.scheduler.tick()]);
        await drained();
        expect((await q(`SELECT id FROM events WHERE type = 'control.delivery_retry_due'`)).length).toBe(2);
        expect((await q(`SELECT id FROM rule_runs WHERE rule_id = 'retry_sweep' AND outcome = 'fired'`)).length).toBe(2);
      } finally {
        other.scheduler.stop();
        await other.dispatcher.stop();
      }
    }, 90_000);
  });
}
