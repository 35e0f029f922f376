import type { ReturnRules } from './rules.js';
import { checkReturnWindow } from './window.js';

/**
 * Whether a return request may be opened at all, before any classification: the order was delivered,
 * the request is inside the window, every sku is returnable and on the order, and no line asks back
 * more than was delivered minus what was already returned. Every problem is reported, not only the
 * first, so the agent can tell the customer everything at once.
 */
export interface RequestedReturnLine {
  readonly sku: string;
  readonly quantity: number;
}

export interface DeliveredOrderLine {
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
  | { readonly code: 'not_on_order'; readonly sku: string }
  | { readonly code: 'not_returnable'; readonly sku: string }
  | { readonly code: 'invalid_quantity'; readonly sku: string; readonly quantity: number }
  | { readonly code: 'quantity_exceeds'; readonly sku: string; readonly requested: number; readonly returnable: number };

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

  // One sku may appear on several request lines; the limit applies to their sum.
  const requested = new Map<string, number>();
  for (const line of request.lines) {
    if (!Number.isInteger(line.quantity) || line.quantity <= 0) {
      problems.push({ code: 'invalid_quantity', sku: line.sku, quantity: line.quantity });
      continue;
    }
    requested.set(line.sku, (requested.get(line.sku) ?? 0) + line.quantity);
  }
  for (const [sku, quantity] of requested) {
    const onOrder = request.orderLines.filter((l) => l.sku === sku);
    if (onOrder.length === 0) {
      problems.push({ code: 'not_on_order', sku });
      continue;
    }
    if (onOrder.some((l) => !l.returnable)) problems.push({ code: 'not_returnable', sku });
    const returnable = onOrder.reduce((s, l) => s + Math.max(0, l.deliveredQuantity - l.returnedQuantity), 0);
    if (quantity > returnable) problems.push({ code: 'quantity_exceeds', sku, requested: quantity, returnable });
  }
  return problems.length === 0 ? { eligible: true, lines: [...requested].map(([sku, quantity]) => ({ sku, quantity })) } : { eligible: false, problems };
}
