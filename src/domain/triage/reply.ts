import type { TicketCategory } from '../ai/labels.js';

/**
 * Suggested replies are templates filled from facts omniops knows (order and case state), never
 * free text from a model: an agent can send them as they are. A reply that would promise money or a
 * date needs a human to check it first, since the customer will hold us to it.
 */
export interface ReplyFacts {
  readonly customerName?: string;
  readonly orderRef?: string;
  /** Normalized order state (SPEC §4), e.g. `shipped`, `on_hold`. */
  readonly orderState?: string;
  /** Return case state (SPEC §4), e.g. `approved`, `refunded`. */
  readonly caseState?: string;
  readonly carrier?: string;
  readonly trackingNumber?: string;
  /** ISO date the order is promised for. */
  readonly promiseDate?: string;
  readonly refundAmount?: number;
  readonly currency?: string;
  /**
   * The case got no refund though it was due one (`refundRefused`: nothing was left of the order's
   * payment, or it could not be weighed): finance has it, so "your refund has been issued" would be untrue.
   */
  readonly refundRefused?: boolean;
}

type Promise_ = 'money' | 'date';

interface ReplyTemplate {
  readonly id: string;
  readonly category: TicketCategory | '*';
  readonly orderStates?: readonly string[];
  readonly caseStates?: readonly string[];
  /** Set: fits only a case whose refund was refused (true) or was not (false); absent: either. */
  readonly refundRefused?: boolean;
  readonly text: string;
  readonly promises: readonly Promise_[];
}

// First matching template wins: specific (category + state) before generic.
const TEMPLATES: readonly ReplyTemplate[] = [
  { id: 'order_status.shipped', category: 'order_status', orderStates: ['shipped'], text: 'Your order {orderRef} has shipped with {carrier}; tracking number {trackingNumber}.', promises: [] },
  { id: 'order_status.promised', category: 'order_status', orderStates: ['validated', 'allocated', 'in_fulfilment'], text: 'Your order {orderRef} is being prepared and is due to arrive by {promiseDate}.', promises: ['date'] },
  { id: 'order_status.on_hold', category: 'order_status', orderStates: ['on_hold'], text: 'Your order {orderRef} is on hold while we check a detail; we will contact you shortly.', promises: [] },
  { id: 'order_status.backordered', category: 'order_status', orderStates: ['backordered'], text: 'An item in your order {orderRef} is on backorder; we expect to ship it by {promiseDate}.', promises: ['date'] },
  { id: 'order_status.delivered', category: 'order_status', orderStates: ['delivered'], text: 'Our records show order {orderRef} as delivered. If you do not have it, reply and we will investigate with {carrier}.', promises: [] },
  { id: 'delivery_problem.investigate', category: 'delivery_problem', text: 'We are sorry about the delivery of order {orderRef}. We have opened an investigation with the carrier and will update you.', promises: [] },
  // A refused refund's case waits in `refunded` (no refund) until finance has answered, then closes: no
  // amount and no date is promised, finance decides what is paid.
  { id: 'return_refund.refused_with_finance', category: 'return_refund', caseStates: ['refunded'], refundRefused: true, text: 'We have your return for order {orderRef}. Your refund could not be paid out automatically, so our finance team is looking at it; we will contact you as soon as they have decided.', promises: [] },
  { id: 'return_refund.refused_decided', category: 'return_refund', caseStates: ['closed'], refundRefused: true, text: 'The refund for your return of order {orderRef} has been decided; a colleague will explain the outcome to you.', promises: [] },
  { id: 'return_refund.refunded', category: 'return_refund', caseStates: ['refunded'], text: 'Your refund of {refundAmount} {currency} for order {orderRef} has been issued; banks usually show it within a few working days.', promises: ['money'] },
  { id: 'return_refund.approved', category: 'return_refund', caseStates: ['approved', 'received'], text: 'Your return for order {orderRef} is approved; a refund of {refundAmount} {currency} will follow.', promises: ['money'] },
  { id: 'return_refund.awaiting_approval', category: 'return_refund', caseStates: ['requested', 'classified', 'awaiting_approval'], text: 'We have your return request for order {orderRef} and are reviewing it; we will update you as soon as it is decided.', promises: [] },
  { id: 'return_refund.rejected', category: 'return_refund', caseStates: ['rejected'], text: 'Your return request for order {orderRef} could not be accepted; a colleague will explain the reason.', promises: [] },
  { id: 'return_refund.how_to', category: 'return_refund', text: 'You can start a return from your order page; we will send a return label once it is registered.', promises: [] },
  { id: 'damaged_defective.sorry', category: 'damaged_defective', text: 'We are sorry your item from order {orderRef} arrived damaged or faulty. Please send a photo and we will arrange a return or replacement.', promises: [] },
  { id: 'payment_billing.check', category: 'payment_billing', text: 'We are checking the payment on order {orderRef} with our finance team and will come back to you.', promises: [] },
  { id: 'cancel_change.shipped', category: 'cancel_change', orderStates: ['shipped', 'delivered'], text: 'Order {orderRef} has already shipped, so it can no longer be changed; you can return it once it arrives.', promises: [] },
  { id: 'cancel_change.request', category: 'cancel_change', text: 'We have passed your request to change or cancel order {orderRef} to the team and will confirm once it is done.', promises: [] },
  { id: 'product_question.answer', category: 'product_question', text: 'Thanks for your question; a product specialist will answer shortly.', promises: [] },
  { id: 'account.help', category: 'account', text: 'For your security we will help with your account by secure message; please do not share passwords with us.', promises: [] },
  { id: 'complaint_escalation.ack', category: 'complaint_escalation', text: 'We are sorry for your experience. Your complaint has been passed to a team leader, who will contact you personally.', promises: [] },
  { id: 'generic.ack', category: '*', text: 'Thank you for contacting us; a colleague will get back to you shortly.', promises: [] },
];

export type ReviewReason = 'promises_money' | 'promises_date' | 'unclassified';

export interface SuggestedReply {
  readonly templateId: string;
  readonly text: string;
  readonly requiresHumanReview: boolean;
  readonly reviewReasons: readonly ReviewReason[];
}

export function suggestReply(category: TicketCategory | null, facts: ReplyFacts): SuggestedReply {
  const values: Record<string, string | undefined> = {
    customerName: facts.customerName,
    orderRef: facts.orderRef,
    carrier: facts.carrier,
    trackingNumber: facts.trackingNumber,
    promiseDate: facts.promiseDate,
    refundAmount: facts.refundAmount === undefined ? undefined : facts.refundAmount.toFixed(2),
    currency: facts.currency,
  };
  const fits = (t: ReplyTemplate) =>
    (t.category === '*' || t.category === category) &&
    (!t.orderStates || (facts.orderState !== undefined && t.orderStates.includes(facts.orderState))) &&
    (!t.caseStates || (facts.caseState !== undefined && t.caseStates.includes(facts.caseState))) &&
    (t.refundRefused === undefined || t.refundRefused === (facts.refundRefused === true)) &&
    placeholders(t.text).every((p) => values[p] !== undefined);
  // The generic template has no placeholders, so a template is always found.
  const template = TEMPLATES.find(fits)!;
  const text = template.text.replace(/\{(\w+)\}/g, (_, p: string) => values[p]!);

  const reviewReasons: ReviewReason[] = [];
  if (template.promises.includes('money')) reviewReasons.push('promises_money');
  if (template.promises.includes('date')) reviewReasons.push('promises_date');
  if (category === null) reviewReasons.push('unclassified');
  return { templateId: template.id, text, requiresHumanReview: reviewReasons.length > 0, reviewReasons };
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}
