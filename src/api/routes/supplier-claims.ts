import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { DomainError } from '../../domain/errors.js';
import type { Role } from '../../domain/roles.js';
import { claimAnswerBody, creditAboveClaim, sameAnswer } from '../../domain/returns/claim-answer.js';
import { querySupplierClaims, returnCasesByIds, supplierClaimById, type ReturnCaseRecord, type SupplierClaimRecord } from '../../store/repos/returns.js';
import { repeatedCommand, runCommand } from '../command.js';
import { beforeCursorSchema, nextCursor, parseCursor } from '../page-cursor.js';

/** Who reads claims: who reads return cases, plus purchasing (it deals with the supplier) and category managers (they answer for the range). */
const CLAIM_READERS: Role[] = ['admin', 'operations_manager', 'finance', 'service_agent', 'warehouse', 'auditor', 'store_manager', 'regional_ops', 'procurement', 'category_manager'];
/** Who records a supplier's answer: those who deal with the supplier or its money. */
export const CLAIM_ANSWERERS: Role[] = ['admin', 'procurement', 'finance', 'category_manager'];
export const CLAIM_STATES = ['open', 'accepted', 'rejected'] as const;

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** A claim as people read it: what was claimed from whom, its state, and the supplier's answer. */
export function claimView(c: SupplierClaimRecord) {
  const a = c.doc.answer;
  return {
    id: c.id,
    caseId: c.caseId,
    supplierId: c.supplierId,
    amount: c.amount,
    state: c.state,
    createdAt: iso(c.createdMs),
    lines: (c.doc.lines as unknown[] | undefined) ?? [],
    answer: a ? { outcome: a.outcome, creditAmount: a.creditAmount ?? null, creditNoteRef: a.creditNoteRef ?? null, reason: a.reason ?? null, answeredAt: iso(a.answeredAt), recordedAt: iso(a.recordedAt), by: a.by, eventId: a.eventId } : null,
  };
}

/**
 * A claim as the claims' own routes answer it: the claim plus what a buyer needs from its case to judge
 * the supplier's answer — the currency of the amounts, and why the customer returned it. The claim has
 * no currency of its own (it is the case's), and buyers (procurement, category managers) cannot read
 * the case. The case's own view does not need these: it carries them itself.
 */
export function claimForBuyer(c: SupplierClaimRecord, kase: ReturnCaseRecord | undefined) {
  return {
    ...claimView(c),
    orderId: kase?.orderId ?? (typeof c.doc.orderId === 'string' ? c.doc.orderId : null),
    currency: kase?.doc.currency ?? null,
    // What went to the supplier with the claim (its document keeps the case's reason as it was then).
    reason: (typeof c.doc.reason === 'string' ? c.doc.reason : kase?.doc.reason) ?? null,
    reasonCode: kase?.doc.reasonCode ?? null,
  };
}

/** Reads the claims' cases in one statement, outside any transaction (no row lock). */
async function withCases(app: App, claims: SupplierClaimRecord[]) {
  const cases = await returnCasesByIds(app.store.read, claims.map((c) => c.caseId));
  return claims.map((c) => claimForBuyer(c, cases.get(c.caseId)));
}

export function supplierClaimRoutes(app: App): RouteSpec[] {
  const params = z.object({ id: z.string().min(1).max(100) });
  return [
    defineRoute({
      method: 'GET', url: '/v1/supplier-claims', tag: 'returns', summary: 'Warranty claims against suppliers, newest first, by state and supplier; paged by ?before=<next of the previous page>. Each claim with its case\'s order, currency and return reason.',
      access: CLAIM_READERS,
      query: z.object({ state: z.enum(CLAIM_STATES).optional(), supplier: z.string().min(1).max(100).optional(), before: beforeCursorSchema, limit: z.coerce.number().int().min(1).max(500).default(50) }),
      async handler({ query }) {
        const before = parseCursor(query.before);
        const rows = await querySupplierClaims(app.store.read, { state: query.state, supplierId: query.supplier, beforeMs: before?.ms, beforeId: before?.id, limit: query.limit });
        return { items: await withCases(app, rows), next: nextCursor(rows, query.limit, (c) => ({ ms: c.createdMs, id: c.id })) };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/supplier-claims/{id}', tag: 'returns', summary: 'One warranty claim: supplier, amount, state, the claimed lines, the case\'s order, currency and return reason, and the supplier\'s answer.',
      access: CLAIM_READERS, params, responses: { 200: 'the claim', 404: 'E_NOT_FOUND' },
      async handler({ params: p }) {
        const c = await supplierClaimById(app.store.read, p.id);
        if (!c) throw new DomainError('E_NOT_FOUND', `no supplier claim ${p.id}`);
        return (await withCases(app, [c]))[0];
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/supplier-claims/{id}/answer', tag: 'returns',
      summary: 'Record the supplier\'s answer to a warranty claim: accepted with a credit (the case closes, the credit goes to the ERP) or rejected with a reason (a person decides what the customer gets).',
      access: CLAIM_ANSWERERS, params, body: claimAnswerBody,
      responses: { 200: 'the claim, answered', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (already answered otherwise)', 422: 'E_SCHEMA (accepted without a credit or above the claim, rejected without a reason)' },
      async handler({ params: p, body, principal, req }) {
        const c = await supplierClaimById(app.store.read, p.id);
        if (!c) throw new DomainError('E_NOT_FOUND', `no supplier claim ${p.id}`);
        if (body.outcome === 'accepted' && creditAboveClaim(body.creditAmount, c.amount)) {
          throw new DomainError('E_SCHEMA', `credit ${body.creditAmount} is above the claim's ${c.amount}`, { issues: [{ path: 'creditAmount', message: `at most ${c.amount}` }] });
        }
        // The same answer again is taken (the handler records it as ignored); another one is refused. A
        // retry with the same Idempotency-Key is answered as its first try.
        const said = { outcome: body.outcome, ...(body.outcome === 'accepted' ? { creditAmount: body.creditAmount } : {}), ...(body.creditNoteRef ? { creditNoteRef: body.creditNoteRef } : {}), ...(body.reason ? { reason: body.reason } : {}) };
        if (c.state !== 'open' && !(c.doc.answer && sameAnswer(c.doc.answer, said)) && !(await repeatedCommand(app, req, principal!))) {
          throw new DomainError('E_INVALID_STATE', `supplier claim ${c.id} is already ${c.state}: another answer is refused`);
        }
        const r = await runCommand(app, req, principal!, 'supplier.claim_answered', { claimId: c.id, ...body });
        return { ...(await withCases(app, [(await supplierClaimById(app.store.read, c.id))!]))[0], eventId: r.eventId };
      },
    }),
  ];
}
