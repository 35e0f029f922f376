import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { DomainError } from '../../domain/errors.js';
import { OWED_SETTLERS, owedFigures, owedItemState, settleOwedItem, type OwedItem } from '../../domain/returns/owed-settled.js';
import { owedSettlementBody } from '../../domain/returns/events.js';
import { returnCaseById, type ReturnCaseRecord } from '../../store/repos/returns.js';
import { keyedSourceEventId, runCommand } from '../command.js';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

const owedItemSchema = z.object({
  exceptionId: z.string().describe('The finance item (reconciliation queue) that told it: the item is named by it, in the settle route too.'),
  causeEventId: z.string().describe('The event that freed the room (its subject is return:<case>:owed:<this id>).'),
  toldAt: z.string().describe('When finance was told.'),
  payable: z.number().describe('What the item said can be paid: one payment.'),
  owedInAll: z.number().describe('What the case was owed in all when it was told.'),
  state: z.enum(['open', 'paid', 'not_paid', 'withdrawn']).describe('open: not answered yet (held); paid: finance paid it by hand (held: it went out); not_paid: finance decided not to pay it (released, no longer owed to the case); withdrawn: the refund was turned down (released; recorded paid afterwards, held again).'),
  reference: z.string().nullable().describe('The payment\'s reference, when paid.'),
  reason: z.string().nullable().describe('Why not paid, why withdrawn, or a note to a payment.'),
  settledBy: z.string().nullable(),
  settledAt: z.string().nullable(),
}).strict();

/**
 * `refundOwed` of `GET /v1/returns/{id}`: what finance was told the case is owed on top of its cut or
 * refused refund, item by item, and what became of each (src/domain/returns/owed-settled.ts). The
 * OpenAPI document carries it as `components.schemas.RefundOwed`.
 */
export const refundOwedSchema = z.object({
  told: z.number().describe('What finance was told in all, whatever became of it.'),
  held: z.number().describe('Counted as refunded in the order\'s room (leftToRefund.owedToCases): open and paid items.'),
  paid: z.number().describe('Of held, recorded paid by hand.'),
  waived: z.number().describe('What finance decided not to pay: released, and no longer owed to the case.'),
  withdrawn: z.number().describe('Released because the refund was turned down.'),
  currency: z.string(),
  items: z.array(owedItemSchema),
}).strict().nullable();

export type RefundOwedView = z.infer<typeof refundOwedSchema>;

function itemView(i: OwedItem): z.infer<typeof owedItemSchema> {
  return {
    exceptionId: i.exceptionId, causeEventId: i.eventId, toldAt: new Date(i.at).toISOString(), payable: i.payable, owedInAll: i.owed, state: owedItemState(i),
    reference: i.reference ?? null, reason: i.reason ?? null, settledBy: i.settledBy ?? null, settledAt: iso(i.settledAt),
  };
}

export function refundOwedView(c: ReturnCaseRecord): RefundOwedView {
  const t = c.doc.refundOwed;
  if (!t || t.items.length === 0) return null;
  return { told: t.told, ...owedFigures(t), currency: c.doc.currency, items: t.items.map(itemView) };
}

/** Whether the item can take this outcome now: throws the code the handler would refuse it with. */
function judge(c: ReturnCaseRecord, exceptionId: string, body: z.infer<typeof owedSettlementBody>): void {
  const r = settleOwedItem(c.doc.refundOwed, exceptionId, body, 'precheck', { now: 0, eventId: 'precheck' });
  if (!r.ok) throw new DomainError(r.code, `return case ${c.id}: ${r.message}`);
}

export function returnOwedRoutes(app: App): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST', url: '/v1/returns/{id}/owed/{exceptionId}/settle', tag: 'returns',
      summary: 'Finance records what became of a top-up it was told a return case is owed (an item of refundOwed, named by its finance item): paid by hand (reference: it stays counted as refunded on the order) or not paid (reason: the hold is released — later returns and the order\'s other cut or refused cases are weighed against it again — and the case is no longer owed it). The finance item is resolved with it. A retry with the same Idempotency-Key is answered as the first time.',
      access: OWED_SETTLERS,
      params: z.object({ id: z.string().min(1).max(100), exceptionId: z.string().min(1).max(100) }),
      body: owedSettlementBody,
      responses: {
        200: '{caseId, item (as recorded), refundOwed (the case\'s, components.schemas.RefundOwed), eventId}',
        202: '{status: pending, eventId}: taken in, not processed yet; read the case again',
        404: 'E_NOT_FOUND (no such case, or no such owed item on it)',
        409: 'E_INVALID_STATE (the item is settled already: paid and not paid are final; a withdrawn item can only be recorded paid) / E_IDEMPOTENCY_MISMATCH',
        422: 'E_SCHEMA (paid without reference, not paid without reason)',
      },
      async handler({ params, body, principal, req, reply }) {
        const me = principal!;
        const keyed = keyedSourceEventId(req, me);
        // A retry of a command already taken in goes to the intake as it is: it finds the first one by its key.
        const repeat = keyed ? await app.store.read.get<{ id: string }>(`SELECT id FROM events WHERE source = 'api' AND source_event_id = ?`, [keyed]) : undefined;
        const c = await returnCaseById(app.store.read, params.id);
        if (!c) throw new DomainError('E_NOT_FOUND', `no return case ${params.id}`);
        if (!c.doc.refundOwed?.items.some((i) => i.exceptionId === params.exceptionId)) throw new DomainError('E_NOT_FOUND', `return case ${c.id} has no owed item ${params.exceptionId}`);
        if (!repeat) judge(c, params.exceptionId, body);
        const r = await runCommand(app, req, me, 'refund.owed_settled', { caseId: c.id, exceptionId: params.exceptionId, ...body });
        const after = (await returnCaseById(app.store.read, c.id))!;
        const item = after.doc.refundOwed?.items.find((i) => i.exceptionId === params.exceptionId);
        if (item?.settledEventId !== r.eventId) {
          if (r.status === 'pending') {
            reply.code(202);
            return { status: 'pending', eventId: r.eventId };
          }
          // Judged again on the item as it is now: someone else settled it at the same moment.
          judge(after, params.exceptionId, body);
          throw new DomainError('E_CONFLICT', 'the outcome was not recorded', { detail: { eventId: r.eventId } });
        }
        return { caseId: c.id, item: itemView(item), refundOwed: refundOwedView(after), eventId: r.eventId };
      },
    }),
  ];
}
