import type { EventHandler } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { orderById } from '../../store/repos/orders.js';
import { cancelOrder, validated } from './handlers.js';
import { unservedLines } from './open-fulfilments.js';
import { persistOrder } from './transition.js';

interface Decided { approvalId: string; subject: string; subjectRef: string; outcome: 'approved' | 'rejected' | 'expired'; decidedBy: string[] }

/**
 * The fraud-review role decided on an order held for fraud review: approved → validated and routed;
 * rejected, or nobody decided in time (the approvals policy's expiry) → cancelled. Only the approval
 * the order waits for counts, and only while it still waits (a cancelled order, a second outcome, or
 * an order since held again for another review change nothing).
 */
export function fraudReviewDecidedHandler(policies: PolicyBook): EventHandler {
  return {
    type: 'approval.decided',
    name: 'orders.fraud_review_decided',
    wants: (p) => p.subject === 'fraud_review',
    async handle(h) {
      const p = h.event.payload as unknown as Decided;
      if (p.subject !== 'fraud_review') return;
      const order = await orderById(h.tx, p.subjectRef);
      if (!order || order.state !== 'on_hold' || order.holdReason !== 'fraud_review' || order.doc.fraudApproval?.approvalId !== p.approvalId) return;
      const score = (order.doc.fraud as { score?: number } | undefined)?.score ?? 0;
      if (p.outcome === 'approved') {
        const orders = await policies.get('orders', h.tx);
        await validated(h, policies, order, score, orders.version, await unservedLines(h, order), undefined, `fraud review approved by ${p.decidedBy.join(', ')}`);
        await persistOrder(h, order);
      } else {
        await cancelOrder(h, policies, order, p.outcome === 'rejected' ? `fraud review rejected by ${p.decidedBy.join(', ')}` : 'fraud review expired undecided');
      }
    },
  };
}
