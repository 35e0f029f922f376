import type { SqlExecutor } from '../../store/port.js';
import type { OffLockJob } from '../scheduler/off-lock.js';
import { booksCheckRead, type BooksCheckRead } from '../../domain/checks/scheduled-reads.js';
import { verifyAuditTail, type AuditCheckpoint } from './audit-tail.js';
import { readBooks } from '../../store/repos/checks.js';
import { CHECK_NAMES, checkBooks, type CheckName } from '../../domain/checks/index.js';

/*
 * The scheduled books check's read half (its writes: scheduled.ts, which re-exports all of this). A
 * module of its own because the scheduled-read process (src/engine/scheduler/read-worker-main.ts)
 * loads it at every hourly start: it needs none of the writes' code (opening exception items).
 */

/** Findings read per check on a scheduled run: the item needs the first few and the count of all (the count is SQL's, uncapped). */
const FINDINGS_READ = 20;
/** Findings copied into an item's detail, and so carried in the result event (the rest: `omniops check` / GET /v1/checks). */
export const FINDINGS_IN_ITEM = 10;

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
 * `omniops check`. For every check with error findings it opens — or, while one is open, counts on —
 * one `reconciliation_discrepancy` item for operations, subject `books:<check>`. Warnings open
 * nothing (dead letters and deliveries have their own queues). A check that is clean again leaves
 * its item open: a person resolves it, saying what they did; the item's `lastSeenAt` says when the
 * check last failed. Every run is audited (`books.checked` on `books`), which is also what the books
 * gauges on /metrics read.
 *
 * In two steps, so the write lock is held only for the writes: the scheduler reads a snapshot off
 * the lock (`readBooksReport`: the statements of `readBooks`, 20 rows a check, and only the audit
 * entries since the last run) and submits the report as `books.check_read`; its handler
 * (`booksCheckReadHandler`) opens the items and writes the audit entry, from the event alone.
 */
export async function readBooksReport(db: SqlExecutor, slot: { job: string; slotMs: number; now: number }): Promise<BooksCheckRead> {
  const rows = await readBooks(db, FINDINGS_READ);
  // From where the last good walk ended (a broken chain keeps its checkpoint: the break is found again).
  const checkpoint = (await lastBooksCheck(db))?.audit?.through ?? null;
  const audit = await verifyAuditTail(db, checkpoint);
  const report = checkBooks({ ...rows, audit }, slot.now);
  // The findings an item shows, of the checks that open one; the counts are of all.
  const shown = CHECK_NAMES.flatMap((c) => (report.counts[c].severity === 'error'
    ? report.findings.filter((f) => f.check === c).slice(0, FINDINGS_IN_ITEM).map((f) => ({ check: f.check, subject: f.subject, detail: f.detail, facts: f.facts }))
    : []));
  return {
    job: slot.job, slotMs: slot.slotMs, checkedAt: report.checkedAt, ok: report.ok, errors: report.errors, warnings: report.warnings,
    counts: Object.fromEntries(CHECK_NAMES.map((c) => [c, { severity: report.counts[c].severity, found: report.counts[c].found }])) as BooksCheckRead['counts'],
    findings: shown,
    audit: { from: audit.from, walked: audit.count, ok: audit.ok, ...(audit.ok && audit.through ? { through: audit.through } : {}) },
    checkpoint,
  };
}

/** The job's read, off the write lock (the scheduler's `offLock` jobs). */
export const booksCheckOffLock: OffLockJob = {
  read: async (db, slot) => ({ type: booksCheckRead.type, payload: await readBooksReport(db, slot) }),
};

/** The last scheduled run's figures (its audit entry; one indexed row), or null before the first run. */
export async function lastBooksCheck(db: SqlExecutor): Promise<BooksCheckedDetail | null> {
  const row = await db.get<{ detail: string | null }>(
    'SELECT detail FROM audit WHERE subject = ? AND action = ? ORDER BY seq DESC LIMIT 1', [BOOKS_CHECKED.subject, BOOKS_CHECKED.action]);
  return row?.detail ? (JSON.parse(row.detail) as BooksCheckedDetail) : null;
}
