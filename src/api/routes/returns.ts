import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { DomainError } from '../../domain/errors.js';
import type { Role } from '../../domain/roles.js';
import { RETURN_CASE_STATES, ITEM_CONDITIONS } from '../../domain/returns/case-state.js';
import { TICKET_CATEGORIES, TICKET_PRIORITIES } from '../../domain/ai/labels.js';
import { ANOMALY_KINDS } from '../../domain/anomaly/events.js';
import { queryAnomalies, queryReturnCases, queryTickets, refundOfCase, returnCaseById, settlementReference, supplierClaimOfCase, ticketById, type ReturnCaseRecord, type TicketRecord } from '../../store/repos/returns.js';
import { eventsBySubject } from '../../store/repos/events.js';
import { getLocation } from '../../store/repos/masterdata.js';
import { caseSubject } from '../../engine/returns/case.js';
import { isClosable } from '../../domain/returns/case-closing.js';
import { refundsOwedOf } from '../../engine/returns/refund-owed.js';
import { orderById, orderRefsOf } from '../../store/repos/orders.js';
import { repeatedCommand, runCommand } from '../command.js';
import { beforeCursorSchema, nextCursor, parseCursor } from '../page-cursor.js';
import { refundOwedView, returnOwedRoutes } from './return-owed.js';
import { claimView, supplierClaimRoutes } from './supplier-claims.js';
import { closingOf, refusalItemOf, waitingForOf } from './return-ending.js';

const CASE_READERS: Role[] = ['admin', 'operations_manager', 'finance', 'service_agent', 'warehouse', 'auditor', 'store_manager', 'regional_ops'];
const RECEIVERS: Role[] = ['admin', 'warehouse', 'store_manager'];
/** Who may close a case by hand: those who answer for its money or its customer. */
const CLOSERS: Role[] = ['admin', 'operations_manager', 'finance', 'service_agent'];
const TICKET_READERS: Role[] = ['admin', 'operations_manager', 'service_agent', 'auditor'];
/** service_agent too: it owns the return-rate items anomalies open (src/policy/kinds/anomaly.ts, queue). */
const ANOMALY_READERS: Role[] = ['admin', 'operations_manager', 'finance', 'category_manager', 'fraud_review', 'auditor', 'inventory_control', 'service_agent'];

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** The case as everyone who works it reads it: state, lines, what the AI said, who decided and why, the refund. */
async function caseView(app: App, c: ReturnCaseRecord, withEvents: boolean) {
  const [refund, claim] = await Promise.all([refundOfCase(app.store.read, c.id), supplierClaimOfCase(app.store.read, c.id)]);
  const view: Record<string, unknown> = {
    id: c.id,
    state: c.state,
    orderId: c.orderId,
    order: c.doc.orderRef,
    customerId: c.customerId,
    externalReturnId: c.doc.externalReturnId,
    reason: c.doc.reason,
    reasonCode: c.doc.reasonCode,
    category: c.category,
    disposition: c.disposition,
    lines: c.doc.lines,
    value: c.doc.value,
    currency: c.doc.currency,
    deliveredAt: iso(c.doc.deliveredAt),
    requestedAt: iso(c.doc.requestedAt),
    problems: c.doc.problems ?? [],
    classification: c.doc.classification ?? null,
    recommendation: c.doc.recommendation ?? null,
    facts: c.doc.facts ?? null,
    decision: c.doc.decision ?? null,
    approvals: c.doc.approvals,
    refund: refund ? { id: refund.id, state: refund.state, amount: refund.amount, currency: refund.currency, approvalId: refund.approvalId, lines: refund.doc.lines, limitedBy: refund.doc.limitedBy ?? null, reference: settlementReference(refund.doc) ?? null, channelRefundId: refund.doc.channelRefundId ?? null, history: refund.doc.history.map((x) => ({ ...x, at: iso(x.at) })) } : null,
    // Why the case got no refund though it was due one (the order's payment was used up).
    refundRefused: c.doc.refundRefused ?? null,
    // What finance was told it is owed on top, item by item, and what became of each (paid, not paid, withdrawn).
    refundOwed: refundOwedView(c),
    replacementOrderId: c.doc.replacementOrderId ?? null,
    // The claim against the supplier, with its answer when the supplier gave one (supplier-claims.ts).
    supplierClaim: claim ? claimView(claim) : null,
    history: c.doc.history.map((x) => ({ ...x, at: iso(x.at) })),
  };
  if (withEvents) {
    view.refundOwedNow = await refundOwedNow(app, c);
    // Why a refused refund's case is still open (its finance item) and how a closed case ended (return-ending.ts).
    view.refusalItem = await refusalItemOf(app.store.read, c);
    view.closing = await closingOf(app.store.read, c);
    // Why an open case that closes by itself is still open (the closing rule's words, read-only).
    view.waitingFor = await waitingForOf(app.store.read, app.policies, c, app.clock());
    const events = await eventsBySubject(app.store.read, caseSubject(c.id), 500);
    view.events = events.map((e) => ({ id: e.id, type: e.type, source: e.source, status: e.status, receivedAt: e.receivedAt, causationId: e.causationId }));
  }
  return view;
}

