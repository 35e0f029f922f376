import { odooDatetime, type Env, type MethodDef, type Orm, type Row } from '../orm.js';
import { pad5 } from '../money.js';

/** Location ids Odoo's demo data fixes and the captures show. */
export const CUSTOMERS_LOCATION = 2;
export const VENDORS_LOCATION = 4;
export const INVENTORY_ADJUSTMENT_LOCATION = 14;

const records = (run: MethodDef['run']): MethodDef => ({ kind: 'records', params: [], required: 0, run });

export function defineStock(orm: Orm): void {
  orm.define({
    name: 'stock.location',
    displayName: (r, env) => completeName(r, env),
    fields: {
      name: { type: 'char', required: true },
      location_id: { type: 'many2one', relation: 'stock.location' },
      usage: { type: 'selection', default: () => 'internal' },
      warehouse_id: { type: 'many2one', relation: 'stock.warehouse' },
      complete_name: { type: 'char', compute: (r, env) => completeName(r, env) },
      active: { type: 'boolean', default: () => true },
    },
  });

  orm.define({
    name: 'stock.warehouse',
    displayName: (r) => String(r.name),
    fields: {
      name: { type: 'char', required: true },
      code: { type: 'char', required: true },
      lot_stock_id: { type: 'many2one', relation: 'stock.location' },
      view_location_id: { type: 'many2one', relation: 'stock.location' },
      company_id: { type: 'many2one', relation: 'res.company', default: () => 1 },
      partner_id: { type: 'many2one', relation: 'res.partner' },
      delivery_steps: { type: 'selection', default: () => 'ship_only' },
      reception_steps: { type: 'selection', default: () => 'one_step' },
      active: { type: 'boolean', default: () => true },
    },
    // Creating a warehouse creates its locations and operation types, as Odoo does.
    afterCreate(wh, env) {
      const view = env.orm.create('stock.location', { name: wh.code, usage: 'view', warehouse_id: wh.id }, env);
      const stock = env.orm.create('stock.location', { name: 'Stock', location_id: view.id, warehouse_id: wh.id }, env);
      wh.view_location_id = view.id;
      wh.lot_stock_id = stock.id;
      env.orm.create('stock.picking.type', { name: 'Receipts', code: 'incoming', sequence_code: 'IN', warehouse_id: wh.id, default_location_src_id: VENDORS_LOCATION, default_location_dest_id: stock.id }, env);
      env.orm.create('stock.picking.type', { name: 'Delivery Orders', code: 'outgoing', sequence_code: 'OUT', warehouse_id: wh.id, default_location_src_id: stock.id, default_location_dest_id: CUSTOMERS_LOCATION }, env);
    },
  });

  orm.define({
    name: 'stock.picking.type',
    displayName: (r, env) => (typeof r.warehouse_id === 'number' ? `${env.orm.displayName('stock.warehouse', r.warehouse_id, env)}: ${r.name}` : String(r.name)),
    fields: {
      name: { type: 'char', required: true },
      code: { type: 'selection', required: true },
      sequence_code: { type: 'char' },
      warehouse_id: { type: 'many2one', relation: 'stock.warehouse' },
      default_location_src_id: { type: 'many2one', relation: 'stock.location' },
      default_location_dest_id: { type: 'many2one', relation: 'stock.location' },
      active: { type: 'boolean', default: () => true },
    },
  });

  orm.define({
    name: 'stock.quant',
    displayName: (r, env) => env.orm.displayName('stock.location', r.location_id as number, env),
    fields: {
      product_id: { type: 'many2one', relation: 'product.product', required: true },
      location_id: { type: 'many2one', relation: 'stock.location', required: true },
      warehouse_id: { type: 'many2one', relation: 'stock.warehouse', compute: (r, env) => env.orm.get('stock.location', r.location_id as number)?.warehouse_id ?? false },
      lot_id: { type: 'many2one', relation: 'stock.lot' },
      package_id: { type: 'many2one', relation: 'stock.package' },
      owner_id: { type: 'many2one', relation: 'res.partner' },
      quantity: { type: 'float', default: () => 0 },
      reserved_quantity: { type: 'float', default: () => 0 },
      available_quantity: { type: 'float', compute: (r) => (r.quantity as number) - (r.reserved_quantity as number) },
      inventory_quantity: { type: 'float', default: () => 0 },
      inventory_quantity_set: { type: 'boolean', default: (vals) => 'inventory_quantity' in vals },
      inventory_diff_quantity: { type: 'float', compute: (r) => (r.inventory_quantity_set ? (r.inventory_quantity as number) - (r.quantity as number) : 0) },
      inventory_date: { type: 'date' },
      company_id: { type: 'many2one', relation: 'res.company', compute: () => 1 },
    },
    methods: {
      action_apply_inventory: records((env, ids) => {
        for (const id of ids) applyInventory(env.orm.get('stock.quant', id)!, env);
        return undefined; // Odoo returns None → JSON-RPC answers without a `result` key
      }),
    },
  });

  orm.define({
    name: 'stock.picking',
    displayName: (r) => String(r.name),
    fields: {
      name: { type: 'char' },
      state: { type: 'selection', default: () => 'draft' },
      picking_type_id: { type: 'many2one', relation: 'stock.picking.type', required: true },
      picking_type_code: { type: 'selection', compute: (r, env) => env.orm.get('stock.picking.type', r.picking_type_id as number)?.code ?? false },
      location_id: { type: 'many2one', relation: 'stock.location', required: true },
      location_dest_id: { type: 'many2one', relation: 'stock.location', required: true },
      origin: { type: 'char' },
      sale_id: { type: 'many2one', relation: 'sale.order' },
      purchase_id: { type: 'many2one', relation: 'purchase.order' },
      move_ids: { type: 'one2many', relation: 'stock.move', inverse: 'picking_id' },
      scheduled_date: { type: 'datetime', default: (_v, env) => odooDatetime(env.orm.now()) },
      date_done: { type: 'datetime' },
      partner_id: { type: 'many2one', relation: 'res.partner' },
      backorder_id: { type: 'many2one', relation: 'stock.picking' },
    },
    methods: {
      // Fake simplification: validates the whole reserved quantity, no backorder wizard.
      button_validate: records((env, ids) => {
        for (const id of ids) validatePicking(env.orm.get('stock.picking', id)!, env);
        return true;
      }),
    },
  });

  orm.define({
    name: 'stock.move',
    displayName: (r, env) => env.orm.displayName('product.product', r.product_id as number, env),
    fields: {
      product_id: { type: 'many2one', relation: 'product.product', required: true },
      product_uom_qty: { type: 'float', required: true },
      quantity: { type: 'float', default: () => 0 },
      state: { type: 'selection', default: () => 'draft' },
      location_id: { type: 'many2one', relation: 'stock.location', required: true },
      location_dest_id: { type: 'many2one', relation: 'stock.location', required: true },
      warehouse_id: { type: 'many2one', relation: 'stock.warehouse' },
      picking_id: { type: 'many2one', relation: 'stock.picking' },
      sale_line_id: { type: 'many2one', relation: 'sale.order.line' },
      purchase_line_id: { type: 'many2one', relation: 'purchase.order.line' },
      procure_method: { type: 'selection', default: () => 'make_to_stock' },
      origin: { type: 'char' },
    },
  });
}

