import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';

/**
 * The supplier's answer to a warranty claim (SPEC §5: defective from a supplier under warranty →
 * supplier claim): accepted with a credit, or rejected with a reason. Sent by a supplier integration
 * (through /v1/events) or recorded by a person (`POST /v1/supplier-claims/{id}/answer`). The route's
 * body is this without the claim id (it is in the path), so what is validated and documented is the same.
 */
const accepted = z.object({
  outcome: z.literal('accepted').describe('The supplier accepted the claim: the case closes and the credit goes to the books.'),
  creditAmount: z.number().positive().max(1e9).describe('What the supplier credits, in the claim\'s currency: more than 0, at most the claim\'s amount (required when accepted).'),
  creditNoteRef: z.string().trim().min(1).max(200).optional().describe('The supplier\'s credit note number.'),
  reason: z.string().trim().max(2000).optional().describe('A note for the audit trail.'),
  answeredAt: z.iso.datetime({ offset: true }).optional().describe('When the supplier answered; defaults to when it was recorded.'),
}).strict();
const rejected = z.object({
  outcome: z.literal('rejected').describe('The supplier refused the claim: the case stays claimed and a person decides what the customer gets (exception queue supplier_claim).'),
  reason: z.string().trim().min(1).max(2000).describe('Why the supplier refused (required when rejected).'),
  creditNoteRef: z.string().trim().max(200).optional(),
  answeredAt: z.iso.datetime({ offset: true }).optional(),
}).strict();
export const claimAnswerBody = z.discriminatedUnion('outcome', [accepted, rejected]);
export type ClaimAnswer = z.infer<typeof claimAnswerBody>;

const claimId = z.string().min(1).max(100);

export const supplierClaimAnswered = defineEvent({
  type: 'supplier.claim_answered',
  schemaVersion: 1,
  origin: 'inbound',
  description: 'A supplier answered a warranty claim: accepted with a credit (the case closes, the credit goes to the books) or rejected with a reason (a person decides what the customer gets).',
  payload: z.discriminatedUnion('outcome', [accepted.extend({ claimId }), rejected.extend({ claimId })]),
  subject: (p) => `supplier-claim:${p.claimId}`,
});
export type SupplierClaimAnsweredPayload = z.infer<typeof supplierClaimAnswered.payload>;

const cents = (x: number) => Math.round(x * 100);

/** Whether an answer is the one already recorded (a resend: changes nothing), compared on what the supplier said, not when it arrived. */
export function sameAnswer(a: { outcome: string; creditAmount?: number; creditNoteRef?: string; reason?: string }, b: { outcome: string; creditAmount?: number; creditNoteRef?: string; reason?: string }): boolean {
  return a.outcome === b.outcome
    && (a.creditAmount === undefined ? b.creditAmount === undefined : b.creditAmount !== undefined && cents(a.creditAmount) === cents(b.creditAmount))
    && (a.creditNoteRef ?? '') === (b.creditNoteRef ?? '')
    && (a.reason ?? '') === (b.reason ?? '');
}

/** A credit above what was claimed is refused: the claim's amount is what the customer's case was worth, and the books would show more credited than lost. */
export const creditAboveClaim = (creditAmount: number, claimAmount: number): boolean => cents(creditAmount) > cents(claimAmount);
