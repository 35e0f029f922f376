import type { Command } from 'commander';
import { addStoreOptions, withApp, type StoreFlags } from '../context.js';
import { print } from '../output.js';
import { wholeNumber } from '../options.js';
import { verifyAuditChain } from '../../engine/audit/verify.js';
import { readBooks } from '../../store/repos/checks.js';
import { longReads } from '../../store/long-reads.js';
import { CHECK_NAMES, checkBooks, type BooksReport } from '../../domain/checks/index.js';

/**
 * `omniops check`: do the books agree? Read-only. Exits 3 when an error finding exists (as `audit
 * verify` does on a broken chain), so a cron job or a runbook can stop on it; warnings are printed
 * and exit 0.
 */
export function registerCheck(program: Command): void {
  addStoreOptions(
    program.command('check')
      .description('check that stock, reservations, fulfilments, orders and the audit chain agree; exits 3 on an error finding (docs/checks.md)')
      .option('--limit <n>', 'findings shown per check', '100'),
  ).action(async (flags: StoreFlags & { limit: string }) => {
    await withApp(flags, async (app) => {
      const limit = wholeNumber(flags.limit, '--limit', { min: 1, max: 10_000 });
      // All the books and the whole audit chain: no statement deadline (src/store/long-reads.ts).
      const [rows, audit] = await Promise.all([readBooks(longReads(app.store), limit), verifyAuditChain(longReads(app.store))]);
      const report = checkBooks({ ...rows, audit }, app.clock());
      print(Boolean(flags.json), report, () => asText(report));
      if (!report.ok) process.exitCode = 3;
    });
  });
}

function asText(r: BooksReport): string {
  const lines = r.findings.map((f) => `${f.severity.toUpperCase().padEnd(7)} ${f.check}  ${f.subject}  ${f.detail}`);
  for (const c of CHECK_NAMES) {
    const n = r.counts[c];
    if (n.found > n.shown) lines.push(`${n.severity.toUpperCase().padEnd(7)} ${c}  … ${n.found - n.shown} more not shown (--limit)`);
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(r.errors === 0 && r.warnings === 0
    ? `ok: the books agree (${CHECK_NAMES.length} checks, ${r.checkedAt})`
    : `${r.ok ? 'ok' : 'NOT OK'}: ${plural(r.errors, 'error')}, ${plural(r.warnings, 'warning')} (${CHECK_NAMES.length} checks, ${r.checkedAt})`);
  return lines.join('\n');
}
