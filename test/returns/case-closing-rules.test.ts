import { describe, expect, it } from 'vitest';
import { whenCaseCloses, wasRefunded, claimsDueIfCreatedBefore } from '../../src/domain/returns/case-closing.js';
import { caseApprovalCoversRefund } from '../../src/domain/returns/approved-with-case.js';
import { requiredApproval, type Approval } from '../../src/domain/approvals/index.js';
import { defaultApprovalsPolicy } from '../../src/policy/kinds/approvals.js';
import { defaultReturnsPolicy } from '../../src/policy/kinds/returns.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-02T09:00:00Z');
const item = (exceptionId: string, payable: number, settledAs?: 'paid' | 'not_paid' | 'withdrawn') => ({
  at: NOW, eventId: 'e', exceptionId, payable, owed: payable, ...(settledAs ? { settledAs, settledBy: 'fin', settledAt: NOW, settledEventId: `s-${exceptionId}` } : {}),
});

describe('when a return case closes by itself', () => {
  it('refunded: only once the refund is settled and nothing is owed or cut short unanswered', () => {
    const settled = { state: 'settled', amount: 100 };
    expect(whenCaseCloses({ state: 'refunded', refund: settled, now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: true, from: 'refunded', reason: 'refund_settled' });
    expect(whenCaseCloses({ state: 'refunded', refund: { state: 'sent', amount: 100 }, now: NOW }, defaultReturnsPolicy)).toEqual({ close: false, waitingFor: 'the refund is sent, not settled' });
    // Cut from 120 to 100: open until finance answered the 20.
    const cut = { ...settled, asked: 120 };
    expect(whenCaseCloses({ state: 'refunded', refund: cut, now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: false, waitingFor: expect.stringMatching(/cut 20 short/) });
    expect(whenCaseCloses({ state: 'refunded', refund: cut, owed: { told: 10, items: [item('x1', 10)] }, now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: false, waitingFor: expect.stringMatching(/x1/) });
    expect(whenCaseCloses({ state: 'refunded', refund: cut, owed: { told: 10, items: [item('x1', 10, 'paid')] }, now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: false, waitingFor: expect.stringMatching(/cut 10 short/) });
    expect(whenCaseCloses({ state: 'refunded', refund: cut, owed: { told: 20, items: [item('x1', 10, 'paid'), item('x2', 10, 'not_paid')] }, now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: true });
    // A withdrawn top-up answers nothing: the money is released, the short still stands.
    expect(whenCaseCloses({ state: 'refunded', refund: cut, owed: { told: 20, items: [item('x1', 20, 'withdrawn')] }, now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: false });
  });

  it('refunded with a refused refund: waits like a cut one, short all it asked, until finance answered all of it; says whether the goods came back', () => {
    const refused = { code: 'nothing_left_to_refund', asked: 80, goodsBack: false };
    // Nothing told yet: open (before, a refused refund's case ended at once).
    expect(whenCaseCloses({ state: 'refunded', refused, now: NOW }, defaultReturnsPolicy)).toEqual({ close: false, waitingFor: 'the refund was refused and is 80 short of what was asked and finance has not settled it' });
    expect(whenCaseCloses({ state: 'refunded', refused, owed: { told: 80, items: [item('x1', 80)] }, now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: false, waitingFor: expect.stringMatching(/x1/) });
    expect(whenCaseCloses({ state: 'refunded', refused, owed: { told: 50, items: [item('x1', 50, 'paid')] }, now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: false, waitingFor: expect.stringMatching(/30 short/) });
    // A withdrawn item answers nothing; paid by hand and not paid together answer it all.
    expect(whenCaseCloses({ state: 'refunded', refused, owed: { told: 80, items: [item('x1', 80, 'withdrawn')] }, now: NOW }, defaultReturnsPolicy).close).toBe(false);
    expect(whenCaseCloses({ state: 'refunded', refused, owed: { told: 80, items: [item('x1', 50, 'paid'), item('x2', 30, 'not_paid')] }, now: NOW }, defaultReturnsPolicy)).toEqual({
      close: true, from: 'refunded', reason: 'refused_refund_answered',
      why: 'refund refused (nothing_left_to_refund), the goods were never sent back (refund without return); finance answered all 80 asked: 50 paid by hand, 30 not paid',
    });
    expect(whenCaseCloses({ state: 'refunded', refused: { ...refused, goodsBack: true }, owed: { told: 80, items: [item('x1', 80, 'not_paid')] }, now: NOW }, defaultReturnsPolicy)).toMatchObject({
      close: true, why: 'refund refused (nothing_left_to_refund), the goods came back; finance answered all 80 asked: 0 paid by hand, 80 not paid',
    });
    // A refused case is not a refunded one for its order, open or closed.
    expect(wasRefunded({ state: 'refunded', doc: { history: [{ to: 'refunded' }], refundRefused: { code: 'nothing_left_to_refund' } } })).toBe(false);
    expect(wasRefunded({ state: 'closed', doc: { history: [{ to: 'refunded' }, { to: 'closed' }], refundRefused: { code: 'nothing_left_to_refund' } } })).toBe(false);
  });

  it('replaced: once the replacement order went out', () => {
    for (const s of ['allocated', 'in_fulfilment', 'backordered', 'cancelled', null]) expect(whenCaseCloses({ state: 'replaced', replacementOrderState: s, now: NOW }, defaultReturnsPolicy).close).toBe(false);
    for (const s of ['shipped', 'delivered']) expect(whenCaseCloses({ state: 'replaced', replacementOrderState: s, now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: true, reason: 'replacement_shipped' });
  });

  it('claimed: after the policy period from the claim; a policy without the period keeps it open', () => {
    const claimedAt = NOW - 60 * DAY;
    expect(whenCaseCloses({ state: 'claimed', claimedAt: claimedAt + 1, now: NOW }, defaultReturnsPolicy).close).toBe(false);
    expect(whenCaseCloses({ state: 'claimed', claimedAt, now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: true, reason: 'claim_period_over' });
    const { claimClosesAfterDays: _, ...older } = defaultReturnsPolicy;
    expect(whenCaseCloses({ state: 'claimed', claimedAt: 0, now: NOW }, older)).toEqual({ close: false, waitingFor: 'the returns policy sets no claimClosesAfterDays' });
    expect(claimsDueIfCreatedBefore(NOW, older)).toBeUndefined();
    expect(claimsDueIfCreatedBefore(NOW, defaultReturnsPolicy)).toBe(claimedAt + 1);
  });

  it('other states never close by themselves; a closed case counts as refunded only if it went through refunded', () => {
    for (const state of ['requested', 'awaiting_approval', 'awaiting_item', 'received', 'rejected', 'closed'] as const) expect(whenCaseCloses({ state, now: NOW }, defaultReturnsPolicy).close).toBe(false);
    expect(wasRefunded({ state: 'closed', doc: { history: [{ to: 'received' }, { to: 'refunded' }, { to: 'closed' }] } })).toBe(true);
    expect(wasRefunded({ state: 'closed', doc: { history: [{ to: 'received' }, { to: 'closed' }] } })).toBe(false);
  });
});

describe('a refund already decided with its case', () => {
  const approval = (decisions: Approval['decisions'], amount = 240): Approval => ({
    id: 'apr-1', subject: 'return_risk', subjectRef: 'ret_1', ruleId: 'return_risk.review', policyVersion: 'default', requestedBy: 'source:web', requestedAt: NOW,
    facts: { amount }, levels: [], level: 0, levelDeadlineAt: NOW, status: 'approved', decisions, onExpiry: 'reject', expiryOutcome: null, closedAt: NOW,
  });
  const yes = (actorId: string, actingRole: 'finance' | 'operations_manager') => ({ actorId, actingRole, decision: 'approve' as const, comment: null, level: 0, at: NOW });
  const rule = (amount: number) => requiredApproval('refund', { amount }, defaultApprovalsPolicy);

  it('covers a refund the same role would decide alone, up to the value approved', () => {
    expect(caseApprovalCoversRefund(approval([yes('fin-anna', 'finance')]), rule(240), 240, 'wh-1')).toMatchObject({ covers: true, by: ['fin-anna'] });
    expect(caseApprovalCoversRefund(approval([yes('fin-anna', 'finance')]), rule(240), 240.01, 'wh-1').covers).toBe(false);
    // Not the person who asks for the refund (segregation of duties), not another role.
    expect(caseApprovalCoversRefund(approval([yes('fin-anna', 'finance')]), rule(240), 240, 'fin-anna').covers).toBe(false);
    expect(caseApprovalCoversRefund(approval([yes('ops-1', 'operations_manager')]), rule(240), 240, 'wh-1').covers).toBe(false);
    // A stricter tier (> 1,000: two people, finance among them) is asked again.
    expect(caseApprovalCoversRefund(approval([yes('fin-anna', 'finance')], 1200), rule(1200), 1200, 'wh-1').covers).toBe(false);
    expect(caseApprovalCoversRefund(approval([yes('fin-anna', 'finance'), yes('ops-1', 'operations_manager')], 1200), rule(1200), 1200, 'wh-1').covers).toBe(true);
  });
});
