import { userError } from '../exceptions.js';
import { type MethodDef, type Orm, type Row, type Env, odooDatetime } from '../orm.js';
import { pad5, roundCents, totalsOf } from '../money.js';
import { createPicking } from './stock.js';

const records = (run: MethodDef['run']): MethodDef => ({ kind: 'records', params: [], required: 0, run });

export function definePurchase(orm: Orm): void {
  const lines = (r: Row, env: Env) => env.orm.rows('purchase.order.line').filter((l) => l.order_id === r.id);
  orm.define({
    name: 'purchase.order',
    displayName: (r) => String(r.name),
    order: 'priority desc, id desc',
    fields: {
      name: { type: 'char', default: () => 'New' },
      // 19.0: draft | sent | to approve | purchase | cancel (no 'done').
      state: { type: 'selection', default: () => 'draft' },
      partner_id: { type: 'many2one', relation: 'res.partner', required: true },
      partner_ref: { type: 'char' },
      origin: { type: 'char' },
      order_line: { type: 'one2many', relation: 'purchase.order.line', inverse: 'order_id' },
      picking_type_id: {
        type: 'many2one', relation: 'stock.picking.type', required: true,
        default: (_v, env) => env.orm.rows('stock.picking.type').find((t) => t.code === 'incoming' && t.warehouse_id === 1)?.id ?? false,
      },
      picking_ids: { type: 'one2many', relation: 'stock.picking', inverse: 'purchase_id' },
      date_planned: { type: 'datetime' },
      date_order: { type: 'datetime', default: (_v, env) => odooDatetime(env.orm.now()) },
      amount_total: { type: 'monetary', compute: (r, env) => totalsOf(lines(r, env).map(sub)).total },
      company_id: { type: 'many2one', relation: 'res.company', default: () => 1 },
      priority: { type: 'selection', default: () => '0' },
    },
    afterCreate(r) {
      if (r.name === 'New') r.name = `P${pad5(r.id)}`;
    },
    methods: {
      button_confirm: records((env, ids) => {
        for (const id of ids) {
          const po = env.orm.get('purchase.order', id)!;
          // Odoo silently skips orders that are not draft/sent: confirming twice is harmless here.
          if (po.state !== 'draft' && po.state !== 'sent') continue;
          po.state = 'purchase';
          const type = env.orm.get('stock.picking.type', po.picking_type_id as number)!;
          createPicking(env, {
            typeId: type.id, origin: String(po.name), partnerId: po.partner_id as number,
            sourceLocation: type.default_location_src_id as number, destLocation: type.default_location_dest_id as number,
            links: { purchase_id: po.id },
            moves: lines(po, env).map((l) => ({ productId: l.product_id as number, qty: l.product_qty as number, purchaseLineId: l.id })),
          });
        }
        return true;
      }),
      // purchase_stock: an order with a reception already done cannot be cancelled; otherwise the
      // order and its open receptions are.
      button_cancel: records((env, ids) => {
        for (const id of ids) {
          const po = env.orm.get('purchase.order', id)!;
          const pickings = env.orm.rows('stock.picking').filter((p) => p.purchase_id === id);
          if (pickings.some((p) => p.state === 'done')) throw userError(`Unable to cancel purchase order ${String(po.name)} as some receptions have already been done.`);
          po.state = 'cancel';
          for (const p of pickings) p.state = 'cancel';
        }
        return true;
      }),
    },
  });
  orm.define({
    name: 'purchase.order.line',
    displayName: (r, env) => `${env.orm.get('purchase.order', r.order_id as number)?.name}: ${r.name}`,
    fields: {
      order_id: { type: 'many2one', relation: 'purchase.order', required: true },
      product_id: { type: 'many2one', relation: 'product.product', required: true },
      name: { type: 'text', default: (v, env) => env.orm.displayName('product.product', v.product_id as number, env) },
      product_qty: { type: 'float', default: () => 1 },
      price_unit: { type: 'float', default: (v, env) => env.orm.get('product.product', v.product_id as number)?.standard_price ?? 0 },
      price_subtotal: { type: 'monetary', compute: (r) => sub(r) },
      qty_received: { type: 'float', default: () => 0 },
    },
  });
}

const sub = (l: Row) => roundCents((l.product_qty as number) * (l.price_unit as number));
