import { createJson2Client } from '../../../src/connectors/odoo/json2.js';
import { createJsonRpcClient, type JsonRpcClient } from '../../../src/connectors/odoo/jsonrpc.js';
import type { OdooClient } from '../../../src/connectors/odoo/client.js';
import { startFakeOdoo, type FakeOdoo } from '../../fakes/odoo/server.js';

/**
 * Where the Odoo suites run: always against the fake; also against a real Odoo 19 when ODOO_URL,
 * ODOO_DB and ODOO_API_KEY are set (ODOO_LOGIN defaults to admin). See docs/odoo.md.
 * Fault-injection tests need `fake` and are skipped on a real server.
 */
export interface Target {
  name: string;
  json2: OdooClient;
  jsonrpc: JsonRpcClient;
  /** Clients holding a wrong key, for the auth failure class. */
  wrongKey: { json2: OdooClient; jsonrpc: JsonRpcClient };
  fake?: FakeOdoo;
  close(): Promise<void>;
}

export const REAL_ODOO = process.env.ODOO_URL && process.env.ODOO_DB && process.env.ODOO_API_KEY
  ? { url: process.env.ODOO_URL, db: process.env.ODOO_DB, key: process.env.ODOO_API_KEY, login: process.env.ODOO_LOGIN ?? 'admin' }
  : null;

function clients(url: string, db: string, login: string, key: string, timeoutMs: number) {
  return {
    json2: createJson2Client({ url, database: db, apiKey: key, timeoutMs }),
    jsonrpc: createJsonRpcClient({ url, database: db, login, apiKey: key, timeoutMs }),
  };
}

export async function fakeTarget(): Promise<Target> {
  const fake = await startFakeOdoo();
  return {
    name: 'fake',
    ...clients(fake.url, fake.db, 'admin', fake.apiKey, 2_000),
    wrongKey: clients(fake.url, fake.db, 'admin', 'not-the-key', 2_000),
    fake,
    close: () => fake.close(),
  };
}

export async function realTarget(): Promise<Target> {
  const r = REAL_ODOO!;
  return { name: 'real', ...clients(r.url, r.db, r.login, r.key, 30_000), wrongKey: clients(r.url, r.db, r.login, 'not-the-key', 30_000), close: async () => {} };
}

export const TARGETS: { name: string; start: () => Promise<Target>; skip: boolean }[] = [
  { name: 'fake Odoo', start: fakeTarget, skip: false },
  { name: 'real Odoo (ODOO_URL)', start: realTarget, skip: REAL_ODOO === null },
];

/** A unique suffix so repeated runs against a real database never collide. */
export const uniq = (): string => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

export interface Fixtures {
  partnerId: number;
  warehouseId: number;
  productId: number;
  sku: string;
}

/** A customer, the first warehouse, and a fresh storable product with 10 on hand there. */
export async function makeFixtures(c: OdooClient): Promise<Fixtures> {
  const sku = `OMNI-${uniq()}`;
  const [partnerId] = await c.call<number[]>('res.partner', 'create', { vals_list: [{ name: `omniops test customer ${sku}` }] });
  const [wh] = await c.call<{ id: number; lot_stock_id: [number, string] }[]>('stock.warehouse', 'search_read', { domain: [], fields: ['lot_stock_id'], limit: 1, order: 'id asc' });
  const [productId] = await c.call<number[]>('product.product', 'create', {
    vals_list: [{ name: `omniops test ${sku}`, default_code: sku, type: 'consu', is_storable: true, list_price: 42.5, standard_price: 20 }],
  });
  const [quant] = await c.call<number[]>('stock.quant', 'create', {
    vals_list: [{ product_id: productId, location_id: wh!.lot_stock_id[0], inventory_quantity: 10 }],
    context: { inventory_mode: true },
  });
  await c.call('stock.quant', 'action_apply_inventory', { ids: [quant!] });
  return { partnerId: partnerId!, warehouseId: wh!.id, productId: productId!, sku };
}
