export { importProducts, type ImportedProduct } from './import-products.js';
export { importStockPerWarehouse, type WarehouseStock, type StockImport } from './import-stock.js';
export { pushSaleOrder, type SaleOrderPush, type SaleOrderPushResult, type SaleOrderState } from './push-sale-order.js';
export { pushPurchaseOrder, type PurchaseOrderPush, type PurchaseOrderPushResult } from './push-purchase-order.js';
export { pushCreditNote, type CreditNotePush, type CreditNotePushResult } from './push-credit-note.js';
export { readPickingState, type PickingState } from './read-picking-state.js';
export { omniopsMarker, type MarkedKind } from './markers.js';
export { cancelSaleOrder, type SaleOrderCancel, type SaleOrderCancelResult } from './cancel-sale-order.js';
export { cancelPurchaseOrder, type PurchaseOrderCancel, type PurchaseOrderCancelResult } from './cancel-purchase-order.js';
