export {
  poConfirmed,
  poDelayed,
  poReceived,
  promotionScheduled,
  procurementEventDefinitions,
  type PoConfirmedPayload,
  type PoDelayedPayload,
  type PoReceivedPayload,
  type PromotionScheduledPayload,
} from './events.js';
export {
  INBOUND_STATES,
  PURCHASE_ORDER_STATES,
  outstandingQty,
  transitionPurchaseOrder,
  type PurchaseOrder,
  type PurchaseOrderCommand,
  type PurchaseOrderLine,
  type PurchaseOrderState,
  type PurchaseOrderTransition,
} from './purchase-order.js';
export { stockIncreasesOf, type StockIncrease } from './receipt.js';
export type { ReliabilityRules } from './reliability-rules.js';
export { receiptRecordsOf, supplierReliability, unknownSupplier, type ReceiptRecord, type SupplierReliability } from './reliability.js';
export { inboundSupply, type InboundLine } from './inbound.js';
export type { PurchaseApprovalRules } from './approval-rules.js';
export {
  requiredPurchaseApprovals,
  type PurchaseApprovalDecision,
  type PurchaseApprovalReason,
  type PurchaseOrderDraft,
  type RequiredPurchaseApproval,
} from './approvals.js';
