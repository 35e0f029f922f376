import type { OdooClient } from '../client.js';
import { many2oneId, many2oneName } from '../client.js';

export interface WarehouseStock {
  productId: number;
  warehouseId: number;
  warehouseName: string;
  onHand: number;
  reserved: number;
  /** onHand − reserved: what a new order can still take. */
  available: number;
}

export interface StockImport {
  lines: WarehouseStock[];
  /** Internal quants whose location belongs to no warehouse; reported, not guessed. */
  quantsWithoutWarehouse: number;
}

/**
 * On-hand per product and warehouse from stock.quant. Only internal locations count: Odoo also keeps
 * negative quants at virtual locations (inventory adjustment, customers) that are not stock.
 * Quantities are passed through as Odoo has them (they are integers for unit-of-measure "Units").
 */
export async function importStockPerWarehouse(client: OdooClient, opts: { productIds?: number[]; pageSize?: number } = {}): Promise<StockImport> {
  const domain: unknown[] = [['location_id.usage', '=', 'internal']];
  if (opts.productIds) domain.push(['product_id', 'in', opts.productIds]);
  const pageSize = opts.pageSize ?? 500;
  const totals = new Map<string, WarehouseStock>();
  let quantsWithoutWarehouse = 0;
  for (let offset = 0; ; offset += pageSize) {
    const page = await client.call<Record<string, unknown>[]>('stock.quant', 'search_read', {
      domain, fields: ['product_id', 'warehouse_id', 'quantity', 'reserved_quantity'], offset, limit: pageSize, order: 'id asc',
    });
    for (const q of page) {
      const productId = many2oneId(q.product_id);
      const warehouseId = many2oneId(q.warehouse_id);
      if (productId === null) continue;
      if (warehouseId === null) {
        quantsWithoutWarehouse++;
        continue;
      }
      const key = `${productId}/${warehouseId}`;
      const t = totals.get(key) ?? { productId, warehouseId, warehouseName: many2oneName(q.warehouse_id) ?? '', onHand: 0, reserved: 0, available: 0 };
      t.onHand += Number(q.quantity ?? 0);
      t.reserved += Number(q.reserved_quantity ?? 0);
      t.available = t.onHand - t.reserved;
      totals.set(key, t);
    }
    if (page.length < pageSize) break;
  }
  const lines = [...totals.values()].sort((a, b) => a.productId - b.productId || a.warehouseId - b.warehouseId);
  return { lines, quantsWithoutWarehouse };
}
