import type { OdooClient } from '../client.js';
import { textOrNull } from '../client.js';
import { cents } from './markers.js';

export interface ImportedProduct {
  odooId: number;
  /** Odoo's internal reference (default_code); null when the product has none. */
  sku: string | null;
  name: string;
  listPrice: number;
  standardPrice: number;
  /** consu | service | combo; storable goods are 'consu' with isStorable (Odoo 18+). */
  type: string;
  isStorable: boolean;
}

const FIELDS = ['default_code', 'name', 'list_price', 'standard_price', 'type', 'is_storable'];

/** Pages through product.product in id order (stable while products are added during the import). */
export async function importProducts(client: OdooClient, opts: { domain?: unknown[]; pageSize?: number } = {}): Promise<ImportedProduct[]> {
  const pageSize = opts.pageSize ?? 200;
  const out: ImportedProduct[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const page = await client.call<Record<string, unknown>[]>('product.product', 'search_read', {
      domain: opts.domain ?? [], fields: FIELDS, offset, limit: pageSize, order: 'id asc',
    });
    for (const p of page) {
      out.push({
        odooId: p.id as number,
        sku: textOrNull(p.default_code),
        name: String(p.name),
        listPrice: cents(Number(p.list_price ?? 0)),
        standardPrice: cents(Number(p.standard_price ?? 0)),
        type: String(p.type),
        isStorable: p.is_storable === true,
      });
    }
    if (page.length < pageSize) return out;
  }
}
