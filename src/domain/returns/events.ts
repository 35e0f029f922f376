import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';
import { RETURN_DISPOSITIONS, RETURN_REASON_CATEGORIES } from '../ai/labels.js';
import { ITEM_CONDITIONS } from './case-state.js';
import { CLOSABLE_STATES, CLOSING_REASONS } from './case-closing.js';

/**
 * Returns and refunds (SPEC §3). Inbound: the return request, the warehouse's receipt, the ERP's
 * settlement. Decided: the recorded AI answers (the model is asked outside any transaction and its
 * answer enters the log, so a replay reads it instead of asking again), the disposition and the refund.
 */
const decided = { schemaVersion: 1, origin: 'decided' } as const;
const byCase = (p: { caseId: string }) => `return:${p.caseId}`;

export const returnRequested = defineEvent({
  type: 'return.requested',
  schemaVersion: 1,
  origin: 'inbound',
  description: 'A customer asked to return lines of an order (any channel, marketplaces included).',
  payload: z
    .object({
      /** The channel's own return reference; a resend with the same reference is the same case. */
      externalReturnId: z.string().min(1).max(200).optional(),
      /** The order's channel when it differs from the sender (a service desk returning a web order). */
      channel: z.string().min(1).max(64).optional(),
      externalOrderId: z.string().min(1).max(200).optional(),
      orderId: z.string().min(1).max(100).optional(),
      lines: z.array(z.object({ lineId: z.string().min(1).max(100), qty: z.number().int().positive().max(100_000) })).min(1).max(500),
      reason: z.string().max(5000),
      reasonCode: z.string().max(200).optional(),
    })
    .refine((p) => p.orderId !== undefined || p.externalOrderId !== undefined, { message: 'orderId or externalOrderId is required', path: ['externalOrderId'] }),
  subject: (p, meta) => (p.orderId ? `order-id:${p.orderId}` : `order:${p.channel ?? meta.source}:${p.externalOrderId}`),
});

export const returnReceived = defineEvent({
  type: 'return.received',
  schemaVersion: 1,
  origin: 'inbound',
  description: 'The warehouse received returned items and recorded their condition.',
  payload: z
    .object({
      caseId: z.string().min(1).max(100),
      lines: z.array(z.object({ lineId: z.string().min(1).max(100), condition: z.enum(ITEM_CONDITIONS) })).min(1).max(500),
      /** Where the items were received; defaults to the location each line shipped from. */
      locationId: z.string().min(1).max(64).optional(),
    })
    .superRefine((p, ctx) => {
      // A line scanned twice is one receipt; scanned with two conditions, nobody knows whether it goes
      // back on the shelf: refused rather than the last scan silently winning.
      const seen = new Map<string, string>();
      p.lines.forEach((l, i) => {
        const before = seen.get(l.lineId);
        if (before !== undefined && before !== l.condition) ctx.addIssue({ code: 'custom', path: ['lines', i, 'condition'], message: `line ${l.lineId} is also reported ${before}` });
        seen.set(l.lineId, l.condition);
      });
    }),
  subject: byCase,
});

export const refundSettled = defineEvent({
  type: 'refund.settled',
  schemaVersion: 1,
  origin: 'inbound',
  description: 'The ERP or payment provider paid the refund out.',
  payload: z.object({
    refundId: z.string().min(1).max(100),
    /** What the payment side names the payment by (free text: an ERP's number, a bank reference). */
    reference: z.string().max(200).optional(),
    /**
     * Paid out through the channel: the channel's id of that refund (Shopify: the refund transaction's
     * id). The channel tells that refund back (`payment.refunded` with this `refundId`): it is this
     * money, counted once (src/domain/returns/refund-echoes.ts).
     */
    channelRefundId: z.string().min(1).max(200).optional(),
  }),
  subject: (p) => `refund:${p.refundId}`,
});

/**
 * What finance records about a top-up it was told a return case is owed (owed-settled.ts): paid by hand,
 * with the payment's reference, or not paid, with finance's reason. The route's body is this without
 * the case and item (they are in its path), so what is validated and documented is the same.
 */
const owedPaid = z.object({
  outcome: z.literal('paid').describe('Finance paid it by hand: it stays counted as refunded on the order.'),
  reference: z.string().trim().min(1).max(200).describe('What the payment is named by (a bank or PSP reference): required when paid.'),
  reason: z.string().trim().max(2000).optional().describe('A note for the audit trail.'),
}).strict();
const owedNotPaid = z.object({
  outcome: z.literal('not_paid').describe('Finance decided not to top it up: the hold is released (the order\'s room to refund grows by it) and the case is no longer owed it.'),
  reason: z.string().trim().min(1).max(2000).describe('Why not (kept on the item, the finance item\'s resolution and the audit trail): required when not paid.'),
  reference: z.string().trim().max(200).optional(),
}).strict();
export const owedSettlementBody = z.discriminatedUnion('outcome', [owedPaid, owedNotPaid]);

export const refundOwedSettled = defineEvent({
  type: 'refund.owed_settled',
  schemaVersion: 1,
  origin: 'inbound',
  description: 'Finance recorded what became of a top-up it was told a return case is owed: paid by hand (reference) or not paid (reason). From the API (POST /v1/returns/{id}/owed/{exceptionId}/settle); the actor and role come from the envelope.',
  payload: z.discriminatedUnion('outcome', [
    owedPaid.extend({ caseId: z.string().min(1).max(100), exceptionId: z.string().min(1).max(100) }),
    owedNotPaid.extend({ caseId: z.string().min(1).max(100), exceptionId: z.string().min(1).max(100) }),
  ]),
  subject: byCase,
});

