import { createHash } from 'node:crypto';
import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { DomainError } from '../../domain/errors.js';
import { TICKET_CATEGORIES, type TicketCategory } from '../../domain/ai/labels.js';
import type { AiResult } from '../../domain/ai/port.js';
import { triage } from '../../domain/triage/triage.js';
import { findOrderReference } from '../../domain/triage/order-reference.js';
import type { ReplyFacts } from '../../domain/triage/reply.js';
import type { TicketOpenedPayload } from '../../domain/triage/events.js';
import type { AiRecord } from '../../domain/returns/events.js';
import { fulfilmentsOfOrder } from '../../store/repos/orders.js';
import { insertTicket, queueAiWork, refundOfCase, returnCasesOfOrder, saveTicket, ticketById, type TicketRecord } from '../../store/repos/returns.js';
import { policyVersionOf } from '../returns/case.js';
import { wasRefunded } from '../../domain/returns/case-closing.js';

export function ticketIdFor(source: string, externalTicketId: string): string {
  return `tkt_${createHash('sha256').update(`${source}\u0000${externalTicketId}`).digest('hex').slice(0, 24)}`;
}

function toResult(r: AiRecord): AiResult<TicketCategory> {
  if (r.status === 'answered' && r.label && (TICKET_CATEGORIES as readonly string[]).includes(r.label) && r.confidence !== undefined) {
    return { status: 'answered', label: r.label as TicketCategory, confidence: r.confidence, rationale: r.rationale ?? '', model: r.model, inputDigest: r.inputDigest };
  }
  return { status: 'unavailable', reason: r.reason ?? 'invalid_output', detail: r.detail ?? `answer ${r.label ?? '(none)'} is not a ticket category`, model: r.model, inputDigest: r.inputDigest };
}

const ORDER_COLS = 'id, source, external_order_id, state, customer_id, currency, promised_by_ms';
type OrderRow = { id: string; source: string; external_order_id: string; state: string; customer_id: string; currency: string; promised_by_ms: number | null };

/** The order a ticket is about: by the number the customer wrote (same channel first), else the customer's latest order. */
async function linkOrder(h: HandlerContext, t: TicketRecord, ref: string | null): Promise<{ order: OrderRow; how: string } | null> {
  if (ref) {
    const rows = await h.tx.all<OrderRow>(`SELECT ${ORDER_COLS} FROM orders WHERE external_order_id = ? OR id = ? ORDER BY placed_ms DESC LIMIT 10`, [ref, ref]);
    const best = rows.find((r) => r.source === t.source) ?? rows.find((r) => t.customerId !== null && r.customer_id === t.customerId) ?? rows[0];
    if (best) return { order: best, how: `order number ${ref} in the text` };
  }
  if (t.customerId) {
    const r = await h.tx.get<OrderRow>(`SELECT ${ORDER_COLS} FROM orders WHERE customer_id = ? ORDER BY placed_ms DESC, id LIMIT 1`, [t.customerId]);
    if (r) return { order: r, how: `latest order of customer ${t.customerId}` };
  }
  return null;
}

export function ticketHandlers(policies: PolicyBook): EventHandler[] {
  const opened: EventHandler = {
    type: 'ticket.opened',
    name: 'tickets.opened',
    async handle(h) {
      const p = h.event.payload as unknown as TicketOpenedPayload;
      const id = ticketIdFor(h.event.source, p.ticketId);
      if (await ticketById(h.tx, id)) return;
      const t: TicketRecord = {
        id, source: h.event.source, externalTicketId: p.ticketId, customerId: p.customerId ?? null, orderId: null, caseId: null, category: null, priority: null,
        state: 'open', createdMs: h.decision.now,
        doc: { text: p.text, subject: p.subject ?? null, email: p.email ?? null, previousContacts: p.previousContacts ?? 0, history: [{ at: h.decision.now, to: 'open', eventId: h.event.id }] },
      };
      await insertTicket(h.tx, t, new Date(h.decision.now).toISOString());
      await queueAiWork(h.tx, { id: h.decision.newId('ai-work'), task: 'triage_ticket', subjectRef: id, nowMs: h.decision.now });
      h.audit({ action: 'ticket.opened', subject: `ticket:${id}`, after: { state: 'open' } });
    },
  };

  const triaged: EventHandler = {
    type: 'ticket.triaged',
    name: 'tickets.triaged',
    async handle(h) {
      const p = h.event.payload as { ticketId: string; classification: AiRecord };
      const t = await ticketById(h.tx, p.ticketId);
      if (!t) throw new DomainError('E_NOT_FOUND', `no ticket ${p.ticketId}`);
      if (t.state !== 'open') return;
      const policy = await policies.get('triage', h.tx);
      const text = [t.doc.subject, t.doc.text].filter(Boolean).join('\n');
      const link = await linkOrder(h, t, findOrderReference(text, policy));
      const facts: ReplyFacts = {};
      let caseId: string | null = null;
      if (link) {
        const o = link.order;
        const fulfilments = await fulfilmentsOfOrder(h.tx, o.id);
        const shipped = fulfilments.find((f) => f.carrier);
        const cases = await returnCasesOfOrder(h.tx, o.id);
        const latest = cases[cases.length - 1];
        caseId = latest?.id ?? null;
        const refund = latest ? await refundOfCase(h.tx, latest.id) : undefined;
        Object.assign(facts, {
          orderRef: o.external_order_id,
          orderState: o.state,
          ...(shipped?.carrier ? { carrier: shipped.carrier } : {}),
          ...(shipped?.tracking ? { trackingNumber: shipped.tracking } : {}),
          ...(o.promised_by_ms != null ? { promiseDate: new Date(Number(o.promised_by_ms)).toISOString().slice(0, 10) } : {}),
          // A case closed once its refund was settled is answered as refunded ("your refund has been issued").
          ...(latest ? { caseState: wasRefunded(latest) ? 'refunded' : latest.state } : {}),
          ...(refund ? { refundAmount: refund.amount, currency: refund.currency } : {}),
          // No refund though one was due: finance has it (a reply of its own, not "how to return").
          ...(latest?.doc.refundRefused ? { refundRefused: true } : {}),
        });
      }
      const result = triage({ text, classification: toResult(p.classification), previousContacts: Number(t.doc.previousContacts ?? 0), facts }, policy);
      t.category = result.category;
      t.priority = result.priority;
      t.orderId = link?.order.id ?? null;
      t.customerId = t.customerId ?? link?.order.customer_id ?? null;
      t.caseId = caseId;
      t.state = 'triaged';
      // The suggested reply is a draft: nothing is sent from here (never when it promises money or a date).
      Object.assign(t.doc, { triage: result, classification: p.classification, link: link ? { orderId: link.order.id, how: link.how } : null, policyVersion: policyVersionOf(policy) });
      t.doc.history.push({ at: h.decision.now, to: 'triaged', eventId: h.event.id, note: `${result.category ?? 'unclassified'} / ${result.priority}` });
      await saveTicket(h.tx, t, new Date(h.decision.now).toISOString());
      h.audit({ action: 'ticket.triaged', subject: `ticket:${t.id}`, before: { state: 'open' }, after: { state: 'triaged', category: result.category, priority: result.priority, orderId: t.orderId }, detail: { model: result.model, inputDigest: result.inputDigest } });
    },
  };
  return [opened, triaged];
}

