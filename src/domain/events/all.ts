import { EventCatalog, type EventDefinition } from './catalog.js';
import { productUpserted } from '../masterdata/product.js';
import { locationUpserted } from '../masterdata/location.js';
import { sourcePatched, sourceUpserted } from '../masterdata/source.js';
import { inventoryAdjusted, inventorySnapshot } from '../inventory/events.js';
import { orderEventDefinitions } from '../orders/events.js';
import { decidedOrderEvents } from '../orders/decided-events.js';
import { approvalEventDefinitions } from '../approvals/event-definitions.js';
import { exceptionEventDefinitions } from '../exceptions/event-definitions.js';
import { returnEventDefinitions } from '../returns/events.js';
import { ticketEventDefinitions } from '../triage/events.js';
import { anomalyDetected } from '../anomaly/events.js';
import { integrationEventDefinitions } from '../integrations/events.js';
import { policyEventDefinitions } from '../policies/events.js';
import { ruleEventDefinitions } from '../rules/events.js';
import { procurementEventDefinitions } from '../procurement/events.js';
import { supplierUpserted } from '../procurement/supplier.js';
import { replenishmentEventDefinitions } from '../replenishment/events.js';
import { scheduledReadEventDefinitions } from '../checks/scheduled-reads.js';
import { supplierClaimAnswered } from '../returns/claim-answer.js';

/** Every event type omniops accepts or decides. Capabilities add their definitions here. */
export function buildCatalog(): EventCatalog {
  return new EventCatalog().register(
    productUpserted, locationUpserted, sourceUpserted, inventorySnapshot, inventoryAdjusted,
    ...(orderEventDefinitions as EventDefinition[]), ...(decidedOrderEvents as EventDefinition[]), ...(approvalEventDefinitions as EventDefinition[]), ...(exceptionEventDefinitions as EventDefinition[]),
    ...(returnEventDefinitions as EventDefinition[]), ...(ticketEventDefinitions as EventDefinition[]), anomalyDetected as EventDefinition,
    ...(integrationEventDefinitions as EventDefinition[]),
    ...(policyEventDefinitions as EventDefinition[]), ...ruleEventDefinitions,
    ...(procurementEventDefinitions as readonly EventDefinition[]), supplierUpserted as EventDefinition, ...(replenishmentEventDefinitions as EventDefinition[]),
    ...(scheduledReadEventDefinitions as EventDefinition[]),
    supplierClaimAnswered as EventDefinition,
    sourcePatched as EventDefinition,
  );
}
