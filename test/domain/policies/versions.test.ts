import { describe, expect, it } from 'vitest';
import { fixedContext } from '../../../src/domain/decision-context.js';
import {
  DEFAULT_CHANGE_CONTROL as cc,
  activatePolicy,
  activePolicy,
  approveRollback,
  declineNewDefaults,
  draftPolicy,
  emptyPolicyDocument,
  requestRollback,
  reviewPolicy,
  takeBackDecline,
  type PolicyDocument,
  type PolicyResult,
} from '../../../src/domain/policies/versions.js';

type Body = { refundThreshold: number };
const T0 = Date.UTC(2024, 2, 1, 9);
const ctx = (m = 0) => fixedContext(T0 + m * 60_000);
const alice = { actorId: 'alice', actorRoles: ['operations_manager'] as const };
const bob = { actorId: 'bob', actorRoles: ['operations_manager'] as const };
const carol = { actorId: 'carol', actorRoles: ['finance'] as const };

const ok = <B>(r: PolicyResult<B>): PolicyDocument<B> => {
  if (!r.ok) throw new Error(`refused: ${r.refusal.code} ${r.refusal.message}`);
  return r.doc;
};

/** v1 active (alice wrote, bob approved), v2 active (bob wrote, alice approved): v1 superseded. */
function twoVersions(): PolicyDocument<Body> {
  let doc = emptyPolicyDocument<Body>('approvals');
  doc = ok(draftPolicy(doc, alice, { body: { refundThreshold: 200 }, note: 'initial' }, cc, ctx(0)));
  doc = ok(reviewPolicy(doc, 1, bob, { decision: 'approve' }, cc, ctx(1)));
  doc = ok(activatePolicy(doc, 1, alice, cc, ctx(2)));
  doc = ok(draftPolicy(doc, bob, { body: { refundThreshold: 300 }, note: 'raise' }, cc, ctx(3)));
  doc = ok(reviewPolicy(doc, 2, alice, { decision: 'approve' }, cc, ctx(4)));
  return ok(activatePolicy(doc, 2, bob, cc, ctx(5)));
}

describe('policy versions: four eyes', () => {
  it('draft → approved by a second person → active', () => {
    let doc = emptyPolicyDocument<Body>('approvals');
    doc = ok(draftPolicy(doc, alice, { body: { refundThreshold: 200 }, note: 'initial' }, cc, ctx(0)));
    expect(doc.versions[0]).toMatchObject({ version: 1, status: 'draft', authorId: 'alice', basedOn: null });
    expect(activePolicy(doc)).toBeNull();
    // not active before approval
    expect(activatePolicy(doc, 1, alice, cc, ctx(1))).toMatchObject({ ok: false, refusal: { code: 'E_INVALID_STATE' } });
    doc = ok(reviewPolicy(doc, 1, bob, { decision: 'approve', comment: 'lgtm' }, cc, ctx(1)));
    const activated = activatePolicy(doc, 1, alice, cc, ctx(2));
    doc = ok(activated);
    expect(activePolicy(doc)?.body).toEqual({ refundThreshold: 200 });
    expect(activated.ok && activated.events).toEqual([
      { type: 'policy.activated', kind: 'approvals', version: 1, previous: null, by: 'alice', approvedBy: 'bob', rollback: false, at: T0 + 120_000 },
    ]);
  });

  it('the author cannot approve their own version', () => {
    let doc = emptyPolicyDocument<Body>('approvals');
    doc = ok(draftPolicy(doc, alice, { body: { refundThreshold: 1 }, note: '' }, cc, ctx(0)));
    expect(reviewPolicy(doc, 1, alice, { decision: 'approve' }, cc, ctx(1))).toMatchObject({ ok: false, refusal: { code: 'E_SOD' } });
  });

  it('the reviewer needs an approver role; a decided draft cannot be reviewed again', () => {
    let doc = emptyPolicyDocument<Body>('approvals');
    expect(draftPolicy(doc, carol, { body: { refundThreshold: 1 }, note: '' }, cc, ctx(0))).toMatchObject({ ok: false, refusal: { code: 'E_ROLE' } });
    doc = ok(draftPolicy(doc, alice, { body: { refundThreshold: 1 }, note: '' }, cc, ctx(0)));
    expect(reviewPolicy(doc, 1, carol, { decision: 'approve' }, cc, ctx(1))).toMatchObject({ ok: false, refusal: { code: 'E_ROLE' } });
    doc = ok(reviewPolicy(doc, 1, bob, { decision: 'reject', comment: 'too low' }, cc, ctx(1)));
    expect(doc.versions[0]!.status).toBe('rejected');
    expect(reviewPolicy(doc, 1, bob, { decision: 'approve' }, cc, ctx(2))).toMatchObject({ ok: false, refusal: { code: 'E_ALREADY_DECIDED' } });
    expect(activatePolicy(doc, 1, alice, cc, ctx(2))).toMatchObject({ ok: false, refusal: { code: 'E_INVALID_STATE' } });
    expect(reviewPolicy(doc, 9, bob, { decision: 'approve' }, cc, ctx(2))).toMatchObject({ ok: false, refusal: { code: 'E_NOT_FOUND' } });
  });

  it('activating a new version supersedes the previous one; versions only grow', () => {
    const doc = twoVersions();
    expect(doc.activeVersion).toBe(2);
    expect(doc.versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'superseded'],
      [2, 'active'],
    ]);
    expect(doc.versions[1]!.basedOn).toBe(1);
  });
});

