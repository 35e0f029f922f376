import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { storeFactories } from '../support/stores.js';
import { DAY, ReturnsWorld, T0, scriptedAi } from './support.js';

// The returns rules' own approval (a new account returning a high value, a risky return rate) holds the
// case before anything is carried out; a person of the role the approvals policy names decides it
// (`return_risk.review`: finance). Through the real approval engine, both stores.
const INSPECT = scriptedAi({ reason: ['size_fit', 0.95], disposition: ['inspection_required', 0.95] });

for (const factory of storeFactories()) {
  describe(`a return the rules flag waits for a person: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => w.t?.close());

    async function submit(approvalId: string, decision: 'approve' | 'reject', actor: string, role: string, comment?: string) {
      const r = await w.t.app.intake.submit(
        { source: 'api', sourceEventId: randomUUID(), type: 'approval.decision_submitted', occurredAt: new Date(w.now).toISOString(), payload: { approvalId, decision, ...(comment ? { comment } : {}) } },
        { actor, actorRole: role },
      );
      expect(r.ok, JSON.stringify(r)).toBe(true);
      await w.drained();
    }
    const approvalsOf = async (subjectRef: string) =>
      w.t.app.store.read.all<{ id: string; subject: string }>(`SELECT id, subject FROM approvals WHERE subject_ref = ? ORDER BY id`, [subjectRef]);

    /** A customer whose account is 5 days old returns `qty` tents (120 each). */
    async function newAccountReturn(ext: string, qty: number) {
      w.customerCreatedAt = new Date(T0 - 5 * DAY).toISOString();
      await w.start(factory, { ai: INSPECT });
      await w.deliveredOrder(ext, [{ lineId: '1', sku: 'TENT', qty, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      return w.caseOf((await w.requestReturn({ externalOrderId: ext, lines: [{ lineId: '1', qty }], reason: 'too small for us' })).id);
    }

    it('approved: carried out as the rules decided, and the refund is not asked of the same role again', async () => {
      let c = await newAccountReturn('RK-1', 2);
      // Held before anything is carried out: no return label, no refund.
      expect(c).toMatchObject({ state: 'awaiting_approval', disposition: 'inspection_required', decision: { decidedBy: 'rules', rule: 'new_account_high_value', needsApproval: true } });
      expect(c.history.at(-1).note).toBe('inspection_required by rule new_account_high_value (rule:new_account_high_value): a person approves before it is carried out');
      expect(await w.t.app.store.read.all(`SELECT id FROM outbox WHERE kind = 'return.label'`)).toEqual([]);
      const gate = c.approvals.find((a: { subject: string }) => a.subject === 'return_risk');
      expect(gate).toMatchObject({ required: true, approvalId: expect.any(String) });
      const requested = await w.t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = 'approval.requested' AND payload LIKE ?`, [`%${gate.approvalId}%`]);
      expect(JSON.parse(requested!.payload)).toMatchObject({ subject: 'return_risk', subjectRef: c.id, ruleId: 'return_risk.review', roles: ['finance'], facts: { amount: 240 } });
      // The rules decided, not the AI: its recommendation is not put to a person as well.
      expect((await approvalsOf(c.id)).map((a) => a.subject)).toEqual(['return_risk']);

      await submit(gate.approvalId, 'approve', 'fin-anna', 'finance');
      c = await w.caseOf(c.id);
      expect(c.state).toBe('awaiting_item');
      expect(c.history.find((h: { to: string }) => h.to === 'approved').note).toMatch(/^risk approval approved by fin-anna/);
      expect(await w.t.app.store.read.all(`SELECT id FROM outbox WHERE kind = 'return.label'`)).toHaveLength(1);

      // The tents come back; the refund (240 > 200: finance, one person) is what fin-anna already approved.
      expect((await w.t.api('POST', `/v1/returns/${c.id}/receive`, await w.t.keyFor('warehouse'), { lines: [{ lineId: '1', condition: 'resellable' }] })).status).toBe(200);
      await w.drained();
      c = await w.caseOf(c.id);
      expect(c.refund).toMatchObject({ state: 'sent', amount: 240 });
      expect(c.approvals.find((a: { subject: string }) => a.subject === 'refund')).toMatchObject({ approvalId: gate.approvalId, outcome: 'approved', reason: expect.stringMatching(/^approved with the case by fin-anna \(finance\)/) });
      expect(await approvalsOf(c.refund.id)).toEqual([]);
      const audit = await w.t.app.store.read.all<{ detail: string }>(`SELECT detail FROM audit WHERE action = 'refund.approved_with_case' AND subject = ?`, [`refund:${c.refund.id}`]);
      expect(JSON.parse(audit[0]!.detail)).toMatchObject({ caseId: c.id, approvalId: gate.approvalId, by: ['fin-anna'] });
      // A second decision of the same approval changes nothing.
      await submit(gate.approvalId, 'approve', 'fin-bob', 'finance');
      expect((await w.caseOf(c.id)).state).toBe('received');
    });

    it('a refund beyond what the case\'s approver could decide alone is asked as before', async () => {
      // 9 tents: 1,080 > 1,000 needs finance and a second person.
      let c = await newAccountReturn('RK-2', 9);
      const gate = c.approvals.find((a: { subject: string }) => a.subject === 'return_risk');
      await submit(gate.approvalId, 'approve', 'fin-anna', 'finance');
      expect((await w.t.api('POST', `/v1/returns/${c.id}/receive`, await w.t.keyFor('warehouse'), { lines: [{ lineId: '1', condition: 'resellable' }] })).status).toBe(200);
      await w.drained();
      c = await w.caseOf(c.id);
      expect(c.refund).toMatchObject({ state: 'awaiting_approval', amount: 1080 });
      expect(await approvalsOf(c.refund.id)).toEqual([{ id: c.refund.approvalId, subject: 'refund' }]);
    });

    it('rejected: the case is rejected with the approver\'s reason and nothing is carried out', async () => {
      let c = await newAccountReturn('RK-3', 2);
      const gate = c.approvals.find((a: { subject: string }) => a.subject === 'return_risk');
      await submit(gate.approvalId, 'reject', 'fin-anna', 'finance', 'third return this month from a week-old account');
      c = await w.caseOf(c.id);
      expect(c.state).toBe('rejected');
      expect(c.history.at(-1).note).toBe(`risk approval rejected by fin-anna (approval ${gate.approvalId}): third return this month from a week-old account`);
      expect(c.approvals.find((a: { subject: string }) => a.subject === 'return_risk')).toMatchObject({ outcome: 'rejected' });
      expect(await w.t.app.store.read.all(`SELECT id FROM outbox WHERE kind = 'return.label' OR destination = 'erp:refunds'`)).toEqual([]);
      expect(c.refund ?? null).toBeNull();
    });
  });
}
