import type { ScheduledControl } from '../orders/scheduled.js';
import { pruneSettled } from '../../store/repos/deliveries.js';

/** How long settled outbox rows are kept, and how many one tick deletes (config `delivery`). */
export interface OutboxRetention {
  keepSettledDays: number;
  pruneBatch: number;
}

/**
 * The outbox only grows — four rows an order, ~2 KB each — while what it is for ends when a row is
 * delivered, expired or superseded: the event log and the audit trail are the record, not the
 * delivery bookkeeping. Each tick deletes settled rows older than `keepSettledDays`, at most
 * `pruneBatch`, inside the tick's transaction (on SQLite the single writer: a bounded pause, not a
 * long one), and notes in the audit trail how many went and up to when.
 */
export function outboxRetention(settings: OutboxRetention): ScheduledControl {
  return async (h) => {
    const before = new Date(h.decision.now - settings.keepSettledDays * 86_400_000).toISOString();
    const rows = await pruneSettled(h.tx, before, settings.pruneBatch);
    if (rows > 0) h.audit({ action: 'outbox.pruned', subject: 'outbox', detail: { rows, settledWrittenBefore: before, keepSettledDays: settings.keepSettledDays } });
  };
}
