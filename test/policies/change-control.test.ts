import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { eventById } from '../../src/store/repos/events.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';
import { defaultRulesPolicy } from '../../src/policy/kinds/rules.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');

for (const factory of storeFactories()) {
  describe(`policy change control: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup() {
      now = T0;
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      const author = await t.keyFor('operations_manager');
      const reviewer = await t.keyFor('operations_manager');
      return { author, reviewer };
    }

    const sourcingBody = async (key: string, over: Record<string, unknown>) => {
      const v1 = (await t.api('GET', '/v1/policies/sourcing/versions/1', key)).body;
      return { ...v1.body, ...over };
    };

    it('draft → four eyes → activate; the author cannot approve; the previous version is retired; diff and rollback', async () => {
      const { author, reviewer } = await setup();
      const list = await t.api('GET', '/v1/policies', author);
      expect(list.status).toBe(200);
      expect(list.body.items.find((k: any) => k.kind === 'sourcing').activeVersion).toBe(1);

      const body = await sourcingBody(author, { split: { allowed: false, maxLocations: 1 } });
      const draft = await t.api('POST', '/v1/policies/sourcing/versions', author, { body, note: 'no splits before Christmas' });
      expect(draft.status, JSON.stringify(draft.body)).toBe(201);
      expect(draft.body).toMatchObject({ change: 'drafted', version: 2, policy: { status: 'draft', note: 'no splits before Christmas' } });

      const own = await t.api('POST', '/v1/policies/sourcing/versions/2/approve', author, {});
      expect(own.status).toBe(403);
      expect(own.body.code).toBe('E_SOD');
      const early = await t.api('POST', '/v1/policies/sourcing/versions/2/activate', author, {});
      expect(early.status).toBe(409);
      expect(early.body.code).toBe('E_INVALID_STATE');
      const wrongRole = await t.api('POST', '/v1/policies/sourcing/versions/2/approve', await t.keyFor('finance'), {});
      expect(wrongRole.status).toBe(403);
      expect(wrongRole.body.code).toBe('E_ROLE');

      const ok = await t.api('POST', '/v1/policies/sourcing/versions/2/approve', reviewer, { comment: 'looks right' });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body.policy).toMatchObject({ status: 'approved', reviewedBy: expect.stringMatching(/^operations-manager-/) });
      const act = await t.api('POST', '/v1/policies/sourcing/versions/2/activate', author, { reason: 'season' });
      expect(act.status).toBe(200);
      expect(act.body).toMatchObject({ change: 'activated', version: 2, previous: 1 });

      const versions = (await t.api('GET', '/v1/policies/sourcing/versions', author)).body;
      expect(versions.activeVersion).toBe(2);
      expect(versions.items.map((v: any) => [v.version, v.status])).toEqual([[1, 'retired'], [2, 'active']]);
      // The decisions now run on version 2.
      t.app.policies.invalidate();
      expect((await t.app.policies.get('sourcing')).version).toBe('2');
      expect((await t.app.policies.get('sourcing')).split.allowed).toBe(false);

      const diff = await t.api('GET', '/v1/policies/sourcing/diff?from=1&to=2', author);
      expect(diff.status).toBe(200);
      expect(diff.body.changes).toContainEqual({ path: 'split.allowed', kind: 'changed', before: true, after: false });
      expect(diff.body.changes.some((c: any) => c.path === 'version')).toBe(false);

      // Rollback = activate the retired version: a request, then a second person.
      const rb = await t.api('POST', '/v1/policies/sourcing/versions/1/activate', author, { reason: 'splits needed after all' });
      expect(rb.status).toBe(200);
      expect(rb.body).toMatchObject({ change: 'rollback_requested', version: 1, pendingRollback: { toVersion: 1 } });
      expect((await t.api('POST', '/v1/policies/sourcing/versions/1/approve', author, {})).body.code).toBe('E_SOD');
      const back = await t.api('POST', '/v1/policies/sourcing/versions/1/approve', reviewer, {});
      expect(back.status).toBe(200);
      expect(back.body).toMatchObject({ change: 'activated', version: 1, previous: 2, rollback: true });
      expect((await t.api('GET', '/v1/policies/sourcing/versions', author)).body.activeVersion).toBe(1);

      // Every request, refusal and activation is in the audit chain with actor and role.
      const audit = await t.app.store.read.all<{ action: string; actor: string; role: string }>(`SELECT action, actor, role FROM audit WHERE subject = 'policy:sourcing' ORDER BY seq`);
      expect(audit.map((a) => a.action)).toEqual([
        'policy.drafted', 'policy.change_refused', 'policy.change_refused', 'policy.reviewed', 'policy.activated',
        'policy.rollback_requested', 'policy.change_refused', 'policy.activated',
      ]);
      expect(audit.every((a) => a.role === 'operations_manager' && a.actor.startsWith('operations-manager-'))).toBe(true);
      expect((await verifyAuditChain(t.app.store.read)).ok).toBe(true);
    }, 60_000);

    it('a waiting rollback can be turned down by an approver or withdrawn by whoever asked; the live version stays', async () => {
      const { author, reviewer } = await setup();
      const body = await sourcingBody(author, { split: { allowed: false, maxLocations: 1 } });
      expect((await t.api('POST', '/v1/policies/sourcing/versions', author, { body, note: 'no splits' })).status).toBe(201);
      expect((await t.api('POST', '/v1/policies/sourcing/versions/2/approve', reviewer, {})).status).toBe(200);
      expect((await t.api('POST', '/v1/policies/sourcing/versions/2/activate', author, {})).status).toBe(200);
      const live = async () => (await t.api('GET', '/v1/policies/sourcing/versions', author)).body;

      expect((await t.api('POST', '/v1/policies/sourcing/versions/1/activate', author, { reason: 'splits after all' })).body.change).toBe('rollback_requested');
      const turnedDown = await t.api('POST', '/v1/policies/sourcing/versions/1/reject', reviewer, { comment: 'not during peak' });
      expect(turnedDown.status, JSON.stringify(turnedDown.body)).toBe(200);
      expect(turnedDown.body).toMatchObject({ change: 'rollback_rejected', version: 1, withdrawn: false, pendingRollback: null });
      expect(await live()).toMatchObject({ activeVersion: 2, pendingRollback: null });

      // Nothing waits any more, so it may be asked for again — and taken back by the one who asked.
      expect((await t.api('POST', '/v1/policies/sourcing/versions/1/activate', author, { reason: 'really' })).body.change).toBe('rollback_requested');
      const withdrawn = await t.api('POST', '/v1/policies/sourcing/versions/1/reject', author, {});
      expect(withdrawn.body).toMatchObject({ change: 'rollback_rejected', withdrawn: true });
      expect(await live()).toMatchObject({ activeVersion: 2, pendingRollback: null });
      expect((await t.api('POST', '/v1/policies/sourcing/versions/1/reject', reviewer, {})).body.code).toBe('E_ALREADY_DECIDED');
    }, 60_000);

    it('a draft with a broken rule is refused with E_SCHEMA naming the bad part; a role without change rights gets 403', async () => {
      const { author } = await setup();
      const rules = structuredClone(defaultRulesPolicy) as any;
      rules.rules[2].condition = "event.payload.reason in ['delay', 'lost'"; // unclosed list
      rules.rules[4].trigger.cron = '61 * * * *';
      const r = await t.api('POST', '/v1/policies/rules/versions', author, { body: rules });
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('E_SCHEMA');
      const paths = r.body.errors.map((e: any) => e.path);
      expect(paths).toContain('body.rules[2].condition');
      expect(paths).toContain('body.rules[4].trigger.cron');
      // Nothing was stored.
      expect((await t.api('GET', '/v1/policies/rules/versions', author)).body.items).toHaveLength(1);

      const bad = await t.api('POST', '/v1/policies/sourcing/versions', author, { body: { split: 'yes' } });
      expect(bad.status).toBe(422);
      expect(bad.body.errors.some((e: any) => e.path.startsWith('body.split'))).toBe(true);

      expect((await t.api('POST', '/v1/policies/rules/versions', await t.keyFor('warehouse'), { body: rules })).status).toBe(403);
      expect((await t.api('GET', '/v1/policies', null)).status).toBe(401);
      expect((await t.api('GET', '/v1/policies/nope/versions', author)).status).toBe(422);
    }, 60_000);

    it('a channel cannot change policy through the event intake', async () => {
      await setup();
      const r = await t.postEvents(envelope({ type: 'policy.change_requested', payload: { kind: 'sourcing', action: 'draft', body: {} } }));
      expect(r.status).toBe(202);
      for (let i = 0; i < 300; i++) {
        const e = await eventById(t.app.store.read, r.body.eventId);
        if (e?.status === 'processed') break;
        await new Promise((res) => setTimeout(res, 10));
      }
      const refused = await t.app.store.read.all<{ payload: string }>(`SELECT payload FROM events WHERE type = 'policy.change_refused'`);
      expect(refused).toHaveLength(1);
      expect(JSON.parse(refused[0]!.payload).code).toBe('E_ROLE');
    }, 60_000);
  });
}