/**
 * What the case's cut (or refused) refund is owed on top now that the order's room to refund grew,
 * worked out when read by the rule that tells finance (owed-after-room-freed.ts); null when nothing.
 * Only on the single case: a list would pay reads of the order's refunds and cases per case.
 */
async function refundOwedNow(app: App, c: ReturnCaseRecord) {
  const order = await orderById(app.store.read, c.orderId);
  if (!order) return null;
  const o = (await refundsOwedOf(app.store.read, order)).freed.owed.find((x) => x.caseId === c.id);
  if (!o) return null;
  return { amount: o.owed, currency: o.currency, of: o.of, refundId: o.refundId, asked: o.asked, refunded: o.refunded, short: o.short, toldFinance: c.doc.refundOwed?.told ?? 0 };
}

function ticketView(t: TicketRecord) {
  const triage = t.doc.triage as Record<string, unknown> | undefined;
  return {
    id: t.id,
    source: t.source,
    externalTicketId: t.externalTicketId,
    state: t.state,
    category: t.category,
    priority: t.priority,
    customerId: t.customerId,
    orderId: t.orderId,
    caseId: t.caseId,
    subject: t.doc.subject ?? null,
    text: t.doc.text,
    triage: triage ?? null,
    suggestedReply: triage?.reply ?? null,
    link: t.doc.link ?? null,
    openedAt: iso(t.createdMs),
    history: t.doc.history.map((x) => ({ ...x, at: iso(x.at) })),
  };
}

