import { BOOKS_CHECKS, CHECK_NAMES, type Capped, type CheckName, type Finding, type Severity } from './finding.js';
import { reservedAboveOnHand, reservedMatchesReservations, stockNegative, type ReservedRow, type StockFiguresRow } from './stock.js';
import { openFulfilmentsWithoutReservations, orderStatesVsFulfilments, reservationsOfClosedWork, type ActiveReservationRow, type OpenFulfilmentRow, type OrderWorkRow } from './orders.js';
import { auditChain, deadWork, type AuditChainVerdict } from './log.js';

/**
 * What the store read for the check: per check the candidate rows (at most a page, with how many
 * there were), the audit chain's verdict and the dead counts. The rules below decide; the store's
 * queries only narrow the rows down to candidates so that nothing reads the whole log into memory.
 */
export interface BooksRows {
  reserved: Capped<ReservedRow>;
  reservationsOfClosedWork: Capped<ActiveReservationRow>;
  openFulfilments: Capped<OpenFulfilmentRow>;
  orderWork: Capped<OrderWorkRow>;
  negativeStock: Capped<StockFiguresRow>;
  reservedAboveOnHand: Capped<StockFiguresRow>;
  audit: AuditChainVerdict;
  deadEvents: number;
  deadDeliveries: number;
}

export interface CheckCount {
  severity: Severity;
  /** How many findings there are in all. */
  found: number;
  /** How many of them are in `findings` (the rest were past the page). */
  shown: number;
}

export interface BooksReport {
  /** No error finding: warnings alone leave the books ok. */
  ok: boolean;
  checkedAt: string;
  findings: Finding[];
  counts: Record<CheckName, CheckCount>;
  errors: number;
  warnings: number;
}

export function checkBooks(rows: BooksRows, checkedAtMs: number): BooksReport {
  // Per check: its findings from the page it read, and how many candidates were past that page.
  const results: Array<[CheckName, Finding[], number]> = [
    ['reserved_matches_reservations', reservedMatchesReservations(rows.reserved.rows), beyond(rows.reserved)],
    ['reservation_of_closed_work', reservationsOfClosedWork(rows.reservationsOfClosedWork.rows), beyond(rows.reservationsOfClosedWork)],
    ['open_fulfilment_without_reservations', openFulfilmentsWithoutReservations(rows.openFulfilments.rows), beyond(rows.openFulfilments)],
    ['order_state_vs_fulfilments', orderStatesVsFulfilments(rows.orderWork.rows), beyond(rows.orderWork)],
    ['stock_negative', stockNegative(rows.negativeStock.rows), beyond(rows.negativeStock)],
    ['reserved_above_on_hand', reservedAboveOnHand(rows.reservedAboveOnHand.rows), beyond(rows.reservedAboveOnHand)],
    ['audit_chain', auditChain(rows.audit), 0],
    ['dead_letters', deadWork(rows.deadEvents, 0), 0],
    ['dead_deliveries', deadWork(0, rows.deadDeliveries), 0],
  ];
  const counts = Object.fromEntries(CHECK_NAMES.map((c) => [c, { severity: BOOKS_CHECKS[c], found: 0, shown: 0 }])) as Record<CheckName, CheckCount>;
  const findings: Finding[] = [];
  for (const [check, found, past] of results) {
    findings.push(...found);
    counts[check] = { severity: BOOKS_CHECKS[check], found: found.length + past, shown: found.length };
  }
  const total = (s: Severity) => CHECK_NAMES.filter((c) => BOOKS_CHECKS[c] === s).reduce((n, c) => n + counts[c].found, 0);
  const errors = total('error');
  return { ok: errors === 0, checkedAt: new Date(checkedAtMs).toISOString(), findings, counts, errors, warnings: total('warning') };
}

/** Candidates past the page: the store's query narrowed them by the same rule, so they count as found. */
const beyond = (rows: Capped<unknown>) => Math.max(0, rows.total - rows.rows.length);
