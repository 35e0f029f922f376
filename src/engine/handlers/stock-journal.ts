import type { ScheduledControl } from '../orders/scheduled.js';
import { pruneStockMoves } from '../../store/repos/stock.js';
import { journalFromMs } from '../../domain/inventory/journal-horizon.js';

export { journalFromMs };

/** How long the stock journal keeps movements, and how many rows one tick deletes (config `stock`). */
export interface StockJournalRetention {
  journalDays: number;
  pruneBatch: number;
}

/**
 * The journal of movements booked after a row's count (docs/orders.md, "Stock counts") is pruned by
 * the row's next count — but a row never counted again would keep every shipment of it for ever. Each
 * tick deletes movements older than `journalDays`, at most `pruneBatch`, and notes in the audit trail
 * how many went; a count taken before then is no longer rolled forward but given to a person.
 */
export function stockJournalRetention(settings: StockJournalRetention): ScheduledControl {
  return async (h) => {
    const before = journalFromMs(settings, h.decision.now);
    const rows = await pruneStockMoves(h.tx, before, settings.pruneBatch);
    if (rows > 0) h.audit({ action: 'stock.journal_pruned', subject: 'stock_moves', detail: { rows, movedBefore: new Date(before).toISOString(), journalDays: settings.journalDays } });
  };
}