describe('policy rollback: activating an earlier version, also four eyes', () => {
  it('requester cannot approve their own rollback; a second person can', () => {
    let doc = twoVersions();
    doc = ok(requestRollback(doc, 1, alice, 'refund queue exploded', cc, ctx(10)));
    expect(doc.activeVersion).toBe(2);
    expect(approveRollback(doc, alice, cc, ctx(11))).toMatchObject({ ok: false, refusal: { code: 'E_SOD' } });
    expect(approveRollback(doc, carol, cc, ctx(11))).toMatchObject({ ok: false, refusal: { code: 'E_ROLE' } });
    const r = approveRollback(doc, bob, cc, ctx(12));
    doc = ok(r);
    expect(activePolicy(doc)?.body).toEqual({ refundThreshold: 200 });
    expect(doc.pendingRollback).toBeNull();
    expect(doc.versions.map((v) => v.status)).toEqual(['active', 'superseded']);
    expect(r.ok && r.events[0]).toMatchObject({ type: 'policy.activated', version: 1, previous: 2, by: 'alice', approvedBy: 'bob', rollback: true });
  });

  it('only a previously active version can be rolled back to, and only one rollback waits at a time', () => {
    let doc = twoVersions();
    expect(requestRollback(doc, 2, alice, 'x', cc, ctx(10))).toMatchObject({ ok: false, refusal: { code: 'E_INVALID_STATE' } });
    expect(activatePolicy(doc, 1, alice, cc, ctx(10))).toMatchObject({ ok: false, refusal: { code: 'E_INVALID_STATE' } });
    doc = ok(requestRollback(doc, 1, alice, 'x', cc, ctx(10)));
    expect(requestRollback(doc, 1, bob, 'y', cc, ctx(11))).toMatchObject({ ok: false, refusal: { code: 'E_CONFLICT' } });
    expect(approveRollback(emptyPolicyDocument('x'), bob, cc, ctx(11))).toMatchObject({ ok: false, refusal: { code: 'E_NOT_FOUND' } });
  });
});

describe('declining what newer defaults add', () => {
  const declined = [{ path: 'templates.promise_withdrawn', value: 'promise_date_withdrawn' }];

  it('by someone who may write drafts, alone (nothing is drafted): recorded against the active version; no version changes', () => {
    const doc = twoVersions();
    const r = declineNewDefaults(doc, alice, { declined, reason: 'the carrier tells them' }, cc, ctx(9));
    expect(r).toEqual({
      ok: true,
      doc,
      events: [{ type: 'policy.new_defaults_declined', kind: 'approvals', version: 2, declined, reason: 'the carrier tells them', by: 'alice', at: T0 + 9 * 60_000 }],
    });
  });

  it('refused to a role without draft rights, and with no active version', () => {
    expect(declineNewDefaults(twoVersions(), carol, { declined, reason: 'x' }, cc, ctx(9))).toMatchObject({ ok: false, refusal: { code: 'E_ROLE' } });
    expect(declineNewDefaults(emptyPolicyDocument('approvals'), alice, { declined, reason: 'x' }, cc, ctx(9))).toMatchObject({ ok: false, refusal: { code: 'E_INVALID_STATE' } });
  });
});

describe('taking back a decline of new defaults', () => {
  const undeclined = [{ path: 'templates.promise_withdrawn', value: 'promise_date_withdrawn' }];

  it('by someone who may write drafts, alone: recorded against the active version; no version changes', () => {
    const doc = twoVersions();
    const r = takeBackDecline(doc, bob, { undeclined, reason: 'customers asked for it' }, cc, ctx(12));
    expect(r).toEqual({
      ok: true,
      doc,
      events: [{ type: 'policy.new_defaults_undeclined', kind: 'approvals', version: 2, undeclined, reason: 'customers asked for it', by: 'bob', at: T0 + 12 * 60_000 }],
    });
  });

  it('refused to a role without draft rights, and with no active version', () => {
    expect(takeBackDecline(twoVersions(), carol, { undeclined, reason: 'x' }, cc, ctx(9))).toMatchObject({ ok: false, refusal: { code: 'E_ROLE' } });
    expect(takeBackDecline(emptyPolicyDocument('approvals'), alice, { undeclined, reason: 'x' }, cc, ctx(9))).toMatchObject({ ok: false, refusal: { code: 'E_INVALID_STATE' } });
  });
});
