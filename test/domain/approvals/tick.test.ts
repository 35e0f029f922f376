import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/domain/approvals/decide.js';
import { tick } from '../../../src/domain/approvals/tick.js';
import { MIN, T0, at, opened } from './fixtures.js';

describe('tick: escalation and expiry on a controlled clock', () => {
  it('does nothing before the deadline', () => {
    const a = opened('refund', { amount: 300 }); // 480 min at level 0
    expect(a.levelDeadlineAt).toBe(T0 + 480 * MIN);
    expect(a).toMatchObject({ status: 'pending', level: 0, policyVersion: 'default', ruleId: 'refund.over_200', requestedAt: T0 });
    const r = tick(a, T0 + 480 * MIN - 1);
    expect(r.approval).toBe(a);
    expect(r.events).toEqual([]);
  });

  it('escalates one level at the deadline, the new level gets its full window from now', () => {
    const a = opened('refund', { amount: 300 });
    const now = T0 + 500 * MIN; // 20 minutes late (scheduler was down)
    const r = tick(a, now);
    expect(r.approval.status).toBe('pending');
    expect(r.approval.level).toBe(1);
    expect(r.approval.levelDeadlineAt).toBe(now + 480 * MIN);
    expect(r.events).toEqual([
      {
        type: 'approval.escalated',
        approvalId: a.id,
        fromLevel: 0,
        toLevel: 1,
        roles: ['finance', 'operations_manager'],
        deadlineAt: now + 480 * MIN,
        at: now,
      },
    ]);
  });

  it('after escalation the higher level may decide', () => {
    const a = opened('refund', { amount: 300 });
    const up = tick(a, T0 + 480 * MIN).approval;
    const r = decide(up, { actorId: 'ops-1', actorRoles: ['operations_manager'], decision: 'approve' }, at(481));
    expect(r.ok && r.approval.status).toBe('approved');
    // ...which the first level did not allow
    expect(decide(a, { actorId: 'ops-1', actorRoles: ['operations_manager'], decision: 'approve' }, at(1)).ok).toBe(false);
  });

  it('expires at the end of the chain with the policy outcome', () => {
    const a = opened('protected_stock_reallocation', { quantity: 3 }); // 60 + 60 minutes
    const up = tick(a, T0 + 60 * MIN).approval;
    expect(up.level).toBe(1);
    expect(tick(up, T0 + 119 * MIN).events).toEqual([]);
    const r = tick(up, T0 + 120 * MIN);
    expect(r.approval).toMatchObject({ status: 'expired', expiryOutcome: 'release_stock', closedAt: T0 + 120 * MIN });
    expect(r.events).toEqual([{ type: 'approval.expired', approvalId: a.id, level: 1, outcome: 'release_stock', at: T0 + 120 * MIN }]);
    // expired is final
    expect(tick(r.approval, T0 + 999 * MIN).events).toEqual([]);
  });

  it('a late decision is judged at the level the request really is at', () => {
    const a = opened('refund', { amount: 300 });
    // Past the level-0 deadline the request has escalated; finance is still accepted at level 1…
    const late = decide(a, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'approve' }, at(490));
    expect(late.ok && late.events.map((e) => e.type)).toEqual(['approval.escalated', 'approval.decided']);
    // …and once the last level's deadline has passed too, nobody can decide any more.
    const escalated = tick(a, T0 + 480 * MIN).approval;
    const gone = decide(escalated, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'approve' }, at(960));
    expect(gone).toMatchObject({ ok: false, refusal: { code: 'E_ALREADY_DECIDED', status: 'expired' } });
  });

  it('earlier-level approvals still count after escalation; nobody approves twice across levels', () => {
    const a = opened('writeoff', { value: 900, usualAdjustmentValue: 100 });
    const half = decide(a, { actorId: 'ic-1', actorRoles: ['inventory_control'], decision: 'approve' }, at(10));
    if (!half.ok) throw new Error('refused');
    const up = tick(half.approval, T0 + 24 * 60 * MIN).approval;
    expect(up.level).toBe(1);
    const again = decide(up, { actorId: 'ic-1', actorRoles: ['inventory_control', 'operations_manager'], decision: 'approve' }, at(24 * 60 + 1));
    expect(again).toMatchObject({ ok: false, refusal: { code: 'E_SOD', reason: 'same_person' } });
    const done = decide(up, { actorId: 'ops-1', actorRoles: ['operations_manager'], decision: 'approve' }, at(24 * 60 + 2));
    expect(done.ok && done.approval.status).toBe('approved');
  });
});
