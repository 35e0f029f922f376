import { HandlerRegistry } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { locationUpsertHandler, productUpsertHandler, sourceUpsertHandler } from './masterdata.js';
import { sourcePatchHandler } from './source-patch.js';
import { inventoryAdjustedHandler, inventorySnapshotHandler } from './inventory.js';
import { orderHandlers } from '../orders/handlers.js';
import { fulfilmentHandlers } from '../orders/fulfilment-handlers.js';
import { backorderRetry, collectionWatch, fulfilmentSlaWatch, scheduleTickHandler } from '../orders/scheduled.js';
import { retriedItemsWatch } from '../exceptions/retried.js';
import { returnClosingSweep, returnHandlers } from '../returns/handlers.js';
import { approvalDecisionHandler, approvalEscalation } from '../approvals/handlers.js';
import { governedRequestHandlers } from '../approvals/governed.js';
import { exceptionHandlers } from '../exceptions/handlers.js';
import { protectedStockDecidedHandler } from '../orders/protected-stock.js';
import { fraudReviewDecidedHandler } from '../orders/fraud-review.js';
import { holdHandlers } from '../orders/hold.js';
import { ticketHandlers } from '../triage/handlers.js';
import { anomalyScan, anomalyScanReadHandler } from '../anomaly/scan.js';
import { anomalyItemsHandler } from '../anomaly-items/handler.js';
import { erpReconciliation, integrationHandlers } from '../integrations/handlers.js';
import { RuleRuntime } from '../rules/runtime.js';
import { policyChangeHandler } from '../policies/change-control.js';
import { replenishmentHandlers } from '../replenishment/handlers.js';
import { replenishmentCheck } from '../replenishment/check.js';
import { outboxRetention, type OutboxRetention } from '../delivery/retention.js';
import { stockJournalRetention, type StockJournalRetention } from './stock-journal.js';
import { booksCheck, booksCheckReadHandler } from '../checks/scheduled.js';

export interface HandlerDeps {
  policies: PolicyBook;
  /** The automation rules runtime (the app passes its own; tests that build handlers get a fresh one). */
  rules?: RuleRuntime;
  /** Settled outbox rows' retention (the app passes `config.delivery`'s); without it nothing is pruned. */
  outboxRetention?: OutboxRetention;
  /** The stock journal's retention (the app passes `config.stock`); without it nothing is pruned and late counts roll forward however late. */
  stockJournal?: StockJournalRetention;
}

/** Every handler. Capabilities register theirs here, one line each. */
export function buildHandlers(deps: HandlerDeps): HandlerRegistry {
  const rules = deps.rules ?? new RuleRuntime(deps.policies);
  return new HandlerRegistry().register(
    policyChangeHandler(deps.policies),
    productUpsertHandler,
    locationUpsertHandler,
    sourceUpsertHandler,
    sourcePatchHandler,
    inventorySnapshotHandler(deps.stockJournal),
    inventoryAdjustedHandler(deps.stockJournal),
    ...orderHandlers(deps.policies, deps.stockJournal),
    ...holdHandlers(deps.policies),
    ...fulfilmentHandlers(deps.policies, deps.stockJournal),
    ...returnHandlers(deps.policies),
    approvalDecisionHandler,
    ...governedRequestHandlers(deps.policies),
    protectedStockDecidedHandler(deps.policies),
    fraudReviewDecidedHandler(deps.policies),
    ...exceptionHandlers(),
    ...ticketHandlers(deps.policies),
    ...integrationHandlers(deps.policies),
    ...replenishmentHandlers(deps.policies),
    anomalyItemsHandler(deps.policies),
    booksCheckReadHandler,
    anomalyScanReadHandler,
    scheduleTickHandler({
      'fulfilment-sla-watch': fulfilmentSlaWatch,
      'collection-watch': collectionWatch,
      'retried-items-watch': retriedItemsWatch,
      'backorder-retry': backorderRetry(deps.policies),
      'return-closing': returnClosingSweep(deps.policies),
      // Ticks of the two off-lock jobs come only from old logs or by hand: they read in the tick.
      'anomaly-scan': anomalyScan(deps.policies),
      'erp-reconciliation': erpReconciliation,
      'approval-escalation': approvalEscalation,
      'replenishment-check': replenishmentCheck(deps.policies),
      'books-check': booksCheck,
      'rules-sweep': (h) => rules.sweep(h),
      'rule:*': (h) => rules.runSlot(h),
      'outbox-retention': deps.outboxRetention ? outboxRetention(deps.outboxRetention) : async () => undefined,
      'stock-journal-retention': deps.stockJournal ? stockJournalRetention(deps.stockJournal) : async () => undefined,
    }),
  );
}

/** The scheduled controls and how often each fires (operational cadence, not business thresholds). */
export const SCHEDULED_JOBS = [
  { name: 'fulfilment-sla-watch', everyMs: 30_000 },
  { name: 'collection-watch', everyMs: 300_000 },
  { name: 'retried-items-watch', everyMs: 60_000 },
  { name: 'backorder-retry', everyMs: 60_000 },
  { name: 'return-closing', everyMs: 3_600_000 },
  { name: 'anomaly-scan', everyMs: 3_600_000 },
  { name: 'erp-reconciliation', everyMs: 3_600_000 },
  { name: 'approval-escalation', everyMs: 60_000 },
  { name: 'replenishment-check', everyMs: 900_000 },
  { name: 'books-check', everyMs: 3_600_000 },
  { name: 'rules-sweep', everyMs: 60_000 },
  { name: 'outbox-retention', everyMs: 60_000 },
  { name: 'stock-journal-retention', everyMs: 60_000 },
];

/** The off-lock jobs (their own module, so the scheduled-read process loads only their read code). */
export { offLockJobs } from '../scheduler/off-lock-jobs.js';