function completeName(r: Row, env: Env): string {
  if (r.usage === 'view' || typeof r.location_id !== 'number') return String(r.name);
  return `${completeName(env.orm.get('stock.location', r.location_id)!, env)}/${r.name}`;
}

function quantAt(env: Env, productId: number, locationId: number): Row {
  const found = env.orm.rows('stock.quant').find((q) => q.product_id === productId && q.location_id === locationId);
  return found ?? env.orm.create('stock.quant', { product_id: productId, location_id: locationId }, env);
}

/** Applying a count moves the difference from the virtual "Inventory adjustment" location, leaving a negative quant there. */
function applyInventory(q: Row, env: Env): void {
  const diff = (q.inventory_quantity as number) - (q.quantity as number);
  if (diff !== 0) {
    const [src, dest] = diff > 0 ? [INVENTORY_ADJUSTMENT_LOCATION, q.location_id] : [q.location_id, INVENTORY_ADJUSTMENT_LOCATION];
    env.orm.create('stock.move', { product_id: q.product_id, product_uom_qty: Math.abs(diff), quantity: Math.abs(diff), state: 'done', location_id: src, location_dest_id: dest, origin: 'Product Quantity Updated' }, env);
    q.quantity = (q.quantity as number) + diff;
    const virtual = quantAt(env, q.product_id as number, INVENTORY_ADJUSTMENT_LOCATION);
    virtual.quantity = (virtual.quantity as number) - diff;
  }
  q.inventory_quantity = 0;
  q.inventory_quantity_set = false;
}

