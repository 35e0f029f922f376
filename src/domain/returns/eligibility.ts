import type { ReturnRules } from './rules.js';
import { checkReturnWindow } from './window.js';

/**
 * Whether a return request may be opened at all, before any classification: the order was delivered,
 * the request is inside the window, every line is on the order and returnable, and no order line is
 * asked back beyond what was delivered of it minus what other cases already hold of it. The limit is
 * per order line, not per sku: two lines of one sku may have different prices, and what one line has
 * left must never be borrowed by the other (that refunded more units than were delivered). Every
 * problem is reported, not only the first, so the agent can tell the customer everything at once.
 */
export interface RequestedReturnLine {
  readonly lineId: string;
  readonly quantity: number;
}

export interface DeliveredOrderLine {
  readonly lineId: string;
  readonly sku: string;
  readonly deliveredQuantity: number;
  readonly returnedQuantity: number;
  readonly returnable: boolean;
}

export interface ReturnRequest {
  readonly lines: readonly RequestedReturnLine[];
  readonly orderLines: readonly DeliveredOrderLine[];
  readonly deliveredAt: number | null;
  readonly requestedAt: number;
}

export type ReturnProblem =
  | { readonly code: 'no_lines' }
  | { readonly code: 'not_delivered' }
  | { readonly code: 'outside_window'; readonly daysSinceDelivery: number; readonly windowEndsAt: number }
  | { readonly code: 'not_on_order'; readonly lineId: string }
  | { readonly code: 'not_returnable'; readonly lineId: string; readonly sku: string }
  | { readonly code: 'invalid_quantity'; readonly lineId: string; readonly quantity: number }
  | { readonly code: 'quantity_exceeds'; readonly lineId: string; readonly sku: string; readonly requested: number; readonly returnable: number };

export type ReturnEligibility =
  | { readonly eligible: true; readonly lines: readonly RequestedReturnLine[] }
  | { readonly eligible: false; readonly problems: readonly ReturnProblem[] };

export function checkReturnEligibility(request: ReturnRequest, rules: Pick<ReturnRules, 'returnWindowDays'>): ReturnEligibility {
  const problems: ReturnProblem[] = [];
  if (request.lines.length === 0) problems.push({ code: 'no_lines' });
  if (request.deliveredAt === null) problems.push({ code: 'not_delivered' });
  else {
    const window = checkReturnWindow(request.deliveredAt, request.requestedAt, rules);
    if (!window.inside) problems.push({ code: 'outside_window', daysSinceDelivery: Math.floor(window.daysSinceDelivery), windowEndsAt: window.windowEndsAt });
  }

  // One order line may appear on several request lines; the limit applies to their sum.
  const requested = new Map<string, number>();
  for (const line of request.lines) {
    if (!Number.isInteger(line.quantity) || line.quantity <= 0) {
      problems.push({ code: 'invalid_quantity', lineId: line.lineId, quantity: line.quantity });
      continue;
    }
    requested.set(line.lineId, (requested.get(line.lineId) ?? 0) + line.quantity);
  }
  for (const [lineId, quantity] of requested) {
    const onOrder = request.orderLines.find((l) => l.lineId === lineId);
    if (!onOrder) {
      problems.push({ code: 'not_on_order', lineId });
      continue;
    }
    if (!onOrder.returnable) problems.push({ code: 'not_returnable', lineId, sku: onOrder.sku });
    const returnable = Math.max(0, onOrder.deliveredQuantity - onOrder.returnedQuantity);
    if (quantity > returnable) problems.push({ code: 'quantity_exceeds', lineId, sku: onOrder.sku, requested: quantity, returnable });
  }
  return problems.length === 0 ? { eligible: true, lines: [...requested].map(([lineId, quantity]) => ({ lineId, quantity })) } : { eligible: false, problems };
}
