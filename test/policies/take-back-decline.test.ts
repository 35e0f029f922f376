import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { warnOfNewDefaults } from '../../src/engine/policies/new-defaults.js';
import { NEW_APPROVAL_RULE, olderDatabase } from './older-database.js';
import { defaultApprovalsPolicy } from '../../src/policy/kinds/approvals.js';
import { defaultOrdersPolicy } from '../../src/policy/kinds/orders.js';

// Taking a decline of new defaults back, and a decline that holds only for the default value declined
// (docs/policies.md, "When a release adds defaults").
const T0 = Date.parse('2026-11-30T09:00:00Z');
const PATH = 'notifications.templates.promise_withdrawn';
const NEW_TRIGGER = { path: PATH, value: 'promise_date_withdrawn' };
const DECLINE = '/v1/policies/orders/new-defaults/decline';
const TAKE_BACK = '/v1/policies/orders/new-defaults/undecline';

for (const factory of storeFactories()) {
  describe(`taking back a decline of new defaults: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    async function setup(opts: { approvals?: boolean } = {}) {
      t = await startTestApp(olderDatabase(factory, opts), {
        clock: () => T0,
        config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 },
      });
      return { author: await t.keyFor('operations_manager'), other: await t.keyFor('admin'), reader: await t.keyFor('auditor') };
    }
    const policyEvents = async () => (await t.app.store.read.all<{ type: string; payload: string }>(
      `SELECT type, payload FROM events WHERE subject = 'policy:orders' ORDER BY seq`)).map((e) => [e.type, JSON.parse(e.payload).action ?? JSON.parse(e.payload).change]);
    const kindView = async (key: string) => (await t.api('GET', '/v1/policies/orders/versions', key)).body;

    it('a path not declined is refused naming what is declined; bad input and other roles change nothing', async () => {
      const { author, reader } = await setup();
      const never = await t.api('POST', TAKE_BACK, author, { paths: [PATH], reason: 'we want it after all' });
      expect([never.status, never.body.code], JSON.stringify(never.body)).toEqual([409, 'E_NOT_DECLINED']);
      expect(never.headers.get('content-type')).toContain('application/problem+json');
      expect(never.body).toMatchObject({ notDeclined: [PATH], declined: [] });

      expect((await t.api('POST', DECLINE, author, { paths: [PATH], reason: 'the carrier tells them' })).status).toBe(200);
      const recorded = await policyEvents();

      // One path declined, one not (a typo): the whole request is refused, naming both.
      const typo = await t.api('POST', TAKE_BACK, author, { paths: [PATH, `${PATH}x`], reason: 'x' });
      expect([typo.status, typo.body.code]).toEqual([409, 'E_NOT_DECLINED']);
      expect(typo.body).toMatchObject({ notDeclined: [`${PATH}x`], declined: [PATH] });
      expect(typo.body.detail).toContain(`${PATH}x is not declined (declined now: ${PATH})`);
      for (const body of [{ paths: [PATH] }, { paths: [PATH], reason: '   ' }, { paths: [], reason: 'x' }, { reason: 'x' }]) {
        const r = await t.api('POST', TAKE_BACK, author, body);
        expect([r.status, r.body.code], JSON.stringify(body)).toEqual([422, 'E_SCHEMA']);
      }
      expect((await t.api('POST', TAKE_BACK, null, { paths: [PATH], reason: 'x' })).status).toBe(401);
      const auditor = await t.api('POST', TAKE_BACK, reader, { paths: [PATH], reason: 'x' });
      expect([auditor.status, auditor.body.code]).toEqual([403, 'E_ROLE']);
      // Nothing was recorded: still declined.
      expect(await policyEvents()).toEqual(recorded);
      expect((await kindView(reader)).declinedNewDefaults.map((d: any) => d.path)).toEqual([PATH]);
    }, 60_000);

    it('a decline retried with the same Idempotency-Key is answered as the first time; the key used for another decline is refused', async () => {
      const { author } = await setup();
      const key = { 'Idempotency-Key': 'decline-1' };
      const first = await t.api('POST', DECLINE, author, { paths: [PATH], reason: 'the carrier tells them' }, key);
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect(first.body.declined.map((d: any) => d.path)).toEqual([PATH]);
      const recorded = await policyEvents();
      const again = await t.api('POST', DECLINE, author, { paths: [PATH], reason: 'the carrier tells them' }, key);
      // Worked out again it found the path declined and answered "none" with no event.
      expect([again.status, again.body.eventId, again.body.declined]).toEqual([200, first.body.eventId, first.body.declined]);
      const other = await t.api('POST', DECLINE, author, { paths: [PATH], reason: 'another reason' }, key);
      expect([other.status, other.body.code]).toEqual([409, 'E_IDEMPOTENCY_MISMATCH']);
      expect(await policyEvents()).toEqual(recorded);
    }, 60_000);

    it('taken back: new in defaults again (listed, warned of, drafted); recorded in the log and audited; a retry with the same key is once; decline, take back, decline again is declined', async () => {
      const { author, other, reader } = await setup({ approvals: true });
      const versionsNow = () => t.app.store.read.all('SELECT kind, version, status, doc FROM policy_versions ORDER BY kind, version');
      const versions = await versionsNow();
      expect((await t.api('POST', DECLINE, author, { paths: [PATH], reason: 'the carrier tells them' })).status).toBe(200);
      expect((await kindView(reader)).newInDefaults).toEqual([]);

      const key = { 'Idempotency-Key': 'take-back-1' };
      const back = await t.api('POST', TAKE_BACK, other, { paths: [PATH], reason: 'customers asked for the message' }, key);
      expect(back.status, JSON.stringify(back.body)).toBe(200);
      expect(back.body).toMatchObject({
        change: 'new_defaults_undeclined', kind: 'orders', version: 1, undeclined: [NEW_TRIGGER], reason: 'customers asked for the message',
        newInDefaults: [NEW_TRIGGER], declinedNewDefaults: [],
      });
      const by = back.body.by as string;

      // New in defaults again, everywhere: the kind, its version, the list, the start warning, a take-up.
      const kind = await kindView(reader);
      expect(kind).toMatchObject({ newInDefaults: [NEW_TRIGGER], declinedNewDefaults: [] });
      expect((await t.api('GET', '/v1/policies/orders/versions/1', reader)).body.newInDefaults).toEqual([NEW_TRIGGER]);
      expect((await t.api('GET', '/v1/policies', reader)).body.items.find((i: any) => i.kind === 'orders').newInDefaults).toEqual([NEW_TRIGGER]);
      const lines: Array<Record<string, unknown>> = [];
      await warnOfNewDefaults(t.app.store.read, { warn: (fields) => lines.push(fields) });
      expect(lines.find((l) => l.kind === 'orders')).toMatchObject({ newInDefaults: [PATH] });
      expect(await versionsNow()).toEqual(versions);

      // In the log and the audit trail, with who and why.
      expect(await policyEvents()).toEqual([
        ['policy.change_requested', 'decline_new_defaults'], ['policy.changed', 'new_defaults_declined'],
        ['policy.change_requested', 'undecline_new_defaults'], ['policy.changed', 'new_defaults_undeclined'],
      ]);
      const audit = await t.app.store.read.all<{ actor: string; role: string; detail: string }>(
        `SELECT actor, role, detail FROM audit WHERE subject = 'policy:orders' AND action = 'policy.new_defaults_undeclined'`);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor: by, role: 'admin' });
      expect(JSON.parse(audit[0]!.detail)).toMatchObject({ reason: 'customers asked for the message', undeclined: [NEW_TRIGGER] });

      // The same request again with the same key: the first answer, nothing more recorded.
      const retry = await t.api('POST', TAKE_BACK, other, { paths: [PATH], reason: 'customers asked for the message' }, key);
      expect(retry.status, JSON.stringify(retry.body)).toBe(200);
      expect(retry.body).toMatchObject({ change: 'new_defaults_undeclined', eventId: back.body.eventId, undeclined: [NEW_TRIGGER] });
      expect(await policyEvents()).toHaveLength(4);
      // The key with another reason is another request: refused, as intake refuses a reused event id.
      const reused = await t.api('POST', TAKE_BACK, other, { paths: [PATH], reason: 'something else' }, key);
      expect([reused.status, reused.body.code]).toEqual([409, 'E_IDEMPOTENCY_MISMATCH']);
      // Without the key, a second take-back is a new request, and the path is not declined any more.
      const twice = await t.api('POST', TAKE_BACK, other, { paths: [PATH], reason: 'customers asked for the message' });
      expect([twice.status, twice.body.code]).toEqual([409, 'E_NOT_DECLINED']);
      expect(await policyEvents()).toHaveLength(4);

      // Declinable again; read back in order, decline → take back → decline is declined, by the last one.
      const again = await t.api('POST', DECLINE, author, { paths: [PATH], reason: 'the carrier does tell them' });
      expect(again.body).toMatchObject({ change: 'new_defaults_declined', declined: [NEW_TRIGGER], alreadyDeclined: [], newInDefaults: [] });
      expect((await kindView(reader)).declinedNewDefaults).toEqual([{ ...NEW_TRIGGER, by: again.body.by, reason: 'the carrier does tell them', at: expect.any(String), version: 1 }]);
      // Taken back once more: a take-up drafts it.
      expect((await t.api('POST', TAKE_BACK, author, { paths: [PATH], reason: 'no, we want it' })).status).toBe(200);
      const draft = await t.api('POST', '/v1/policies/orders/versions', author, { withNewDefaults: true });
      expect([draft.status, draft.body.added], JSON.stringify(draft.body)).toEqual([201, [PATH]]);

      // A list item by its id, as it is listed; another kind's declines are its own.
      const rulePath = `rules[id=${NEW_APPROVAL_RULE}]`;
      expect((await t.api('POST', '/v1/policies/approvals/new-defaults/decline', author, { paths: [rulePath], reason: 'finance signs anyway' })).status).toBe(200);
      expect((await t.api('POST', TAKE_BACK, author, { paths: [rulePath], reason: 'x' })).body).toMatchObject({ code: 'E_NOT_DECLINED', declined: [] });
      const rule = await t.api('POST', '/v1/policies/approvals/new-defaults/undecline', author, { paths: [rulePath], reason: 'finance asked for the tier' });
      expect(rule.body).toMatchObject({ change: 'new_defaults_undeclined', undeclined: [{ path: rulePath }], newInDefaults: [{ path: rulePath, item: { by: 'id', id: NEW_APPROVAL_RULE } }] });
    }, 60_000);

    it('a declined default that a later release changes is new in defaults again, saying what was declined; declined again at the new value', async () => {
      const { author, reader } = await setup({ approvals: true });
      const rulePath = `rules[id=${NEW_APPROVAL_RULE}]`;
      expect((await t.api('POST', DECLINE, author, { paths: [PATH], reason: 'the carrier tells them' })).status).toBe(200);
      expect((await t.api('POST', '/v1/policies/approvals/new-defaults/decline', author, { paths: [rulePath], reason: 'finance signs anyway' })).status).toBe(200);

      const templates = defaultOrdersPolicy.notifications.templates as Record<string, string>;
      const rule = defaultApprovalsPolicy.rules.find((r) => r.id === NEW_APPROVAL_RULE) as unknown as Record<string, unknown>;
      const ruleThen = structuredClone(rule);
      // A later release: another template for the same trigger; the rule is described anew.
      templates.promise_withdrawn = 'promise_date_withdrawn_v2';
      rule.description = 'credit > 1,000: finance and a second approver (revised)';
      try {
        const changed = { path: PATH, value: 'promise_date_withdrawn_v2', declinedValue: 'promise_date_withdrawn' };
        const kind = await kindView(reader);
        expect(kind.newInDefaults).toEqual([changed]);
        // The decline is still on record, at the value it was declined at.
        expect(kind.declinedNewDefaults).toMatchObject([NEW_TRIGGER]);
        expect((await t.api('GET', '/v1/policies/orders/versions/1', reader)).body.newInDefaults).toEqual([changed]);
        const list = (await t.api('GET', '/v1/policies', reader)).body.items;
        expect(list.find((i: any) => i.kind === 'orders').newInDefaults).toEqual([changed]);
        expect(list.find((i: any) => i.kind === 'approvals').newInDefaults).toEqual([{ path: rulePath, value: rule, item: { by: 'id', id: NEW_APPROVAL_RULE }, declinedValue: ruleThen }]);
        const lines: Array<Record<string, unknown>> = [];
        await warnOfNewDefaults(t.app.store.read, { warn: (fields) => lines.push(fields) });
        expect(lines.map((l) => l.kind).sort()).toEqual(['approvals', 'orders']);

        // Declining it again is a new decline, at today's value (not "declined before").
        const again = await t.api('POST', DECLINE, author, { paths: [PATH], reason: 'still the carrier' });
        expect(again.body).toMatchObject({ change: 'new_defaults_declined', declined: [{ path: PATH, value: 'promise_date_withdrawn_v2' }], alreadyDeclined: [], newInDefaults: [] });
        expect((await kindView(reader)).declinedNewDefaults).toEqual([{ path: PATH, value: 'promise_date_withdrawn_v2', by: again.body.by, reason: 'still the carrier', at: expect.any(String), version: 1 }]);
        const once = await t.api('POST', DECLINE, author, { paths: [PATH], reason: 'again' });
        expect(once.body).toMatchObject({ change: 'none', alreadyDeclined: [PATH] });

        // A take-up drafts the changed rule, and the default at its new value.
        const draft = await t.api('POST', '/v1/policies/approvals/versions', author, { withNewDefaults: true });
        expect([draft.status, draft.body.added], JSON.stringify(draft.body)).toEqual([201, [rulePath]]);
        const v2 = (await t.api('GET', `/v1/policies/approvals/versions/${draft.body.version}`, reader)).body.body;
        expect(v2.rules.find((r: any) => r.id === NEW_APPROVAL_RULE).description).toBe('credit > 1,000: finance and a second approver (revised)');
      } finally {
        templates.promise_withdrawn = NEW_TRIGGER.value;
        rule.description = ruleThen.description;
      }
    }, 60_000);
  });
}
