/**
 * SPEC §7's business KPIs over a window (the last day), from plain rows: pure, so a test gives rows
 * and reads figures. The reads are src/store/repos/kpis.ts; docs/kpis.md says what each one means.
 */

/** A return case's first step to an outcome the customer gets: refunded, replaced, claimed, rejected, or closed (received, nothing owed). */
export const RETURN_OUTCOMES = ['refunded', 'replaced', 'claimed', 'rejected', 'closed'] as const;

export interface Spread {
  /** How many were measured. */
  count: number;
  median: number | null;
  p90: number | null;
}

/** Nearest-rank percentile of sorted values (the overview's cycle time uses it too). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, median: round1(percentile(sorted, 0.5)), p90: round1(percentile(sorted, 0.9)) };
}

export interface ReturnCaseRow {
  createdMs: number;
  history: ReadonlyArray<{ at: number; to: string }>;
}

/**
 * Return resolution time in hours: from the request to the case's first outcome, for the cases whose
 * first outcome fell in [fromMs, toMs). A case refunded earlier and closed today was resolved earlier:
 * not counted again today.
 */
export function returnResolutionHours(cases: readonly ReturnCaseRow[], fromMs: number, toMs: number): Spread {
  const outcomes = new Set<string>(RETURN_OUTCOMES);
  const hours: number[] = [];
  for (const c of cases) {
    const first = c.history.find((h) => outcomes.has(h.to));
    if (!first || first.at < fromMs || first.at >= toMs) continue;
    hours.push(Math.max(0, first.at - c.createdMs) / 3_600_000);
  }
  return spreadOf(hours);
}

export interface ApprovalRow {
  status: string;
  requestedMs: number;
  closedMs: number;
}

/** Refund approval turnaround in minutes, request to decision, of the requests decided (approved or rejected); expired ones are counted apart. */
export function approvalTurnaroundMinutes(rows: readonly ApprovalRow[]): Spread & { approved: number; rejected: number; expired: number } {
  const decided = rows.filter((r) => r.status === 'approved' || r.status === 'rejected');
  return {
    ...spreadOf(decided.map((r) => Math.max(0, r.closedMs - r.requestedMs) / 60_000)),
    approved: rows.filter((r) => r.status === 'approved').length,
    rejected: rows.filter((r) => r.status === 'rejected').length,
    expired: rows.filter((r) => r.status === 'expired').length,
  };
}

/** Manual touches per 1,000 orders placed in the same window; null without orders. */
export function touchesPerThousandOrders(touches: number, orders: number): number | null {
  return orders > 0 ? round1((touches / orders) * 1000) : null;
}

export interface SyncCounts {
  /** Availability figures delivered to their channel in the window (created then). */
  delivered: number;
  /** Of them, delivered within the target. */
  withinTarget: number;
  /** Figures that expired unsent (their send-by time passed), or still wait past the target now. */
  late: number;
}

/**
 * Channel sync reliability: the share of availability figures that reached their channel within the
 * target. A figure superseded by a newer one for the same channel and sku is neither: the newer one
 * carries it. Null when nothing was sent, or when the policy names no target.
 */
export function syncReliability(c: SyncCounts, targetSeconds: number | null): { rate: number | null; targetSeconds: number | null } & SyncCounts {
  const measured = c.delivered + c.late;
  return { ...c, targetSeconds, rate: targetSeconds === null || measured === 0 ? null : round4(c.withinTarget / measured) };
}

export interface ReconciliationRow {
  destinationId: string;
  compared: number;
  discrepancies: number;
  at: string;
}

/**
 * Inventory accuracy: the share of sku × location lines that agreed with the ERP at each destination's
 * latest reconciliation, over all of them; null when nothing was compared yet.
 */
export function inventoryAccuracy(rows: readonly ReconciliationRow[]): { rate: number | null; compared: number; discrepancies: number; byDestination: ReconciliationRow[] } {
  const compared = rows.reduce((n, r) => n + r.compared, 0);
  const discrepancies = rows.reduce((n, r) => n + r.discrepancies, 0);
  return { rate: compared > 0 ? round4(1 - discrepancies / compared) : null, compared, discrepancies, byDestination: [...rows] };
}
