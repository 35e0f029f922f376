import type { Orm } from './orm.js';
import { CUSTOMERS_LOCATION, INVENTORY_ADJUSTMENT_LOCATION, VENDORS_LOCATION } from './models/stock.js';

/** Credentials the fake accepts; `apiKey` works as a JSON-RPC password and as the JSON-2 bearer. */
export interface FakeUser {
  id: number;
  login: string;
  name: string;
  password: string;
  apiKeys: string[];
  admin: boolean;
}

export const ADMIN_API_KEY = 'fake0000000000000000000000000000000admin';

export const DEFAULT_USERS: FakeUser[] = [
  { id: 2, login: 'admin', name: 'Mitchell Admin', password: 'admin', apiKeys: [ADMIN_API_KEY], admin: true },
  { id: 5, login: 'demo', name: 'Marc Demo', password: 'demo', apiKeys: [], admin: false },
];

/** The slice of Odoo's demo database the captures refer to, with the same ids and names. */
export function seedDemo(orm: Orm, users: FakeUser[]): void {
  const ins = (model: string, rows: Record<string, unknown>[]) => rows.forEach((r) => orm.insertRaw(model, r as { id: number }));
  ins('res.company', [{ id: 1, name: 'My Company (San Francisco)' }, { id: 3, name: 'My Company (Chicago)' }]);
  // The company's USD and EUR active (the shop's currency in the tests), GBP archived as Odoo ships most currencies.
  ins('res.currency', [{ id: 1, name: 'USD', active: true }, { id: 2, name: 'EUR', active: true }, { id: 3, name: 'GBP', active: false }]);
  ins('res.users', users.map((u) => ({ id: u.id, name: u.name, login: u.login, is_admin: u.admin })));
  ins('res.partner', [
    { id: 1, name: 'My Company (San Francisco)', is_company: true, active: true },
    { id: 3, name: 'Mitchell Admin', active: true },
    { id: 10, name: 'Deco Addict', is_company: true, active: true },
    { id: 14, name: 'Wood Corner', is_company: true, active: true },
    { id: 15, name: 'Azure Interior', is_company: true, active: true },
  ]);
  ins('stock.location', [
    { id: 1, name: 'Physical Locations', usage: 'view', location_id: false, warehouse_id: false },
    { id: CUSTOMERS_LOCATION, name: 'Customers', usage: 'customer', location_id: false, warehouse_id: false },
    { id: 3, name: 'Virtual Locations', usage: 'view', location_id: false, warehouse_id: false },
    { id: VENDORS_LOCATION, name: 'Vendors', usage: 'supplier', location_id: false, warehouse_id: false },
    { id: 11, name: 'WH', usage: 'view', location_id: 1, warehouse_id: 1 },
    { id: 5, name: 'Stock', usage: 'internal', location_id: 11, warehouse_id: 1 },
    { id: INVENTORY_ADJUSTMENT_LOCATION, name: 'Inventory adjustment', usage: 'inventory', location_id: 3, warehouse_id: false },
    { id: 26, name: 'My Co', usage: 'view', location_id: 1, warehouse_id: 2 },
    { id: 27, name: 'Stock', usage: 'internal', location_id: 26, warehouse_id: 2 },
  ].map((l) => ({ active: true, ...l })));
  ins('stock.warehouse', [
    { id: 1, name: 'YourCompany', code: 'WH', lot_stock_id: 5, view_location_id: 11, company_id: 1, active: true },
    { id: 2, name: 'My Company (Chicago)', code: 'My Co', lot_stock_id: 27, view_location_id: 26, company_id: 3, active: true },
  ]);
  const type = (id: number, wh: number, stock: number, code: 'incoming' | 'outgoing') => ({
    id, warehouse_id: wh, code, active: true,
    name: code === 'incoming' ? 'Receipts' : 'Delivery Orders',
    sequence_code: code === 'incoming' ? 'IN' : 'OUT',
    default_location_src_id: code === 'incoming' ? VENDORS_LOCATION : stock,
    default_location_dest_id: code === 'incoming' ? stock : CUSTOMERS_LOCATION,
  });
  ins('stock.picking.type', [type(1, 1, 5, 'incoming'), type(2, 1, 5, 'outgoing'), type(9, 2, 27, 'incoming'), type(10, 2, 27, 'outgoing')]);
  ins('product.product', [
    { id: 5, name: 'Office Chair', default_code: 'FURN_7777', type: 'consu', is_storable: true, list_price: 70, standard_price: 55, active: true },
    { id: 6, name: 'Virtual Home Staging', default_code: false, type: 'service', is_storable: false, list_price: 38.25, standard_price: 25.5, active: true },
  ]);
  ins('ir.model', [{ id: 604, name: 'Sales Order', model: 'sale.order' }]);
  ins('ir.model.fields', [
    { id: 8122, name: 'name', model_id: 604 },
    { id: 8124, name: 'partner_id', model_id: 604 },
    { id: 8125, name: 'state', model_id: 604 },
    { id: 8157, name: 'amount_total', model_id: 604 },
  ]);
}
