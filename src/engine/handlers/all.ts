import { HandlerRegistry } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { locationUpsertHandler, productUpsertHandler, sourceUpsertHandler } from './masterdata.js';
import { inventoryAdjustedHandler, inventorySnapshotHandler } from './inventory.js';
import { orderHandlers } from '../orders/handlers.js';
import { fulfilmentHandlers } from '../orders/fulfilment-handlers.js';
import { backorderRetry, fulfilmentSlaWatch, scheduleTickHandler } from '../orders/scheduled.js';

export interface HandlerDeps {
  policies: PolicyBook;
}

/** Every handler. Capabilities register theirs here, one line each. */
export function buildHandlers(deps: HandlerDeps): HandlerRegistry {
  return new HandlerRegistry().register(
    productUpsertHandler,
    locationUpsertHandler,
    sourceUpsertHandler,
    inventorySnapshotHandler,
    inventoryAdjustedHandler,
    ...orderHandlers(deps.policies),
    ...fulfilmentHandlers(deps.policies),
    scheduleTickHandler({
      'fulfilment-sla-watch': fulfilmentSlaWatch,
      'backorder-retry': backorderRetry(deps.policies),
    }),
  );
}

/** The scheduled controls and how often each fires (operational cadence, not business thresholds). */
export const SCHEDULED_JOBS = [
  { name: 'fulfilment-sla-watch', everyMs: 30_000 },
  { name: 'backorder-retry', everyMs: 60_000 },
];
