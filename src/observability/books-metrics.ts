import client from 'prom-client';
import type { SqlExecutor } from '../store/port.js';
import { CHECK_NAMES } from '../domain/checks/index.js';
import { lastBooksCheck, severityOf, type BooksCheckedDetail } from '../engine/checks/scheduled.js';

/**
 * The books check's gauges, as its last scheduled run left them (the `books.checked` audit entry the
 * job writes; the engine may run on another thread or process, the store is what both see). A scrape
 * reads that one row — it never runs the check. Absent until the job has run once.
 */
export function registerBooksGauges(registers: client.Registry[], read: SqlExecutor): void {
  // One read per scrape: a scrape collects its gauges together, so the second joins the first's read
  // while it is under way; once it has settled, the next scrape reads again (never a stale run).
  let pending: Promise<BooksCheckedDetail | null> | null = null;
  const last = () => {
    pending ??= lastBooksCheck(read).catch(() => null).finally(() => { pending = null; });
    return pending;
  };
  new client.Gauge({
    name: 'omniops_books_findings',
    help: 'Findings of the last scheduled books check, by check and severity (error, warning); see docs/checks.md',
    labelNames: ['check', 'severity'],
    registers,
    async collect() {
      const l = await last();
      this.reset();
      if (!l) return;
      for (const c of CHECK_NAMES) this.set({ check: c, severity: severityOf(c) }, l.found[c] ?? 0);
    },
  });
  new client.Gauge({
    name: 'omniops_books_checked_timestamp_seconds',
    help: 'When the last scheduled books check ran (unix seconds)',
    registers,
    async collect() {
      const l = await last();
      this.reset();
      if (l) this.set(Date.parse(l.checkedAt) / 1000);
    },
  });
}
