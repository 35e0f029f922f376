import { EventCatalog, type EventDefinition } from './catalog.js';
import { productUpserted } from '../masterdata/product.js';
import { locationUpserted } from '../masterdata/location.js';
import { sourceUpserted } from '../masterdata/source.js';
import { inventoryAdjusted, inventorySnapshot } from '../inventory/events.js';
import { orderEventDefinitions } from '../orders/events.js';
import { decidedOrderEvents } from '../orders/decided-events.js';

/** Every event type omniops accepts or decides. Capabilities add their definitions here. */
export function buildCatalog(): EventCatalog {
  return new EventCatalog().register(
    productUpserted, locationUpserted, sourceUpserted, inventorySnapshot, inventoryAdjusted,
    ...(orderEventDefinitions as EventDefinition[]), ...(decidedOrderEvents as EventDefinition[]),
  );
}
