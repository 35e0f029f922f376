import type { EventHandler } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { LineToSource } from '../../domain/sourcing/index.js';
import { orderById, type OrderRecord } from '../../store/repos/orders.js';
import { routeAndReserve } from './routing.js';
import { persistOrder } from './transition.js';

type ProtectedAsk = { protectedApproval: { approvalId: string | null; lines: LineToSource[] } };

/** The protected-stock request an order's latest routing asked for (its id null when the rules could not judge). */
function latestProtectedAsk(order: OrderRecord): ProtectedAsk | undefined {
  return [...order.doc.routing].reverse().find((r) => (r as { protectedApproval?: unknown }).protectedApproval !== undefined) as ProtectedAsk | undefined;
}

/** The approval an order on hold for protected stock waits for, if one was opened. */
export function awaitedProtectedApproval(order: OrderRecord): string | undefined {
  if (order.state !== 'on_hold' || order.holdReason !== 'approval') return undefined;
  return latestProtectedAsk(order)?.protectedApproval.approvalId ?? undefined;
}

interface Decided { approvalId: string; subject: string; subjectRef: string; outcome: 'approved' | 'rejected' | 'expired'; decidedBy: string[] }

/**
 * Regional ops decided on protected store stock for an order on hold: approved → routed again, now
 * allowed to take the protected quantity; rejected or expired → routed without it (another node,
 * backorder or cancel by policy). Only the approval the order is waiting for counts, and only while
 * the order still waits (a cancelled order, or a second outcome, changes nothing).
 */
export function protectedStockDecidedHandler(policies: PolicyBook): EventHandler {
  return {
    type: 'approval.decided',
    name: 'orders.protected_stock_decided',
    async handle(h) {
      const p = h.event.payload as unknown as Decided;
      if (p.subject !== 'protected_stock_reallocation') return;
      const order = await orderById(h.tx, p.subjectRef);
      if (!order || order.state !== 'on_hold' || order.holdReason !== 'approval') return;
      const waiting = latestProtectedAsk(order);
      if (!waiting || waiting.protectedApproval.approvalId !== p.approvalId) return;
      const approved = p.outcome === 'approved';
      const why = approved ? `protected stock released by ${p.decidedBy.join(', ')}` : `protected stock ${p.outcome}: routing without it`;
      await routeAndReserve(h, policies, order, why, waiting.protectedApproval.lines, { approvalId: p.approvalId, outcome: approved ? 'approved' : 'refused' });
      await persistOrder(h, order);
    },
  };
}