/** One stored AI answer (or why there is none): enough to explain it later and to replay without asking again. */
export const aiRecordSchema = z.object({
  status: z.enum(['answered', 'unavailable']),
  label: z.string().optional(),
  confidence: z.number().min(0).max(1).optional(),
  rationale: z.string().optional(),
  reason: z.enum(['timeout', 'invalid_output', 'error']).optional(),
  detail: z.string().optional(),
  model: z.object({ id: z.string(), version: z.string() }),
  inputDigest: z.string(),
  promptVersion: z.string().optional(),
  raw: z.unknown().optional(),
  /** Set when the configured provider failed and the built-in classifier answered instead. */
  fallbackFrom: z.object({ reason: z.string(), detail: z.string(), model: z.object({ id: z.string(), version: z.string() }) }).optional(),
});
export type AiRecord = z.infer<typeof aiRecordSchema>;

export const returnCaseFactsSchema = z.object({
  reasonText: z.string(),
  category: z.enum(RETURN_REASON_CATEGORIES),
  returnValue: z.number(),
  deliveredAt: z.number().nullable(),
  requestedAt: z.number(),
  replacementInStock: z.boolean(),
  supplierWarrantyActive: z.boolean(),
  customerOrderCount: z.number().int(),
  customerReturnCount: z.number().int(),
  customerAccountAgeDays: z.number(),
});

export const returnClassified = defineEvent({
  ...decided,
  type: 'return.classified',
  description: 'The reason was classified and a disposition recommended (AI answers as recorded, or why there were none).',
  payload: z.object({ caseId: z.string(), classification: aiRecordSchema, recommendation: aiRecordSchema, facts: returnCaseFactsSchema }),
  subject: byCase,
});

export const returnDispositionDecided = defineEvent({
  ...decided,
  type: 'return.disposition_decided',
  description: 'Which disposition applies, decided by the AI or the rules, and why.',
  payload: z.object({
    caseId: z.string(),
    disposition: z.enum(RETURN_DISPOSITIONS),
    decidedBy: z.enum(['ai', 'rules']),
    why: z.string(),
    confidence: z.number(),
    rationale: z.string(),
    needsApproval: z.boolean(),
    approvalReasons: z.array(z.string()),
    rule: z.string(),
    policyVersion: z.string(),
  }),
  subject: byCase,
});

export const returnClosed = defineEvent({
  ...decided,
  type: 'return.closed',
  description: 'A refunded, replaced or claimed return case has nothing left to do and closes (src/domain/returns/case-closing.ts says when).',
  payload: z.object({
    caseId: z.string(),
    /** The state it closes from: a case found in another state is not closed by this event. */
    from: z.enum(CLOSABLE_STATES),
    reason: z.enum(CLOSING_REASONS),
    why: z.string(),
  }),
  subject: byCase,
});

/**
 * A person closes a case whose work will not finish by itself (a cut refund nobody will make whole, a
 * replacement that will not ship, a claim the supplier answered early): refunded, replaced or claimed
 * only (docs/ai.md, "Closing a case by hand").
 */
export const returnCloseRequested = defineEvent({
  type: 'return.close_requested',
  schemaVersion: 1,
  origin: 'inbound',
  description: 'A person closes a refunded, replaced or claimed return case by hand, saying why.',
  payload: z.object({
    caseId: z.string().min(1).max(100),
    reason: z.string().trim().min(1).max(500),
  }),
  subject: byCase,
});

export const refundRequested = defineEvent({
  ...decided,
  type: 'refund.requested',
  description: 'A refund was approved (or needed no approval) and sent to the ERP.',
  payload: z.object({
    refundId: z.string(),
    caseId: z.string(),
    orderId: z.string(),
    /**
     * The order as its channel knows it (its source and external id): what a payment side paying the
     * refund out through the channel needs (docs/n8n.md, "Paying a refund out through Shopify").
     * Absent on refunds sent before they were added.
     */
    channel: z.string().optional(),
    externalOrderId: z.string().optional(),
    amount: z.number(),
    currency: z.string(),
    /**
     * A shop selling in several currencies: the refund in the customer's currency, at the order's own
     * rate, rounded down (src/domain/orders/presentment.ts) — what to refund through the channel.
     */
    presentment: z.object({ currency: z.string(), amount: z.number() }).optional(),
    lines: z.array(z.object({ lineId: z.string(), qty: z.number().int(), amount: z.number() })),
  }),
  subject: (p) => `refund:${p.refundId}`,
});

export const returnEventDefinitions = [returnRequested, returnReceived, refundSettled, refundOwedSettled, returnClassified, returnDispositionDecided, refundRequested, returnClosed, returnCloseRequested];
export type ReturnCloseRequestedPayload = z.infer<typeof returnCloseRequested.payload>;
export type ReturnClosedPayload = z.infer<typeof returnClosed.payload>;

export type ReturnRequestedPayload = z.infer<typeof returnRequested.payload>;
export type ReturnReceivedPayload = z.infer<typeof returnReceived.payload>;
export type RefundOwedSettledPayload = z.infer<typeof refundOwedSettled.payload>;
export type ReturnClassifiedPayload = z.infer<typeof returnClassified.payload>;
export type ReturnDispositionDecidedPayload = z.infer<typeof returnDispositionDecided.payload>;
