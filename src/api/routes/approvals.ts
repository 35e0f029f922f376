import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import type { Principal } from '../auth.js';
import { DomainError } from '../../domain/errors.js';
import { sha256Hex } from '../../domain/canonical-json.js';
import { ROLES, type Role } from '../../domain/roles.js';
import { APPROVAL_SUBJECTS, decide, type Approval } from '../../domain/approvals/index.js';
import { discountRequested, priceChangeRequested, supplierSubstitutionProposed, writeoffRequested } from '../../domain/approvals/event-definitions.js';
import { approvalById, governedRequestById, queryApprovals, type GovernedRequest } from '../../store/repos/approvals.js';
import { governedRequestId, isSameGovernedRequest } from '../../engine/approvals/governed.js';
import { repeatedCommand, runCommand } from '../command.js';
import { getProduct } from '../../store/repos/masterdata.js';

/** Everyone who may be named as an approver decides through this API; the pure `decide` checks the level's roles. */
const DECIDERS: Role[] = ROLES.filter((r) => r !== 'auditor' && r !== 'integrator' && r !== 'admin');
const READERS: Role[] = [...DECIDERS, 'admin', 'auditor'];
const PRICING: Role[] = ['admin', 'operations_manager', 'category_manager'];
const WRITEOFF: Role[] = ['admin', 'operations_manager', 'inventory_control', 'store_manager', 'warehouse'];
const SOURCING: Role[] = ['admin', 'operations_manager', 'category_manager', 'procurement'];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function approvalView(a: Approval) {
  const level = a.levels[a.level];
  return {
    id: a.id, subject: a.subject, subjectRef: a.subjectRef, status: a.status, ruleId: a.ruleId, policyVersion: a.policyVersion,
    requestedBy: a.requestedBy, requestedAt: iso(a.requestedAt), facts: a.facts,
    level: a.level, escalated: a.level > 0, roles: level?.roles ?? [], approversNeeded: level?.approvers ?? 0, distinctRoles: level?.distinctRoles ?? false,
    deadlineAt: iso(a.levelDeadlineAt), levels: a.levels,
    decisions: a.decisions.map((d) => ({ ...d, at: iso(d.at) })),
    onExpiry: a.onExpiry, expiryOutcome: a.expiryOutcome, closedAt: iso(a.closedAt),
  };
}

function requestView(g: GovernedRequest) {
  return { id: g.id, kind: g.kind, state: g.state, approvalId: g.approvalId, requestedBy: g.requestedBy, createdAt: iso(g.createdMs), ...g.doc };
}

/** Paging cursor: `<requestedAt ms>.<id>` of the last item. */
// The time is at most 16 digits (a ms time; a longer one overflowed to 1e+23, which PostgreSQL refused as a bigint: a 500).
const cursor = z.string().max(200).regex(/^\d{1,16}\.[A-Za-z0-9-]+$/).optional();

/** What the four governed-request routes answer. */
const RAISED = { 200: 'the request and its approval (the same for an identical retry)', 404: 'E_NOT_FOUND (no such product)', 409: 'E_IDEMPOTENCY_MISMATCH (the request id or Idempotency-Key was used for a different request)', 422: 'E_SCHEMA' };