export interface PickingSpec {
  typeId: number;
  origin: string;
  partnerId: number | false;
  sourceLocation: number;
  destLocation: number;
  links: { sale_id?: number; purchase_id?: number };
  moves: { productId: number; qty: number; saleLineId?: number; purchaseLineId?: number }[];
}

/** One picking per confirmed order; storable goods reserve from quants at the source location. */
export function createPicking(env: Env, spec: PickingSpec): Row {
  const type = env.orm.get('stock.picking.type', spec.typeId)!;
  const wh = env.orm.get('stock.warehouse', type.warehouse_id as number)!;
  type.next_number = ((type.next_number as number | undefined) ?? 0) + 1;
  const picking = env.orm.create('stock.picking', {
    name: `${wh.code}/${type.sequence_code}/${pad5(type.next_number as number)}`,
    state: 'draft', picking_type_id: type.id, location_id: spec.sourceLocation, location_dest_id: spec.destLocation,
    origin: spec.origin, partner_id: spec.partnerId, ...spec.links,
  }, env);
  const states: string[] = [];
  for (const m of spec.moves) {
    const product = env.orm.get('product.product', m.productId)!;
    const sourceIsStock = env.orm.get('stock.location', spec.sourceLocation)?.usage === 'internal';
    const reserved = sourceIsStock && product.is_storable ? reserve(env, m.productId, spec.sourceLocation, m.qty) : m.qty;
    const state = reserved >= m.qty ? 'assigned' : reserved > 0 ? 'partially_available' : 'confirmed';
    states.push(state);
    env.orm.create('stock.move', {
      product_id: m.productId, product_uom_qty: m.qty, quantity: reserved, state,
      location_id: spec.sourceLocation, location_dest_id: spec.destLocation, warehouse_id: wh.id, picking_id: picking.id,
      sale_line_id: m.saleLineId ?? false, purchase_line_id: m.purchaseLineId ?? false, origin: spec.origin,
    }, env);
  }
  // move_type 'direct': the picking is ready as soon as anything can be shipped.
  picking.state = states.some((s) => s !== 'confirmed') ? 'assigned' : 'confirmed';
  return picking;
}

function reserve(env: Env, productId: number, locationId: number, wanted: number): number {
  let got = 0;
  for (const q of env.orm.rows('stock.quant')) {
    if (q.product_id !== productId || q.location_id !== locationId || got >= wanted) continue;
    const take = Math.min(wanted - got, Math.max(0, (q.quantity as number) - (q.reserved_quantity as number)));
    q.reserved_quantity = (q.reserved_quantity as number) + take;
    got += take;
  }
  return got;
}

function validatePicking(p: Row, env: Env): void {
  for (const m of env.orm.rows('stock.move').filter((x) => x.picking_id === p.id)) {
    const qty = m.quantity as number;
    const from = quantAt(env, m.product_id as number, m.location_id as number);
    const storableSource = env.orm.get('stock.location', m.location_id as number)?.usage === 'internal';
    if (storableSource) from.reserved_quantity = Math.max(0, (from.reserved_quantity as number) - qty);
    from.quantity = (from.quantity as number) - qty;
    const to = quantAt(env, m.product_id as number, m.location_dest_id as number);
    to.quantity = (to.quantity as number) + qty;
    m.state = 'done';
  }
  p.state = 'done';
  p.date_done = odooDatetime(env.orm.now());
}
