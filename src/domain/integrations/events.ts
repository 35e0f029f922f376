import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';

/**
 * Integration events. The ERP's hints and observations are appended by omniops itself (the Odoo
 * webhook route, the delivery worker's reads), so handlers stay free of network calls and a replay
 * reads what was observed instead of asking Odoo again. Carriers post shipment progress.
 */
const decided = { schemaVersion: 1, origin: 'decided' } as const;
const inbound = { schemaVersion: 1, origin: 'inbound' } as const;
const odooModel = z.string().min(1).max(100).regex(/^[a-z0-9_.]+$/);

export const erpRecordHinted = defineEvent({
  ...decided, type: 'erp.record_hinted', subject: (p) => `erp:${p.model}:${p.recordId}`,
  description: 'Odoo said a record changed (an unsigned automation-rule webhook): a hint to fetch its current state.',
  payload: z.object({ sourceId: z.string(), model: odooModel, recordId: z.number().int().positive(), action: z.string().max(300).optional() }),
});

export const erpRecordObserved = defineEvent({
  ...decided, type: 'erp.record_observed', subject: (p) => `erp:${p.model}:${p.recordId}`,
  description: 'The current state of an Odoo record, as read by omniops.',
  payload: z.object({
    destinationId: z.string(), model: odooModel, recordId: z.number().int().positive(), found: z.boolean(),
    name: z.string().nullable(), state: z.string().nullable(), origin: z.string().nullable(),
    pickings: z.array(z.object({ name: z.string(), state: z.string() })).default([]),
  }),
});

export const erpStockObserved = defineEvent({
  ...decided, type: 'erp.stock_observed', subject: (p) => `erp-stock:${p.destinationId}`,
  description: 'On-hand per sku and Odoo warehouse from stock.quant, read for reconciliation.',
  payload: z.object({
    destinationId: z.string(),
    slotMs: z.number().int(),
    lines: z.array(z.object({ sku: z.string(), warehouseId: z.number().int(), onHand: z.number() })).max(200_000),
    productsWithoutSku: z.number().int().min(0),
  }),
});

export const reconciliationDiscrepancy = defineEvent({
  ...decided, type: 'reconciliation.discrepancy', subject: (p) => `reconciliation:${p.ref}`,
  description: 'omniops and the ERP disagree about stock or an order state.',
  payload: z.object({
    kind: z.enum(['stock', 'order_state']), ref: z.string(),
    sku: z.string().optional(), locationId: z.string().optional(), omniops: z.union([z.number(), z.string()]), erp: z.union([z.number(), z.string()]),
    exceptionId: z.string(), policyVersion: z.string(),
  }),
});

export const reconciliationCompleted = defineEvent({
  ...decided, type: 'reconciliation.completed', subject: (p) => `erp-stock:${p.destinationId}`,
  description: 'A stock reconciliation run finished: how many sku × location lines were compared and how many disagreed.',
  payload: z.object({ destinationId: z.string(), compared: z.number().int().min(0), discrepancies: z.number().int().min(0), unmappedWarehouses: z.array(z.number().int()) }),
});

const shipmentBase = {
  fulfilmentId: z.string().min(1),
  carrier: z.string().min(1).max(100),
  trackingNumber: z.string().min(1).max(200),
  at: z.iso.datetime({ offset: true }).optional(),
};
export const SHIPMENT_EXCEPTION_REASONS = ['delay', 'lost', 'damaged', 'address'] as const;

export const shipmentInTransit = defineEvent({
  ...inbound, type: 'shipment.in_transit', subject: (p) => `fulfilment:${p.fulfilmentId}`,
  description: 'The carrier has the parcel and it is moving.',
  payload: z.object({ ...shipmentBase, location: z.string().max(200).optional() }),
});

export const shipmentException = defineEvent({
  ...inbound, type: 'shipment.exception', subject: (p) => `fulfilment:${p.fulfilmentId}`,
  description: 'The carrier reports a problem: delay, lost, damaged or address.',
  payload: z.object({ ...shipmentBase, reason: z.enum(SHIPMENT_EXCEPTION_REASONS), detail: z.string().max(1000).optional() }),
});

export const integrationEventDefinitions = [
  erpRecordHinted, erpRecordObserved, erpStockObserved, reconciliationDiscrepancy, reconciliationCompleted, shipmentInTransit, shipmentException,
];