export function returnRoutes(app: App): RouteSpec[] {
  return [
    ...returnOwedRoutes(app),
    ...supplierClaimRoutes(app),
    defineRoute({
      method: 'GET', url: '/v1/returns/{id}', tag: 'returns', summary: 'One return case: state, lines, classification, disposition and who decided it, approvals, refund, what its cut or refused refund is owed now (refundOwedNow), a refused refund\'s finance item (refusalItem), why an open case is still open (waitingFor) and how a closed case ended (closing).',
      access: CASE_READERS, params: z.object({ id: z.string().min(1).max(100) }),
      responses: {
        200: 'return case; refundOwedNow is what its cut (or refused) refund may be paid on top, by hand, now that the order\'s room to refund grew — {amount, currency, of: cut_refund|refused_refund, refundId (null when refused), asked, refunded, short, toldFinance} — or null when nothing; refundOwed is what finance was told, item by item, and what became of each (components.schemas.RefundOwed; POST /v1/returns/{id}/owed/{exceptionId}/settle records it); refusalItem is a refused refund\'s finance item {id, state} (components.schemas.RefusalItem), null otherwise; closing is how a closed case ended {reason, why, from, at} (components.schemas.CaseClosing), null while it is open; waitingFor is why a refunded, replaced or claimed case is still open, in the closing rule\'s words (components.schemas.CaseWaitingFor), null when closed or in a state that does not close by itself',
        404: 'E_NOT_FOUND',
      },
      async handler({ params }) {
        const c = await returnCaseById(app.store.read, params.id);
        if (!c) throw new DomainError('E_NOT_FOUND', `no return case ${params.id}`);
        return caseView(app, c, true);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/returns', tag: 'returns', summary: 'Return cases, newest first, by state and order; paged by ?before=<next of the previous page> (or a requested time in ms).',
      access: CASE_READERS,
      query: z.object({ state: z.enum(RETURN_CASE_STATES).optional(), orderId: z.string().max(100).optional(), before: beforeCursorSchema, limit: z.coerce.number().int().min(1).max(500).default(50) }),
      async handler({ query }) {
        const before = parseCursor(query.before);
        const rows = await queryReturnCases(app.store.read, { state: query.state, orderId: query.orderId, beforeMs: before?.ms, beforeId: before?.id, limit: query.limit });
        return { items: await Promise.all(rows.map((c) => caseView(app, c, false))), next: nextCursor(rows, query.limit, (c) => ({ ms: c.createdMs, id: c.id })) };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/returns/{id}/receive', tag: 'returns', summary: 'The warehouse received returned items: condition per line; resellable items go back to stock.',
      access: RECEIVERS, params: z.object({ id: z.string().min(1).max(100) }),
      body: z.object({ lines: z.array(z.object({ lineId: z.string().min(1).max(100), condition: z.enum(ITEM_CONDITIONS) }).strict()).min(1).max(500), locationId: z.string().min(1).max(64).optional() }).strict(),
      responses: { 200: 'the case after receipt', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (not awaiting the item)', 422: 'E_SCHEMA (a line not on the case, an unknown location)' },
      async handler({ params, body, principal, req }) {
        const c = await returnCaseById(app.store.read, params.id);
        if (!c) throw new DomainError('E_NOT_FOUND', `no return case ${params.id}`);
        const unknown = body.lines.filter((l) => !c.doc.lines.some((x) => x.lineId === l.lineId));
        if (unknown.length > 0) throw new DomainError('E_SCHEMA', `line(s) ${unknown.map((l) => l.lineId).join(', ')} are not on return case ${c.id}`, { issues: unknown.map((l) => ({ path: 'lines.lineId', message: `${l.lineId} is not on the case` })) });
        if (body.locationId !== undefined && !(await getLocation(app.store.read, body.locationId))) {
          // A typo here would mark the goods restocked at a shelf that does not exist: refused before anything is recorded.
          throw new DomainError('E_SCHEMA', `location ${body.locationId} is not known`, { issues: [{ path: 'locationId', message: `no location ${body.locationId}` }] });
        }
        // Not for a retry with the same Idempotency-Key: judged on the case its first try received, it was
        // refused 409 instead of answered as the first time (the intake answers it: the same command, or a mismatch).
        if (c.state !== 'awaiting_item' && !(await repeatedCommand(app, req, principal!))) throw new DomainError('E_INVALID_STATE', `return case ${c.id} is ${c.state}, not awaiting the item`);
        const r = await runCommand(app, req, principal!, 'return.received', { caseId: c.id, ...body });
        return { ...(await caseView(app, (await returnCaseById(app.store.read, c.id))!, false)), eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/returns/{id}/close', tag: 'returns',
      summary: 'Close a refunded, replaced or claimed case by hand, saying why (its work will not finish by itself: a cut refund nobody will make whole, a replacement that will not ship, a claim answered early).',
      access: CLOSERS, params: z.object({ id: z.string().min(1).max(100) }),
      body: z.object({ reason: z.string().trim().min(1).max(500) }).strict(),
      responses: { 200: 'the case, closed', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (not refunded, replaced or claimed)', 422: 'E_SCHEMA (no reason)' },
      async handler({ params, body, principal, req }) {
        const c = await returnCaseById(app.store.read, params.id);
        if (!c) throw new DomainError('E_NOT_FOUND', `no return case ${params.id}`);
        // A retry with the same Idempotency-Key finds the case closed by its first try: answered as that.
        if (!isClosable(c.state) && !(await repeatedCommand(app, req, principal!))) {
          throw new DomainError('E_INVALID_STATE', `return case ${c.id} is ${c.state}: only a refunded, replaced or claimed case is closed by hand`);
        }
        const r = await runCommand(app, req, principal!, 'return.close_requested', { caseId: c.id, reason: body.reason });
        return { ...(await caseView(app, (await returnCaseById(app.store.read, c.id))!, false)), eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/tickets/{id}', tag: 'support', summary: 'One support ticket with its triage, linked order and case, and the suggested reply (a draft).',
      access: TICKET_READERS, params: z.object({ id: z.string().min(1).max(100) }), responses: { 200: 'ticket', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        const t = await ticketById(app.store.read, params.id);
        if (!t) throw new DomainError('E_NOT_FOUND', `no ticket ${params.id}`);
        return ticketView(t);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/tickets', tag: 'support', summary: 'Support tickets, newest first, by category and priority (the agent worklist).',
      access: TICKET_READERS,
      query: z.object({ category: z.enum(TICKET_CATEGORIES).optional(), priority: z.enum(TICKET_PRIORITIES).optional(), state: z.enum(['open', 'triaged']).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
      async handler({ query }) {
        return { items: (await queryTickets(app.store.read, query)).map(ticketView) };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/anomalies', tag: 'anomalies',
      summary: "Anomalies the scheduled scan found (demand, order velocity, value outliers, return rates), newest first (a scan's findings by score); paged by ?before=<next of the previous page>. An order's finding names the channel's order (`order`).",
      access: ANOMALY_READERS,
      query: z.object({ kind: z.enum(ANOMALY_KINDS).optional(), key: z.string().max(200).optional(), before: beforeCursorSchema, limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      async handler({ query }) {
        const cursor = parseCursor(query.before);
        const rows = await queryAnomalies(app.store.read, { kind: query.kind, key: query.key, limit: query.limit, beforeMs: cursor?.ms, beforeId: cursor?.id });
        // The channel's order number beside our id: what a fraud reviewer looks up in the shop's back office.
        const orderIds = [...new Set(rows.map((a) => (a.doc as { orderId?: unknown }).orderId).filter((x): x is string => typeof x === 'string'))];
        const refs = await orderRefsOf(app.store.read, orderIds);
        return {
          items: rows.map((a) => {
            const ref = refs.get(String((a.doc as { orderId?: unknown }).orderId));
            return { id: a.id, kind: a.kind, key: a.key, day: a.day, score: a.score, explanation: a.explanation, detectedAt: iso(a.detectedMs), detail: a.doc, ...(ref ? { order: ref } : {}) };
          }),
          next: nextCursor(rows, query.limit, (a) => ({ ms: a.detectedMs, id: a.id })),
        };
      },
    }),
  ];
}
