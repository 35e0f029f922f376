import { z } from 'zod';
import type { RefundRoom } from '../../domain/returns/left-to-refund.js';
import type { PaymentOfOrder } from '../../engine/returns/order-payment.js';

/**
 * `leftToRefund` of `GET /v1/orders/{id}`: how much of the order can still be refunded, and from what.
 * It is the refund limit of returns (src/domain/returns/left-to-refund.ts) read for the order, so a
 * service or finance person sees the figure a return's refund would be weighed against. This schema is
 * the field's one description: the view is typed by it and the OpenAPI document carries it
 * (`components.schemas.LeftToRefund`).
 */
export const leftToRefundSchema = z.object({
  amount: z.number().nullable().describe('What may still be refunded, in the order\'s currency; never below zero. Null when a refund that counts is in another currency (see cannotWeigh).'),
  currency: z.string().describe('The order\'s currency: every sum here is in it.'),
  boundedBy: z.object({
    amount: z.number().describe('What all refunds of the order together may not exceed.'),
    by: z.enum(['captured', 'placed', 'payment_failed']).describe('captured: what the channel reported captured (captured.amount); placed: nothing captured with an amount yet, the amount the order was placed with; payment_failed: nothing came in (0).'),
  }).strict(),
  refunded: z.number().describe('What counts as refunded already: our refunds that count, what the channel refunded beyond ours, and what cases are owed on top (owedToCases).'),
  ours: z.array(z.object({
    refundId: z.string(),
    caseId: z.string().describe('The return case the refund is of.'),
    state: z.enum(['awaiting_approval', 'blocked', 'sent', 'settled', 'rejected']),
    amount: z.number(),
    currency: z.string(),
    counts: z.boolean().describe('False only for a refund turned down (rejected): it pays nothing. Awaiting approval, blocked, sent and settled count: each may still be paid.'),
    paidOutAtChannel: z.string().optional().describe('The channel refund that paid it out (its echo, tied by refund.settled channelRefundId): counted once, with this refund.'),
  }).strict()).describe('Our refunds of the order\'s returns, oldest first.'),
  atChannel: z.array(z.object({
    refundId: z.string(),
    amount: z.number().describe('What the channel told.'),
    currency: z.string(),
    counts: z.number().describe('What it counts beyond our refunds: a refund of the channel\'s own in full; an echo of ours what it paid out more than ours.'),
    echoOf: z.array(z.string()).optional().describe('Our refunds it paid out, when it is their echo and paid out more than they.'),
  }).strict()).describe('The channel\'s refunds (refundedAtChannel) that count beyond ours: its own, and an echo of ours only for what it paid out more. An echo of exactly ours counts nothing here: it is ours (see ours[].paidOutAtChannel).'),
  owedToCases: z.array(z.object({
    caseId: z.string(),
    amount: z.number().describe('What finance was told the case is owed on top of its refund and is still held for it, in the order\'s currency: paid by hand or not answered yet.'),
    paid: z.number().describe('Of amount, what finance recorded paid by hand (POST /v1/returns/{id}/owed/{exceptionId}/settle); the rest is not answered yet.'),
  }).strict()).describe('Return cases whose cut or refused refund finance was told to top up by hand, once the order\'s room to refund grew (GET /v1/returns/{id} refundOwed): counted as refunded whether paid or not answered yet, so no later return is weighed against that money. What finance recorded not paid, or a turned-down refund withdrew, is released and not listed.'),
  cannotWeigh: z.literal('currency_differs').optional().describe('A refund that counts is in another currency than the order: nothing can be said to be left, and a return\'s refund of the order goes to a person.'),
}).strict();

export type LeftToRefund = z.infer<typeof leftToRefundSchema>;

type OurRefund = { id: string; caseId: string; state: LeftToRefund['ours'][number]['state']; amount: number; currency: string };
type ChannelRefund = { refundId: string; amount: number; currency: string };

/** The order's `leftToRefund`, from the room the refund limit works out for it. */
export function leftToRefundView(payment: PaymentOfOrder, room: RefundRoom<OurRefund, ChannelRefund>): LeftToRefund {
  return {
    amount: room.currencyDiffers ? null : room.leftCents / 100,
    currency: room.currency,
    boundedBy: { amount: room.paidCents / 100, by: room.paymentFailed ? 'payment_failed' : payment.from },
    refunded: room.refundedCents / 100,
    ours: room.ours.map((o) => ({
      refundId: o.refund.id, caseId: o.refund.caseId, state: o.refund.state, amount: o.refund.amount, currency: o.refund.currency, counts: o.counts,
      ...(o.paidOutAtChannel !== undefined ? { paidOutAtChannel: o.paidOutAtChannel } : {}),
    })),
    atChannel: room.atChannel.filter((c) => !c.echoOf || c.countsCents > 0).map((c) => ({
      refundId: c.refund.refundId, amount: c.refund.amount, currency: c.refund.currency, counts: c.countsCents / 100,
      ...(c.echoOf ? { echoOf: c.echoOf.map((o) => o.id) } : {}),
    })),
    owedToCases: room.held.map((x) => ({ caseId: x.caseId, amount: x.amount, paid: x.paid ?? 0 })),
    ...(room.currencyDiffers ? { cannotWeigh: 'currency_differs' as const } : {}),
  };
}
