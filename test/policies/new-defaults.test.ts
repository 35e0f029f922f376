import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, webOrder } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { warnOfNewDefaults } from '../../src/engine/policies/new-defaults.js';
import { NEW_APPROVAL_RULE, olderApprovalsBody, olderDatabase, olderOrdersBody } from './older-database.js';
import { defaultApprovalsPolicy } from '../../src/policy/kinds/approvals.js';
import { defaultOrdersPolicy } from '../../src/policy/kinds/orders.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');
const NEW_TRIGGER = { path: 'notifications.templates.promise_withdrawn', value: 'promise_date_withdrawn' };
const DC = { ...DC_TILBURG, dailyCapacity: 100_000 };
// What a PO's lifecycle steps read and extend: a bare '{}' cannot be cancelled.
const PO_DOC = JSON.stringify({ approvals: [], history: [], requestedBy: null, delays: [] });


for (const factory of storeFactories()) {
  describe(`new in defaults: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup(opts: { older?: boolean; approvals?: boolean; withoutPromiseMoved?: boolean } = {}) {
      now = T0;
      t = await startTestApp(opts.older === false ? factory : olderDatabase(factory, { approvals: opts.approvals, withoutPromiseMoved: opts.withoutPromiseMoved }), {
        clock: () => now,
        config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 },
      });
      return { author: await t.keyFor('operations_manager'), reviewer: await t.keyFor('operations_manager'), reader: await t.keyFor('auditor') };
    }

    it('an older database: the orders policy shows what the defaults add, to readers, in the list, the kind and the version', async () => {
      const { reader } = await setup();
      const list = await t.api('GET', '/v1/policies', reader);
      expect(list.status).toBe(200);
      const byKind = Object.fromEntries(list.body.items.map((i: any) => [i.kind, i.newInDefaults]));
      expect(byKind.orders).toEqual([NEW_TRIGGER]);
      // Kinds seeded from this release's defaults lack nothing.
      for (const [kind, fresh] of Object.entries(byKind)) if (kind !== 'orders') expect(fresh, kind).toEqual([]);

      const kind = await t.api('GET', '/v1/policies/orders/versions', reader);
      expect(kind.body).toMatchObject({ activeVersion: 1, newInDefaults: [NEW_TRIGGER] });
      const v1 = await t.api('GET', '/v1/policies/orders/versions/1', reader);
      expect(v1.body.newInDefaults).toEqual([NEW_TRIGGER]);
      // The value the retailer changed is theirs: not "new".
      expect(v1.body.body.fraud.holdThreshold).toBe(0.8);

      // Same role rules as the rest of the policies API.
      expect((await t.api('GET', '/v1/policies/orders/versions', null)).status).toBe(401);
      const warehouse = await t.api('GET', '/v1/policies/orders/versions', await t.keyFor('warehouse'));
      expect(warehouse.status).toBe(403);
      expect(warehouse.body.code).toBe('E_ROLE');
    });

    it('a database made with this release shows nothing new and has nothing to draft', async () => {
      const { author } = await setup({ older: false });
      expect((await t.api('GET', '/v1/policies/orders/versions', author)).body.newInDefaults).toEqual([]);
      const none = await t.api('POST', '/v1/policies/orders/versions', author, { withNewDefaults: true });
      expect(none.status).toBe(409);
      expect(none.body.code).toBe('E_INVALID_STATE');
      expect(none.headers.get('content-type')).toContain('application/problem+json');
      expect((await t.api('GET', '/v1/policies/orders/versions', author)).body.items).toHaveLength(1);
    });

    it('drafting with new defaults: active body + the missing keys, a note naming them; four eyes and activation as for any draft; v1 stays as stored', async () => {
      const { author, reviewer } = await setup();
      // Either a body or withNewDefaults; only people with change rights.
      const both = await t.api('POST', '/v1/policies/orders/versions', author, { withNewDefaults: true, body: olderOrdersBody() });
      expect(both.status).toBe(422);
      expect(both.body.code).toBe('E_SCHEMA');
      expect(both.body.errors.map((e: any) => e.path)).toContain('body');
      expect((await t.api('POST', '/v1/policies/orders/versions', author, {})).status).toBe(422);
      const finance = await t.api('POST', '/v1/policies/orders/versions', await t.keyFor('finance'), { withNewDefaults: true });
      expect(finance.status).toBe(403);
      expect(finance.body.code).toBe('E_ROLE');

      const draft = await t.api('POST', '/v1/policies/orders/versions', author, { withNewDefaults: true, note: 'tell customers when a backorder date is gone' });
      expect(draft.status, JSON.stringify(draft.body)).toBe(201);
      expect(draft.body).toMatchObject({ change: 'drafted', version: 2, added: [NEW_TRIGGER.path], policy: { status: 'draft', basedOn: 1 } });
      expect(draft.body.policy.note).toContain('tell customers when a backorder date is gone');
      expect(draft.body.policy.note).toContain(NEW_TRIGGER.path);

      const v2 = (await t.api('GET', '/v1/policies/orders/versions/2', author)).body;
      expect(v2.body.notifications.templates.promise_withdrawn).toBe('promise_date_withdrawn');
      expect(v2.body.fraud.holdThreshold).toBe(0.8);
      expect(v2.body.version).toBe('2');
      expect(v2.newInDefaults).toEqual([]);
      // Only the missing key differs from the version it is based on.
      const diff = (await t.api('GET', '/v1/policies/orders/diff?from=1&to=2', author)).body;
      expect(diff.changes).toEqual([{ path: NEW_TRIGGER.path, kind: 'added', after: 'promise_date_withdrawn' }]);
      // A draft changes nothing live: version 1 still lacks it.
      expect((await t.api('GET', '/v1/policies/orders/versions', author)).body.newInDefaults).toEqual([NEW_TRIGGER]);

      const own = await t.api('POST', '/v1/policies/orders/versions/2/approve', author, {});
      expect(own.status).toBe(403);
      expect(own.body.code).toBe('E_SOD');
      expect((await t.api('POST', '/v1/policies/orders/versions/2/approve', reviewer, {})).status).toBe(200);
      expect((await t.api('POST', '/v1/policies/orders/versions/2/activate', author, {})).body).toMatchObject({ change: 'activated', version: 2, previous: 1 });

      const list = (await t.api('GET', '/v1/policies', author)).body.items.find((i: any) => i.kind === 'orders');
      expect(list).toMatchObject({ activeVersion: 2, newInDefaults: [] });
      t.app.policies.invalidate();
      expect((await t.app.policies.get('orders')).notifications.templates.promise_withdrawn).toBe('promise_date_withdrawn');
      // Version 1 is as it was stored: replaying through it decides as before.
      const v1 = (await t.api('GET', '/v1/policies/orders/versions/1', author)).body;
      expect(v1.body).toEqual(olderOrdersBody());
      // The drafting is audited with its note, like any draft.
      const audit = await t.app.store.read.all<{ detail: string }>(`SELECT detail FROM audit WHERE subject = 'policy:orders' AND action = 'policy.drafted'`);
      expect(audit.map((a) => JSON.parse(a.detail).note)).toEqual([draft.body.policy.note]);
    }, 60_000);

    it('a key the retailer dropped from a live version is theirs: not listed again, not put back', async () => {
      const { author, reviewer } = await setup({ older: false });
      const v1 = (await t.api('GET', '/v1/policies/orders/versions/1', author)).body.body;
      delete v1.notifications.templates.shipped;
      expect((await t.api('POST', '/v1/policies/orders/versions', author, { body: v1, note: 'the carrier tells them' })).status).toBe(201);
      // Not live yet: a draft that drops a key is looked at on its own, against what was live.
      expect((await t.api('GET', '/v1/policies/orders/versions/2', author)).body.newInDefaults).toEqual([]);
      expect((await t.api('POST', '/v1/policies/orders/versions/2/approve', reviewer, {})).status).toBe(200);
      expect((await t.api('POST', '/v1/policies/orders/versions/2/activate', author, {})).status).toBe(200);
      expect((await t.api('GET', '/v1/policies/orders/versions', author)).body.newInDefaults).toEqual([]);
      expect((await t.api('POST', '/v1/policies/orders/versions', author, { withNewDefaults: true })).body.code).toBe('E_INVALID_STATE');
    });

    it('a backorder whose date is withdrawn: no message under the older policy; after taking up the new defaults, the customer is told', async () => {
      const { author, reviewer } = await setup();
      await t.send(envelope({ type: 'location.upserted', payload: DC }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 0 }, { sku: 'STOVE', onHand: 0 }] } }));
      await t.app.store.transaction(async (tx) => {
        for (const [id, day, sku] of [['po-t1', '2026-12-09', 'TENT'], ['po-t2', '2026-12-20', 'TENT'], ['po-s1', '2026-12-09', 'STOVE'], ['po-s2', '2026-12-20', 'STOVE']] as const) {
          await tx.run(
            `INSERT INTO purchase_orders (id, supplier_id, location_id, state, expected_date, planned_date, promised_date, received_date, expedite, recommendation_id, value, created_ms, doc, updated_at)
             VALUES (?, 'sup-1', 'dc', 'confirmed', ?, ?, NULL, NULL, 0, NULL, 0, 0, ?, '')`, [id, day, day, PO_DOC]);
          await tx.run('INSERT INTO purchase_order_lines (po_id, sku, qty, received_qty, unit_cost) VALUES (?, ?, ?, 0, NULL)', [id, sku, 5]);
        }
      });
      const withdrawnMessages = async (ext: string) => (await t.app.store.read.all<{ payload: string }>(
        `SELECT payload FROM outbox WHERE destination = 'notify:email' AND payload LIKE ? ORDER BY seq`, [`%${orderIdFor('web', ext)}%`],
      )).map((r) => JSON.parse(r.payload) as { templateId: string }).filter((m) => m.templateId === 'promise_date_withdrawn');
      /** Two backorders of 4 on the first PO's 5; cancelling it leaves the second no receipt with room: its date is withdrawn. */
      async function withdrawSecond(sku: string, po: string, exts: [string, string]) {
        for (const ext of exts) { now += 1000; await t.send(webOrder(ext, [{ sku, qty: 4, unitPrice: 10 }])); }
        now += 60_000;
        expect((await t.api('POST', `/v1/purchase-orders/${po}/cancel`, t.adminKey, { reason: 'supplier out of stock' })).status).toBe(200);
        await t.drained();
        const e = await t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = 'order.backordered' AND subject = ? ORDER BY seq DESC LIMIT 1`, [`order:web:${exts[1]}`]);
        expect(JSON.parse(e!.payload).expectedAt).toBeNull();
      }

      await withdrawSecond('TENT', 'po-t1', ['T-1', 'T-2']);
      expect(await withdrawnMessages('T-2')).toEqual([]);

      expect((await t.api('POST', '/v1/policies/orders/versions', author, { withNewDefaults: true })).status).toBe(201);
      expect((await t.api('POST', '/v1/policies/orders/versions/2/approve', reviewer, {})).status).toBe(200);
      expect((await t.api('POST', '/v1/policies/orders/versions/2/activate', author, {})).status).toBe(200);

      await withdrawSecond('STOVE', 'po-s1', ['S-1', 'S-2']);
      expect(await withdrawnMessages('S-2')).toHaveLength(1);
    }, 60_000);

    it('at server start: one warning line per kind whose active version lacks default keys, naming them and the command', async () => {
      await setup();
      const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
      const n = await warnOfNewDefaults(t.app.store.read, { warn: (fields, message) => lines.push({ fields, message }) });
      expect(n).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.fields).toEqual({ kind: 'orders', activeVersion: 1, newInDefaults: [NEW_TRIGGER.path] });
      expect(lines[0]!.message).toContain(NEW_TRIGGER.path);
      expect(lines[0]!.message).toContain('omniops policies draft orders --with-new-defaults');
    });

    it('a list of identified items: a default approval rule the stored list lacks is listed by id, a changed one is not; the take-up puts it before the looser tier', async () => {
      const { author, reader } = await setup({ approvals: true });
      const path = `rules[id=${NEW_APPROVAL_RULE}]`;
      const rule = defaultApprovalsPolicy.rules.find((r) => r.id === NEW_APPROVAL_RULE);
      const byKind = Object.fromEntries((await t.api('GET', '/v1/policies', reader)).body.items.map((i: any) => [i.kind, i.newInDefaults]));
      expect(byKind.approvals).toEqual([{ path, value: rule, item: { by: 'id', id: NEW_APPROVAL_RULE } }]);
      expect(byKind.rules).toEqual([]);

      const draft = await t.api('POST', '/v1/policies/approvals/versions', author, { withNewDefaults: true });
      expect(draft.status, JSON.stringify(draft.body)).toBe(201);
      expect(draft.body).toMatchObject({ change: 'drafted', version: 2, added: [path] });
      const v2 = (await t.api('GET', '/v1/policies/approvals/versions/2', author)).body;
      // First matching rule wins: the stricter tier sits where the defaults have it, before credit.over_200.
      expect(v2.body.rules.map((r: any) => r.id)).toEqual(defaultApprovalsPolicy.rules.map((r) => r.id));
      expect(v2.body.rules.find((r: any) => r.id === 'refund.over_200').when.value).toBe(250);
      expect(v2.newInDefaults).toEqual([]);
      const diff = (await t.api('GET', '/v1/policies/approvals/diff?from=1&to=2', author)).body;
      expect(diff.changes).toEqual([{ path, kind: 'added', after: rule }]);
      expect((await t.api('GET', '/v1/policies/approvals/versions/1', author)).body.body).toEqual(olderApprovalsBody());
    }, 60_000);

    it('a key the schema requires cannot be declined: refused naming it, nothing recorded; the rest can be, and a draft still takes it up', async () => {
      const { author } = await setup({ withoutPromiseMoved: true });
      const url = '/v1/policies/orders/new-defaults/decline';
      const listed = (await t.api('GET', '/v1/policies/orders/versions', author)).body.newInDefaults.map((e: any) => e.path);
      expect(listed.sort()).toEqual(['notifications.promiseMoved', NEW_TRIGGER.path].sort());

      // Together with a key that may be declined: refused as a whole, the required one named.
      const refused = await t.api('POST', url, author, { paths: [NEW_TRIGGER.path, 'notifications.promiseMoved'], reason: 'we tell customers ourselves' });
      expect([refused.status, refused.body.code], JSON.stringify(refused.body)).toEqual([422, 'E_SCHEMA']);
      expect(refused.body.errors).toEqual([{ path: 'notifications.promiseMoved', message: 'required by the orders schema' }]);
      expect((await t.api('GET', '/v1/policies/orders/versions', author)).body.declinedNewDefaults).toEqual([]);

      expect((await t.api('POST', url, author, { paths: [NEW_TRIGGER.path], reason: 'we tell customers ourselves' })).status).toBe(200);
      const draft = await t.api('POST', '/v1/policies/orders/versions', author, { withNewDefaults: true });
      expect([draft.status, draft.body.added], JSON.stringify(draft.body)).toEqual([201, ['notifications.promiseMoved']]);
    }, 60_000);

    it('declining a key new in defaults: recorded in the log and audited, no longer listed, warned of or drafted; no version changes; twice is once', async () => {
      const { author, reader } = await setup({ approvals: true });
      const url = '/v1/policies/orders/new-defaults/decline';
      const versionsNow = () => t.app.store.read.all('SELECT kind, version, status, doc, author, approved_by, created_at, activated_at FROM policy_versions ORDER BY kind, version');
      const before = await versionsNow();

      expect((await t.api('POST', url, null, { paths: [NEW_TRIGGER.path], reason: 'x' })).status).toBe(401);
      const auditor = await t.api('POST', url, reader, { paths: [NEW_TRIGGER.path], reason: 'x' });
      expect([auditor.status, auditor.body.code]).toEqual([403, 'E_ROLE']);
      expect((await t.api('POST', url, author, { paths: [NEW_TRIGGER.path] })).body.code).toBe('E_SCHEMA');
      expect((await t.api('POST', url, author, { paths: [], reason: 'x' })).body.code).toBe('E_SCHEMA');
      // A path that is not new in defaults (a typo, a key the version has) is refused, naming what is new.
      for (const wrong of ['notifications.templates.promise_withdrawnn', 'notifications.templates.shipped', 'collection']) {
        const r = await t.api('POST', url, author, { paths: [NEW_TRIGGER.path, wrong], reason: 'x' });
        expect([r.status, r.body.code], wrong).toEqual([409, 'E_NOT_NEW_IN_DEFAULTS']);
        expect(r.headers.get('content-type')).toContain('application/problem+json');
        expect(r.body).toMatchObject({ notNew: [wrong], newInDefaults: [NEW_TRIGGER.path] });
      }
      // Another kind's entry is not this kind's.
      expect((await t.api('POST', url, author, { paths: [`rules[id=${NEW_APPROVAL_RULE}]`], reason: 'x' })).body.code).toBe('E_NOT_NEW_IN_DEFAULTS');

      const declined = await t.api('POST', url, author, { paths: [NEW_TRIGGER.path], reason: 'our carrier emails the customer' });
      expect(declined.status, JSON.stringify(declined.body)).toBe(200);
      expect(declined.body).toMatchObject({ change: 'new_defaults_declined', version: 1, declined: [NEW_TRIGGER], reason: 'our carrier emails the customer', alreadyDeclined: [], newInDefaults: [] });
      const by = declined.body.by as string;

      const kind = (await t.api('GET', '/v1/policies/orders/versions', reader)).body;
      expect(kind.newInDefaults).toEqual([]);
      expect(kind.declinedNewDefaults).toEqual([{ ...NEW_TRIGGER, by, reason: 'our carrier emails the customer', at: expect.any(String), version: 1 }]);
      expect((await t.api('GET', '/v1/policies/orders/versions/1', reader)).body.newInDefaults).toEqual([]);
      const list = (await t.api('GET', '/v1/policies', reader)).body.items;
      expect(list.find((i: any) => i.kind === 'orders').newInDefaults).toEqual([]);
      // Another kind's entries are untouched.
      expect(list.find((i: any) => i.kind === 'approvals').newInDefaults).toHaveLength(1);
      const lines: Array<Record<string, unknown>> = [];
      await warnOfNewDefaults(t.app.store.read, { warn: (fields) => lines.push(fields) });
      expect(lines.map((l) => l.kind)).toEqual(['approvals']);
      expect((await t.api('POST', '/v1/policies/orders/versions', author, { withNewDefaults: true })).body.code).toBe('E_INVALID_STATE');

      // Stored versions are as they were: a replay through them decides as before.
      expect(await versionsNow()).toEqual(before);
      // In the log: the request (with the entries and the reason) and its decided event; audited with who and why.
      const events = await t.app.store.read.all<{ type: string; payload: string; actor: string | null }>(
        `SELECT type, payload, actor FROM events WHERE subject = 'policy:orders' ORDER BY seq`);
      expect(events.map((e) => [e.type, JSON.parse(e.payload).action ?? JSON.parse(e.payload).change])).toEqual([
        ['policy.change_requested', 'decline_new_defaults'], ['policy.changed', 'new_defaults_declined'],
      ]);
      expect(JSON.parse(events[0]!.payload)).toMatchObject({ declined: [NEW_TRIGGER], reason: 'our carrier emails the customer' });
      expect(events[0]!.actor).toBe(by);
      const audit = await t.app.store.read.all<{ actor: string; role: string; detail: string }>(
        `SELECT actor, role, detail FROM audit WHERE subject = 'policy:orders' AND action = 'policy.new_defaults_declined'`);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor: by, role: 'operations_manager' });
      expect(JSON.parse(audit[0]!.detail)).toMatchObject({ reason: 'our carrier emails the customer', declined: [NEW_TRIGGER] });

      // Declining it again: the same, nothing more recorded.
      const again = await t.api('POST', url, author, { paths: [NEW_TRIGGER.path], reason: 'again' });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ change: 'none', declined: [], alreadyDeclined: [NEW_TRIGGER.path] });
      expect(await t.app.store.read.all(`SELECT seq FROM events WHERE subject = 'policy:orders'`)).toHaveLength(2);

      // A later release that adds a further key: that one is new (and drafted), the declined one stays out.
      const templates = defaultOrdersPolicy.notifications.templates as Record<string, string>;
      templates.returned = 'return_received';
      try {
        const later = (await t.api('GET', '/v1/policies/orders/versions', reader)).body.newInDefaults;
        expect(later).toEqual([{ path: 'notifications.templates.returned', value: 'return_received' }]);
        const taken = await t.api('POST', '/v1/policies/orders/versions', author, { withNewDefaults: true });
        expect(taken.body.added).toEqual(['notifications.templates.returned']);
        const v2 = (await t.api('GET', `/v1/policies/orders/versions/${taken.body.version}`, reader)).body.body;
        expect(Object.hasOwn(v2.notifications.templates, 'promise_withdrawn')).toBe(false);
        // Two paths at once, one declined before: the other is declined, the first counted as done.
        const both = await t.api('POST', url, author, { paths: [NEW_TRIGGER.path, 'notifications.templates.returned'], reason: 'not yet' });
        expect(both.body).toMatchObject({ declined: [{ path: 'notifications.templates.returned' }], alreadyDeclined: [NEW_TRIGGER.path], newInDefaults: [] });
      } finally {
        delete templates.returned;
      }
      // A list item is declined by its id, as it is listed.
      const rule = await t.api('POST', '/v1/policies/approvals/new-defaults/decline', author, { paths: [`rules[id=${NEW_APPROVAL_RULE}]`], reason: 'finance signs every credit anyway' });
      expect(rule.body).toMatchObject({ change: 'new_defaults_declined', declined: [{ path: `rules[id=${NEW_APPROVAL_RULE}]` }], newInDefaults: [] });
      expect((await t.api('GET', '/v1/policies', reader)).body.items.every((i: any) => i.newInDefaults.length === 0)).toBe(true);
    }, 60_000);
  });
}
