import type { ScheduledControl } from '../orders/scheduled.js';
import type { SqlExecutor } from '../../store/port.js';
import { openException } from '../exceptions/open.js';
import { verifyAuditTail, type AuditCheckpoint } from './audit-tail.js';
import { readBooks } from '../../store/repos/checks.js';
import { BOOKS_CHECKS, CHECK_NAMES, checkBooks, type CheckName, type Severity } from '../../domain/checks/index.js';

/** Findings read per check on a scheduled run: the item needs the first few and the count of all (the count is SQL's, uncapped). */
const FINDINGS_READ = 20;
/** Findings copied into an item's detail (the rest: `omniops check` / GET /v1/checks). */
const FINDINGS_IN_ITEM = 10;
/** Subjects named in an item's summary. */
const SUBJECTS_IN_SUMMARY = 3;

/** The audit entry each run leaves (`subject` / `action`): the last one is what /metrics shows. */
export const BOOKS_CHECKED = { subject: 'books', action: 'books.checked' } as const;

/** What a run records in its audit entry's detail. */
export interface BooksCheckedDetail {
  checkedAt: string;
  ok: boolean;
  errors: number;
  warnings: number;
  /** Per check: how many findings in all (0 for a clean check). */
  found: Record<CheckName, number>;
  /** The exception items opened or counted on, by check. */
  items: Record<string, string>;
  /** The audit entries walked (`from` up to the head) and, when they were good, where the next run starts. */
  audit: { from: number; walked: number; through?: AuditCheckpoint };
}

/**
 * The books check on a schedule (docs/checks.md, "Run on a schedule"): the same read and rules as
 * `omniops check`, in the tick's transaction. For every check with error findings it opens — or,
 * while one is open, counts on — one `reconciliation_discrepancy` item for operations, subject
 * `books:<check>`. Warnings open nothing (dead letters and deliveries have their own queues). A check
 * that is clean again leaves its item open: a person resolves it, saying what they did; the item's
 * `lastSeenAt` says when the check last failed. Every run is audited (`books.checked` on `books`),
 * which is also what the books gauges on /metrics read.
 *
 * In the tick's transaction, not on a separate read: a handler has only its transaction, and a read
 * beside it would not shorten the write lock anyway — the tick holds it for as long as the handler
 * runs, whichever connection reads. So the run is kept short instead: the statements of `readBooks`
 * (each aggregated in SQL, 20 rows a check) and only the audit entries since the last run
 * (`verifyAuditTail`), not the whole chain.
 */
export const booksCheck: ScheduledControl = async (h) => {
  const rows = await readBooks(h.tx, FINDINGS_READ);
  // From where the last good walk ended (a broken chain keeps its checkpoint: the break is found again).
  const previous = await lastBooksCheck(h.tx);
  const audit = await verifyAuditTail(h.tx, previous?.audit?.through ?? null);
  const report = checkBooks({ ...rows, audit }, h.decision.now);
  const counts = Object.fromEntries(CHECK_NAMES.map((c) => [c, { found: report.counts[c].found, severity: report.counts[c].severity }]));
  const items: Record<string, string> = {};
  for (const check of CHECK_NAMES) {
    const { severity, found } = report.counts[check];
    if (severity !== 'error' || found === 0) continue;
    const findings = report.findings.filter((f) => f.check === check);
    const subjects = findings.slice(0, SUBJECTS_IN_SUMMARY).map((f) => f.subject);
    const more = found - subjects.length;
    const { exceptionId } = await openException(h, {
      category: 'reconciliation_discrepancy',
      ownerRole: 'operations_manager',
      subjectRef: `books:${check}`,
      summary: `books check ${check}: ${found} ${found === 1 ? 'row disagrees' : 'rows disagree'} (${subjects.join(', ')}${more > 0 ? `, and ${more} more` : ''})`,
      detail: {
        check, found, checkedAt: report.checkedAt, errors: report.errors, warnings: report.warnings, counts,
        findings: findings.slice(0, FINDINGS_IN_ITEM).map((f) => ({ subject: f.subject, detail: f.detail, facts: f.facts })),
      },
    }, { countRecurrences: true });
    items[check] = exceptionId;
  }
  const detail: BooksCheckedDetail = {
    checkedAt: report.checkedAt, ok: report.ok, errors: report.errors, warnings: report.warnings,
    found: Object.fromEntries(CHECK_NAMES.map((c) => [c, report.counts[c].found])) as Record<CheckName, number>, items,
    audit: { from: audit.from, walked: audit.count, ...(audit.ok ? { through: audit.through } : previous?.audit?.through ? { through: previous.audit.through } : {}) },
  };
  h.audit({ action: BOOKS_CHECKED.action, subject: BOOKS_CHECKED.subject, after: { ok: report.ok, errors: report.errors, warnings: report.warnings }, detail: { ...detail } });
};

/** The last scheduled run's figures (its audit entry; one indexed row), or null before the first run. */
export async function lastBooksCheck(db: SqlExecutor): Promise<BooksCheckedDetail | null> {
  const row = await db.get<{ detail: string | null }>(
    'SELECT detail FROM audit WHERE subject = ? AND action = ? ORDER BY seq DESC LIMIT 1', [BOOKS_CHECKED.subject, BOOKS_CHECKED.action]);
  return row?.detail ? (JSON.parse(row.detail) as BooksCheckedDetail) : null;
}

/** Severity of each check (for the gauges' labels). */
export const severityOf = (c: CheckName): Severity => BOOKS_CHECKS[c];
