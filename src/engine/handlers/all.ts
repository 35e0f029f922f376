import { HandlerRegistry } from '../dispatch/handler.js';
import { locationUpsertHandler, productUpsertHandler, sourceUpsertHandler } from './masterdata.js';
import { inventoryAdjustedHandler, inventorySnapshotHandler } from './inventory.js';

/** Every handler. Capabilities register theirs here, one line each. */
export function buildHandlers(): HandlerRegistry {
  return new HandlerRegistry().register(
    productUpsertHandler,
    locationUpsertHandler,
    sourceUpsertHandler,
    inventorySnapshotHandler,
    inventoryAdjustedHandler,
  );
}
