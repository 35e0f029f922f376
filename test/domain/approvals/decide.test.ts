import { describe, expect, it } from 'vitest';
import { decide, type DecideResult } from '../../../src/domain/approvals/decide.js';
import type { Approval } from '../../../src/domain/approvals/approval.js';
import { at, opened } from './fixtures.js';

function ok(r: DecideResult): Approval {
  if (!r.ok) throw new Error(`refused: ${r.refusal.code} ${r.refusal.message}`);
  return r.approval;
}

describe('decide: segregation of duties', () => {
  it('the requester cannot approve their own request, even holding the role', () => {
    const a = opened('refund', { amount: 300 }, 'fin-1');
    const r = decide(a, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'approve' }, at(1));
    expect(r).toMatchObject({ ok: false, refusal: { code: 'E_SOD', reason: 'own_request' } });
  });

  it('the requester cannot reject it either (withdrawal is another command)', () => {
    const a = opened('refund', { amount: 300 }, 'fin-1');
    const r = decide(a, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'reject' }, at(1));
    expect(r).toMatchObject({ ok: false, refusal: { code: 'E_SOD' } });
  });

  it('a single approval by another finance user approves a refund > 200', () => {
    const a = opened('refund', { amount: 300 });
    const r = decide(a, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'approve', comment: 'receipt checked' }, at(5));
    const next = ok(r);
    expect(next.status).toBe('approved');
    expect(next.closedAt).toBe(at(5).now);
    expect(r.ok && r.events).toEqual([
      {
        type: 'approval.decided',
        approvalId: a.id,
        actorId: 'fin-1',
        actingRole: 'finance',
        decision: 'approve',
        comment: 'receipt checked',
        level: 0,
        status: 'approved',
        at: at(5).now,
      },
    ]);
  });
});

describe('decide: dual approval', () => {
  it('refund > 1,000: the same person cannot approve twice', () => {
    const a = opened('refund', { amount: 1500 });
    const first = ok(decide(a, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'approve' }, at(1)));
    expect(first.status).toBe('pending');
    const again = decide(first, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'approve' }, at(2));
    expect(again).toMatchObject({ ok: false, refusal: { code: 'E_SOD', reason: 'same_person' } });
  });

  it('refund > 1,000: finance + a second finance approves', () => {
    const a = opened('refund', { amount: 1500 });
    const first = ok(decide(a, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'approve' }, at(1)));
    const second = ok(decide(first, { actorId: 'fin-2', actorRoles: ['finance'], decision: 'approve' }, at(2)));
    expect(second.status).toBe('approved');
    expect(second.decisions.map((d) => d.actorId)).toEqual(['fin-1', 'fin-2']);
  });

  it('refund > 1,000: ops manager + finance approves, in either order', () => {
    const a = opened('refund', { amount: 1500 });
    const first = ok(decide(a, { actorId: 'ops-1', actorRoles: ['operations_manager'], decision: 'approve' }, at(1)));
    expect(first.status).toBe('pending');
    expect(ok(decide(first, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'approve' }, at(2))).status).toBe('approved');
  });

  it('refund > 1,000: two ops managers are not enough — finance must be one of them', () => {
    const a = opened('refund', { amount: 1500 });
    const first = ok(decide(a, { actorId: 'ops-1', actorRoles: ['operations_manager'], decision: 'approve' }, at(1)));
    const r = decide(first, { actorId: 'ops-2', actorRoles: ['operations_manager'], decision: 'approve' }, at(2));
    expect(r).toMatchObject({ ok: false, refusal: { code: 'E_ROLE', reason: 'required_role_missing', acceptedRoles: ['finance'] } });
  });

  it('a person holding finance and ops manager fills the finance requirement first', () => {
    const a = opened('refund', { amount: 1500 });
    const first = ok(decide(a, { actorId: 'both', actorRoles: ['operations_manager', 'finance'], decision: 'approve' }, at(1)));
    expect(first.decisions[0]!.actingRole).toBe('finance');
    expect(ok(decide(first, { actorId: 'ops-1', actorRoles: ['operations_manager'], decision: 'approve' }, at(2))).status).toBe('approved');
  });

  it('write-off: two inventory controllers are refused — two different roles are required', () => {
    const a = opened('writeoff', { value: 900, usualAdjustmentValue: 100 });
    const first = ok(decide(a, { actorId: 'ic-1', actorRoles: ['inventory_control'], decision: 'approve' }, at(1)));
    const r = decide(first, { actorId: 'ic-2', actorRoles: ['inventory_control'], decision: 'approve' }, at(2));
    expect(r).toMatchObject({ ok: false, refusal: { code: 'E_SOD', reason: 'distinct_roles' } });
  });

  it('write-off: inventory control + finance, two people, approves', () => {
    const a = opened('writeoff', { value: 900, usualAdjustmentValue: 100 });
    const first = ok(decide(a, { actorId: 'ic-1', actorRoles: ['inventory_control'], decision: 'approve' }, at(1)));
    const second = ok(decide(first, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'approve' }, at(2)));
    expect(second.status).toBe('approved');
    expect(second.decisions.map((d) => d.actingRole)).toEqual(['inventory_control', 'finance']);
  });

  it('write-off: one person holding both roles cannot be both halves', () => {
    const a = opened('writeoff', { value: 900, usualAdjustmentValue: 100 });
    const first = ok(decide(a, { actorId: 'x', actorRoles: ['inventory_control', 'finance'], decision: 'approve' }, at(1)));
    expect(first.status).toBe('pending');
    const r = decide(first, { actorId: 'x', actorRoles: ['inventory_control', 'finance'], decision: 'approve' }, at(2));
    expect(r).toMatchObject({ ok: false, refusal: { code: 'E_SOD', reason: 'same_person' } });
  });

  it('one authorised reject ends a dual approval', () => {
    const a = opened('writeoff', { value: 900, usualAdjustmentValue: 100 });
    const first = ok(decide(a, { actorId: 'ic-1', actorRoles: ['inventory_control'], decision: 'approve' }, at(1)));
    const rejected = ok(decide(first, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'reject', comment: 'count again' }, at(2)));
    expect(rejected.status).toBe('rejected');
  });
});

describe('decide: roles and finality', () => {
  it('refuses an actor without the role of the current level', () => {
    const a = opened('refund', { amount: 300 });
    const r = decide(a, { actorId: 'agent-1', actorRoles: ['service_agent'], decision: 'approve' }, at(1));
    expect(r).toMatchObject({ ok: false, refusal: { code: 'E_ROLE', reason: 'role_missing', acceptedRoles: ['finance'] } });
  });

  it('admin is not a super-approver', () => {
    const a = opened('refund', { amount: 300 });
    expect(decide(a, { actorId: 'root', actorRoles: ['admin'], decision: 'approve' }, at(1))).toMatchObject({ ok: false, refusal: { code: 'E_ROLE' } });
  });

  it('refuses a decision on an approval already decided', () => {
    const a = opened('refund', { amount: 300 });
    const done = ok(decide(a, { actorId: 'fin-1', actorRoles: ['finance'], decision: 'reject' }, at(1)));
    const r = decide(done, { actorId: 'fin-2', actorRoles: ['finance'], decision: 'approve' }, at(2));
    expect(r).toMatchObject({ ok: false, refusal: { code: 'E_ALREADY_DECIDED', status: 'rejected' } });
  });
});
