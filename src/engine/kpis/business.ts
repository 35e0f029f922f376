import type { SqlExecutor } from '../../store/port.js';
import type { PolicyBook } from '../policy-book.js';
import { ORDER_STATES } from '../../domain/orders/index.js';
import {
  approvalTurnaroundMinutes, inventoryAccuracy, returnResolutionHours, syncReliability, touchesPerThousandOrders,
} from '../../domain/kpis/business-kpis.js';
import {
  approvalsClosedSince, availabilitySyncSince, latestReconciliations, ordersPlacedSince, peopleCommandsSince, returnCasesResolvedSince,
} from '../../store/repos/kpis.js';

const DAY_MS = 86_400_000;
/**
 * Rows a figure reads at most (the newest of the window): a percentile of the latest few thousand is
 * the day's to within its noise, and the read stays bounded on a peak day. Said in the answer.
 */
const SAMPLE_CAP = 5000;

/** A figure another capability's tables back may be absent in an old store: null, not an error. */
async function optional<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch {
    return null;
  }
}

/**
 * SPEC §7's business KPIs over the last day (docs/kpis.md): return resolution time, refund approval
 * turnaround, manual touches per 1,000 orders, channel sync reliability, inventory accuracy. The
 * order cycle time and the stockout prevention rate are the overview's own (cycleTime, replenishment).
 */
export async function businessKpis(db: SqlExecutor, policies: PolicyBook, now: number) {
  const from = now - DAY_MS;
  const availability = await optional(() => policies.get('availability'));
  const target = availability?.syncTargetSeconds ?? null;
  const [cases, refunds, touches, orders, sync, reconciliations] = await Promise.all([
    optional(() => returnCasesResolvedSince(db, from, SAMPLE_CAP)),
    optional(() => approvalsClosedSince(db, 'refund', from, SAMPLE_CAP)),
    optional(() => peopleCommandsSince(db, from)),
    ordersPlacedSince(db, from, ORDER_STATES),
    target === null ? null : availabilitySyncSince(db, from, now, target),
    latestReconciliations(db),
  ]);
  return {
    window: { from: new Date(from).toISOString(), to: new Date(now).toISOString(), sampleCap: SAMPLE_CAP },
    returnResolutionHours: cases === null ? null : returnResolutionHours(cases, from, now),
    refundApprovalMinutes: refunds === null ? null : approvalTurnaroundMinutes(refunds),
    manualTouches: touches === null ? null : { commands: touches, orders, perThousandOrders: touchesPerThousandOrders(touches, orders) },
    channelSync: syncReliability(sync ?? { delivered: 0, withinTarget: 0, late: 0 }, target),
    inventoryAccuracy: inventoryAccuracy(reconciliations),
  };
}

export type BusinessKpis = Awaited<ReturnType<typeof businessKpis>>;
