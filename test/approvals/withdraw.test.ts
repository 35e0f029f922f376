import { describe, expect, it } from 'vitest';
import { withdraw, type Approval } from '../../src/domain/approvals/index.js';

const pending: Approval = {
  id: 'approval-1', subject: 'protected_stock_reallocation', subjectRef: 'order-1', ruleId: 'r', policyVersion: '1', requestedBy: 'omniops', requestedAt: 1_000,
  facts: {}, levels: [], level: 0, levelDeadlineAt: 99_000, status: 'pending', decisions: [], onExpiry: 'reject', expiryOutcome: null, closedAt: null,
};

describe('withdrawing an approval request', () => {
  it('closes a pending request as withdrawn, with why and who', () => {
    const r = withdraw(pending, { reason: 'order held by hand: look', by: 'kim' }, { now: 5_000 });
    expect(r).toEqual({ ok: true, approval: { ...pending, status: 'withdrawn', closedAt: 5_000, withdrawn: { reason: 'order held by hand: look', by: 'kim', at: 5_000 } } });
  });
  it('leaves a decided or expired request as it is', () => {
    for (const status of ['approved', 'rejected', 'expired', 'withdrawn'] as const) {
      const r = withdraw({ ...pending, status, closedAt: 2_000 }, { reason: 'x', by: 'kim' }, { now: 5_000 });
      expect(r.ok, status).toBe(false);
    }
  });
});
