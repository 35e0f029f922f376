/**
 * The label sets the AI may answer with (SPEC §5). They are closed lists: an answer outside them is
 * `invalid_output`, never a new category, so downstream rules can switch on them exhaustively.
 */
export const RETURN_REASON_CATEGORIES = [
  'damaged_in_transit',
  'defective',
  'wrong_item',
  'not_as_described',
  'size_fit',
  'changed_mind',
  'late_delivery',
  'missing_parts',
  'other',
] as const;
export type ReturnReasonCategory = (typeof RETURN_REASON_CATEGORIES)[number];

export const RETURN_DISPOSITIONS = [
  'refund_without_return',
  'inspection_required',
  'replacement_shipment',
  'supplier_claim',
  'reject',
] as const;
export type ReturnDisposition = (typeof RETURN_DISPOSITIONS)[number];

export const TICKET_CATEGORIES = [
  'order_status',
  'delivery_problem',
  'return_refund',
  'damaged_defective',
  'payment_billing',
  'cancel_change',
  'product_question',
  'account',
  'complaint_escalation',
] as const;
export type TicketCategory = (typeof TICKET_CATEGORIES)[number];

export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
