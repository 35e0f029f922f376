import type { SqlExecutor } from '../../store/port.js';
import type { ClosingFacts } from '../../domain/returns/case-closing.js';
import { exceptionById, type StoredException } from '../../store/repos/exceptions.js';
import { caseSubject } from './case.js';

/**
 * A refused refund opens one finance item in the reconciliation queue on the case's own subject
 * (`return:<case>`; top-ups told later have subjects of their own). Resolving it is finance's answer to
 * the refusal — "settled another way" or "nothing more is owed" — so the case's closing reads it
 * (closing.ts), and its resolution re-judges the case (refusal-resolved.ts). Before, resolving it closed
 * nothing: the case waited for ever while finance believed it was done.
 */
export const REFUSAL_QUEUE = 'reconciliation_discrepancy';

/** The refusal's item: the first of the case's own subject in the queue (GET /v1/returns/{id} names it too). */
export async function refusalItem(db: SqlExecutor, caseId: string): Promise<StoredException | undefined> {
  const first = await db.get<{ id: string }>(`SELECT id FROM exceptions WHERE subject = ? AND queue = ? ORDER BY opened_ms, id LIMIT 1`, [caseSubject(caseId), REFUSAL_QUEUE]);
  return first ? exceptionById(db, first.id) : undefined;
}

/** The refusal's item as the closing rule reads it: its state, and who resolved it with what note. */
export async function refusalItemFact(db: SqlExecutor, caseId: string): Promise<ClosingFacts['refusalItem']> {
  const item = await refusalItem(db, caseId);
  if (!item) return undefined;
  const r = item.state === 'resolved' ? item.resolution : null;
  return { id: item.id, state: item.state, ...(r?.by ? { resolvedBy: r.by } : {}), ...(r?.reason ? { note: r.reason } : {}) };
}
