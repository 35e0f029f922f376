import type { SqlExecutor } from '../port.js';
import { RETURN_CASE_STATES } from '../../domain/returns/case-state.js';
import type { ReturnedSkuDay } from '../../domain/anomaly/return-findings.js';
import { utcDay } from '../../domain/anomaly/utc-day.js';

/**
 * Return cases that count as returns for the return-rate scan: every case but a rejected one (a
 * request refused, e.g. outside the return window, sent nothing back). Listed by state so that the
 * read goes through `return_cases_state (state, created_ms)`: one range per state, never the table.
 */
const COUNTED_STATES = RETURN_CASE_STATES.filter((s) => s !== 'rejected');


/**
 * Returns per sku per UTC day (the day the case was opened) for cases opened in [fromMs, toMs): a case
 * counts once per sku it returns, however many of its lines or units carry it. Days without returns
 * are not listed.
 */
export async function returnsPerSkuDay(db: SqlExecutor, fromMs: number, toMs: number): Promise<ReturnedSkuDay[]> {
  const rows = await db.all<{ created_ms: number | string; doc: string }>(
    `SELECT created_ms, doc FROM return_cases WHERE state IN (${COUNTED_STATES.map(() => '?').join(', ')}) AND created_ms >= ? AND created_ms < ?`,
    [...COUNTED_STATES, fromMs, toMs],
  );
  const counts = new Map<string, ReturnedSkuDay>();
  for (const r of rows) {
    const day = utcDay(Number(r.created_ms));
    const skus = new Set((JSON.parse(r.doc) as { lines?: Array<{ sku: string }> }).lines?.map((l) => l.sku) ?? []);
    for (const sku of skus) {
      const k = `${sku}\u0000${day}`;
      const c = counts.get(k);
      counts.set(k, { sku, day, returns: (c?.returns ?? 0) + 1 });
    }
  }
  return [...counts.values()].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}
