import type { ScheduledControl } from '../orders/scheduled.js';
import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import { booksCheckRead, type BooksCheckRead } from '../../domain/checks/scheduled-reads.js';
import { openException } from '../exceptions/open.js';
import { BOOKS_CHECKS, CHECK_NAMES, type CheckName, type Severity } from '../../domain/checks/index.js';
import { BOOKS_CHECKED, FINDINGS_IN_ITEM, readBooksReport, type BooksCheckedDetail } from './books-read.js';

// The read half (books-read.ts), here too: the job is one thing to its other users.
export { BOOKS_CHECKED, booksCheckOffLock, lastBooksCheck, readBooksReport, type BooksCheckedDetail } from './books-read.js';

/** Subjects named in an item's summary. */
const SUBJECTS_IN_SUMMARY = 3;

/** The writes of a run, decided from its report alone: the items of failing checks and the `books.checked` entry. */
export async function writeBooksReport(h: HandlerContext, report: BooksCheckRead): Promise<void> {
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
  const { audit } = report;
  const detail: BooksCheckedDetail = {
    checkedAt: report.checkedAt, ok: report.ok, errors: report.errors, warnings: report.warnings,
    found: Object.fromEntries(CHECK_NAMES.map((c) => [c, report.counts[c].found])) as Record<CheckName, number>, items,
    audit: { from: audit.from, walked: audit.walked, ...(audit.ok && audit.through ? { through: audit.through } : report.checkpoint ? { through: report.checkpoint } : {}) },
  };
  h.audit({ action: BOOKS_CHECKED.action, subject: BOOKS_CHECKED.subject, after: { ok: report.ok, errors: report.errors, warnings: report.warnings }, detail: { ...detail } });
}


/** The result's handler: only the writes, in the dispatcher's transaction. */
export const booksCheckReadHandler: EventHandler = {
  type: booksCheckRead.type,
  name: 'books.check_read',
  handle: (h) => writeBooksReport(h, h.event.payload as BooksCheckRead),
};

/**
 * A `schedule.tick` of the job (a log from before the read moved off the lock, being replayed; or
 * a tick sent by hand): read and write in the tick's transaction, as such a tick always did.
 */
export const booksCheck: ScheduledControl = async (h) => {
  const { job, slotMs } = h.event.payload as { job: string; slotMs: number };
  await writeBooksReport(h, await readBooksReport(h.tx, { job, slotMs, now: h.decision.now }));
};

/** Severity of each check (for the gauges' labels). */
export const severityOf = (c: CheckName): Severity => BOOKS_CHECKS[c];
