import type { Role } from '../roles.js';

export const EXCEPTION_CATEGORIES = [
  'payment_hold',
  'fraud_review',
  'unmapped_status',
  'sla_breach',
  'shipment_exception',
  'dead_letter_delivery',
  'reconciliation_discrepancy',
  'failed_rule',
  'anomaly',
  'supplier_claim',
  // Transfers (docs/replenishment.md): a receipt without a reported shipment, after a count at the source.
  'transfer_recount',
] as const;

export type ExceptionCategory = (typeof EXCEPTION_CATEGORIES)[number];

export function isExceptionCategory(value: unknown): value is ExceptionCategory {
  return typeof value === 'string' && (EXCEPTION_CATEGORIES as readonly string[]).includes(value);
}

export interface ExceptionQueue {
  /** Who works the queue by default (SPEC §1). */
  ownerRole: Role;
  /**
   * Whether "retry" means something: re-running the failed thing (a delivery, a rule, a status mapping
   * once a mapping exists, a payment re-check). A breached SLA or a fraud decision cannot be retried.
   */
  retryable: boolean;
}

/**
 * Who owns each queue. This is an organisational constant, not a tunable threshold; a rule's
 * `open_exception` action may still route a single item to another role.
 */
export const EXCEPTION_QUEUES: { readonly [C in ExceptionCategory]: ExceptionQueue } = {
  payment_hold: { ownerRole: 'finance', retryable: true },
  fraud_review: { ownerRole: 'fraud_review', retryable: false },
  unmapped_status: { ownerRole: 'integrator', retryable: true },
  sla_breach: { ownerRole: 'operations_manager', retryable: false },
  shipment_exception: { ownerRole: 'service_agent', retryable: false },
  dead_letter_delivery: { ownerRole: 'integrator', retryable: true },
  reconciliation_discrepancy: { ownerRole: 'inventory_control', retryable: true },
  failed_rule: { ownerRole: 'operations_manager', retryable: true },
  // Each item's owner comes from the anomaly policy's `queue` (by kind); this is only the fallback.
  anomaly: { ownerRole: 'operations_manager', retryable: false },
  // A supplier rejected a warranty claim: what the customer gets now (refund, or close by hand) is a
  // customer decision, and service agents may close a case by hand (POST /v1/returns/{id}/close).
  supplier_claim: { ownerRole: 'service_agent', retryable: false },
  // The source's count may already have left out a transfer whose shipment was never reported: its
  // staff count the sku again (a DC's or 3PL's items go to `warehouse`); the next count closes it.
  transfer_recount: { ownerRole: 'store_manager', retryable: false },
};

/** SPEC §1: the operations manager watches every exception queue, so may act on any item. */
export const EXCEPTION_SUPERVISOR: Role = 'operations_manager';