export function approvalRoutes(app: App): RouteSpec[] {

  /**
   * Raises a governed request through its inbound event and answers with the request and its approval.
   * Without a requestId in the body, one is derived from the caller and the `Idempotency-Key` (when
   * given), so an identical retry is the same command (a duplicate at intake) and gets the same answer;
   * a fresh random one would make every retry a different payload under the same key.
   */
  async function raise(req: FastifyRequest, principal: Principal, type: string, kind: GovernedRequest['kind'], body: Record<string, unknown>) {
    const key = req.headers['idempotency-key'];
    const requestId = (body.requestId as string | undefined)
      ?? (typeof key === 'string' && key ? `idem-${sha256Hex(`${principal.name}\n${key}`).slice(0, 40)}` : randomUUID());
    const asked = { ...body, requestId };
    const id = governedRequestId(kind, requestId);
    // A request id already taken by another request (other content, or another requester's) is
    // refused, never answered with that request: before sending (nothing is logged), and again after
    // (a concurrent request may have taken it meanwhile; the handler then recorded the refusal).
    const refuseIfTaken = (g: GovernedRequest | undefined): void => {
      if (g && !isSameGovernedRequest(g, principal.name, asked)) {
        throw new DomainError('E_IDEMPOTENCY_MISMATCH', `request id ${requestId} was already used for a different request`, { detail: { requestId } });
      }
    };
    refuseIfTaken(await governedRequestById(app.store.read, id));
    // Every kind is about a product the handler reads. On the event path it may still be on its way, so
    // the handler retries and then dead-letters; a caller here waited ~6 s for 409 E_INVALID_STATE and left a
    // dead event and a dead-letter exception item behind for a mistyped sku. Refused first: 404, nothing logged.
    if (!(await getProduct(app.store.read, String(body.sku)))) throw new DomainError('E_NOT_FOUND', `no product ${String(body.sku)}`);
    const r = await runCommand(app, req, principal, type, asked);
    const g = await governedRequestById(app.store.read, id);
    if (!g) return { requestId, state: 'pending', eventId: r.eventId };
    refuseIfTaken(g);
    const approval = g.approvalId ? await approvalById(app.store.read, g.approvalId) : undefined;
    return { request: requestView(g), approval: approval ? approvalView(approval) : null, eventId: r.eventId };
  }

  const withOptionalId = <T extends z.ZodObject>(s: T) => s.extend({ requestId: s.shape.requestId!.optional() }).strict();

  return [
    defineRoute({
      method: 'GET', url: '/v1/approvals', tag: 'approvals', summary: 'Approval requests, oldest first: by state, by the role that may decide now, by subject; paged by ?after=<cursor>.',
      access: READERS,
      query: z.object({
        state: z.enum(['pending', 'approved', 'rejected', 'expired', 'withdrawn']).optional(), role: z.enum(ROLES).optional(), subject: z.enum(APPROVAL_SUBJECTS).optional(),
        after: cursor, limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      async handler({ query }) {
        const after = query.after ? { ms: Number(query.after.slice(0, query.after.indexOf('.'))), id: query.after.slice(query.after.indexOf('.') + 1) } : undefined;
        const rows = await queryApprovals(app.store.read, { status: query.state, role: query.role, subject: query.subject, after, limit: query.limit });
        const last = rows[rows.length - 1];
        return { items: rows.map(approvalView), next: rows.length === query.limit && last ? `${last.requestedAt}.${last.id}` : null };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/approvals/{id}', tag: 'approvals', summary: 'One approval request with its levels, deadline and decisions.',
      access: READERS, params: z.object({ id: z.string().min(1).max(100) }), responses: { 200: 'approval', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        const a = await approvalById(app.store.read, params.id);
        if (!a) throw new DomainError('E_NOT_FOUND', `no approval ${params.id}`);
        return approvalView(a);
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/approvals/{id}/decision', tag: 'approvals', summary: 'Approve or reject (segregation of duties and the level’s roles apply).',
      access: DECIDERS, params: z.object({ id: z.string().min(1).max(100) }),
      body: z.object({ decision: z.enum(['approve', 'reject']), comment: z.string().max(2000).optional() }).strict(),
      responses: { 200: 'the approval after the decision', 403: 'E_SOD / E_ROLE', 404: 'E_NOT_FOUND', 409: 'E_ALREADY_DECIDED' },
      async handler({ params, body, principal, req }) {
        const me = principal!;
        const input = { actorId: me.name, actorRoles: [me.role], decision: body.decision, comment: body.comment ?? null };
        const refuseFrom = (a: Approval, count: boolean): void => {
          const r = decide(a, input, { now: app.clock(), newId: () => 'precheck' });
          if (r.ok) return;
          if (count && r.refusal.code === 'E_SOD') app.metrics.sodRefusals.inc({ subject: a.subject, reason: r.refusal.reason });
          throw new DomainError(r.refusal.code, r.refusal.message, { detail: { reason: r.refusal.reason, ...('acceptedRoles' in r.refusal ? { acceptedRoles: r.refusal.acceptedRoles } : {}) } });
        };
        const before = await approvalById(app.store.read, params.id);
        if (!before) throw new DomainError('E_NOT_FOUND', `no approval ${params.id}`);
        // The precise refusal code for the caller; the handler judges again on the row as it is then.
        // Not for a retry with the same Idempotency-Key: judged on the approval its first try decided, it
        // was refused 409 E_ALREADY_DECIDED instead of answered as the first time.
        if (!(await repeatedCommand(app, req, me))) refuseFrom(before, true);
        const r = await runCommand(app, req, me, 'approval.decision_submitted', { approvalId: params.id, decision: body.decision, ...(body.comment !== undefined ? { comment: body.comment } : {}) });
        const after = (await approvalById(app.store.read, params.id))!;
        if (after.decisions.some((d) => d.actorId === me.name)) return { ...approvalView(after), eventId: r.eventId };
        if (r.status === 'pending') throw new DomainError('E_UNAVAILABLE', 'the decision was accepted but not processed yet; read the approval again', { detail: { eventId: r.eventId } });
        // Another decision won the race (or the deadline passed): the same judgement, on the row that won.
        refuseFrom(after, false);
        throw new DomainError('E_CONFLICT', 'the decision was not recorded', { detail: { eventId: r.eventId } });
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/pricing/discounts', tag: 'approvals', summary: 'Ask for a discounted price (approval when the margin after it is below the policy floor).',
      access: PRICING, body: withOptionalId(discountRequested.payload), responses: RAISED,
      async handler({ body, principal, req }) { return raise(req, principal!, 'discount.requested', 'discount', body); },
    }),
    defineRoute({
      method: 'POST', url: '/v1/pricing/price-changes', tag: 'approvals', summary: 'Ask for a list price change (approval when the margin after it is below the policy floor).',
      access: PRICING, body: withOptionalId(priceChangeRequested.payload), responses: RAISED,
      async handler({ body, principal, req }) { return raise(req, principal!, 'price.change_requested', 'price_change', body); },
    }),
    defineRoute({
      method: 'POST', url: '/v1/stock/writeoffs', tag: 'approvals', summary: 'Ask to write stock off (dual approval above the policy value).',
      access: WRITEOFF, body: withOptionalId(writeoffRequested.payload), responses: RAISED,
      async handler({ body, principal, req }) { return raise(req, principal!, 'writeoff.requested', 'writeoff', body); },
    }),
    defineRoute({
      method: 'POST', url: '/v1/products/supplier-substitutions', tag: 'approvals', summary: 'Propose another supplier for a sku (category manager approval).',
      access: SOURCING, body: withOptionalId(supplierSubstitutionProposed.payload), responses: RAISED,
      async handler({ body, principal, req }) { return raise(req, principal!, 'supplier.substitution_proposed', 'supplier_substitution', body); },
    }),
  ];
}
