import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { activateRules } from './support.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM } from '../support/shop.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');
const MIN = 60_000;

// A count's subject is its location (`location:<id>`): the rule fires once per count, for that location.
const RULES = {
  rules: [
    {
      id: 'recount', version: 1, name: 'Every count is looked at by operations', enabled: true,
      trigger: { kind: 'event', eventType: 'inventory.snapshot' },
      actions: [{ kind: 'open_exception', queue: 'reconciliation_discrepancy', role: 'operations_manager', summary: 'count to check' }],
    },
    {
      id: 'half_done', version: 1, name: 'Opens an item, then fails', enabled: true,
      trigger: { kind: 'event', eventType: 'inventory.snapshot' },
      actions: [{ kind: 'open_exception', queue: 'sla_breach', role: 'store_manager', summary: 'never kept' }, { kind: 'emit_event', type: 'nope.unknown', payload: {} }],
    },
  ],
};

/**
 * A rule's `open_exception` fired again for the same subject while its item is open counts on that
 * item instead of opening another: a rule that fires per event would otherwise bury the queue.
 */
for (const factory of storeFactories()) {
  describe(`a rule opening exception items: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup(): Promise<string> {
      now = T0;
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      const a = await activateRules(t, RULES);
      for (const l of [DC_TILBURG, STORE_AMSTERDAM]) await t.send(envelope({ type: 'location.upserted', payload: l }));
      return a;
    }
    async function count(locationId: string): Promise<string> {
      now += MIN;
      return t.send(envelope({ type: 'inventory.snapshot', payload: { locationId, counts: [{ sku: 'TENT', onHand: 5 }] } }));
    }
    const itemsOf = async (queue: string) =>
      t.app.store.read.all<{ id: string; subject: string; state: string; owner_role: string; summary: string; detail: string }>(
        'SELECT id, subject, state, owner_role, summary, detail FROM exceptions WHERE queue = ? ORDER BY opened_ms, id', [queue],
      );

    it('fired three times for one location: one open item counting 3; another location gets its own; resolved, the next firing opens a new one', async () => {
      const manager = await setup();
      const dcCounts = [await count('dc'), await count('dc'), await count('dc')];
      await count('store-ams');

      const items = await itemsOf('reconciliation_discrepancy');
      expect(items.map((x) => [x.subject, x.state, x.owner_role, x.summary])).toEqual([
        ['location:dc', 'open', 'operations_manager', 'count to check'],
        ['location:store-ams', 'open', 'operations_manager', 'count to check'],
      ]);
      expect(JSON.parse(items[0]!.detail)).toMatchObject({
        ruleId: 'recount', ruleVersion: 1, eventId: dcCounts[0],
        occurrences: 3, firstSeenAt: T0 + MIN, lastSeenAt: T0 + 3 * MIN, lastEventId: dcCounts[2], last: { ruleId: 'recount', eventId: dcCounts[2] },
      });
      expect(JSON.parse(items[1]!.detail)).toMatchObject({ occurrences: 1 });
      // Every firing is still in the rule's run history; the item was announced once per item.
      expect((await t.api('GET', '/v1/rules/runs?rule=recount', manager)).body.items).toHaveLength(4);
      const opened = await t.app.store.read.all<{ payload: string }>(`SELECT payload FROM events WHERE type = 'exception.opened'`);
      expect(opened.map((e) => JSON.parse(e.payload)).filter((p) => p.category === 'reconciliation_discrepancy')).toHaveLength(2);

      const resolved = await t.api('POST', `/v1/exceptions/${items[0]!.id}/resolve`, manager, { reason: 'counted again' });
      expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
      await count('dc');
      const after = (await itemsOf('reconciliation_discrepancy')).filter((x) => x.subject === 'location:dc');
      expect(after.map((x) => x.state)).toEqual(['resolved', 'open']);
      expect(JSON.parse(after[1]!.detail)).toMatchObject({ occurrences: 1, firstSeenAt: T0 + 5 * MIN });
    }, 90_000);

    it('a rule that fails after opening its item leaves no item and announces none', async () => {
      await setup();
      await count('dc');
      await count('dc');
      expect(await itemsOf('sla_breach')).toEqual([]);
      const opened = await t.app.store.read.all<{ payload: string }>(`SELECT payload FROM events WHERE type = 'exception.opened'`);
      expect(opened.map((e) => JSON.parse(e.payload).category).filter((c) => c === 'sla_breach')).toEqual([]);
      const failed = await itemsOf('failed_rule');
      expect(failed.map((x) => [x.subject, JSON.parse(x.detail).occurrences])).toEqual([['rule:half_done@1', 2]]);
    }, 90_000);
  });
}
