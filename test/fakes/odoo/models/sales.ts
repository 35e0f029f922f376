import { userError } from '../exceptions.js';
import { odooDatetime, type MethodDef, type Orm, type Row, type Env } from '../orm.js';
import { pad5, roundCents, totalsOf } from '../money.js';
import { createPicking, CUSTOMERS_LOCATION } from './stock.js';

const records = (run: MethodDef['run']): MethodDef => ({ kind: 'records', params: [], required: 0, run });

export function defineSales(orm: Orm): void {
  const totals = (r: Row, env: Env) =>
    totalsOf(env.orm.rows('sale.order.line').filter((l) => l.order_id === r.id).map((l) => subtotal(l)));

  orm.define({
    name: 'sale.order',
    displayName: (r) => String(r.name),
    order: 'date_order desc, id desc',
    fields: {
      name: { type: 'char', default: () => '/' },
      // No 'done' in 17+: a finished order is 'sale' with `locked`.
      state: { type: 'selection', default: () => 'draft' },
      partner_id: { type: 'many2one', relation: 'res.partner', required: true },
      partner_shipping_id: { type: 'many2one', relation: 'res.partner', default: (v) => v.partner_id ?? false },
      partner_invoice_id: { type: 'many2one', relation: 'res.partner', default: (v) => v.partner_id ?? false },
      warehouse_id: { type: 'many2one', relation: 'stock.warehouse', default: () => 1 },
      order_line: { type: 'one2many', relation: 'sale.order.line', inverse: 'order_id' },
      client_order_ref: { type: 'char' },
      origin: { type: 'char' },
      amount_untaxed: { type: 'monetary', compute: (r, env) => totals(r, env).untaxed },
      amount_tax: { type: 'monetary', compute: (r, env) => totals(r, env).tax },
      amount_total: { type: 'monetary', compute: (r, env) => totals(r, env).total },
      currency_id: { type: 'many2one', relation: 'res.currency', default: () => 1 },
      date_order: { type: 'datetime', default: (_v, env) => odooDatetime(env.orm.now()) },
      commitment_date: { type: 'datetime' },
      picking_ids: { type: 'one2many', relation: 'stock.picking', inverse: 'sale_id' },
      delivery_status: { type: 'selection', compute: (r, env) => deliveryStatus(r, env) },
      invoice_status: { type: 'selection', compute: (r) => (r.state === 'sale' ? 'to invoice' : 'no') },
      invoice_ids: { type: 'many2many', relation: 'account.move', compute: () => [] },
      locked: { type: 'boolean', default: () => false },
      company_id: { type: 'many2one', relation: 'res.company', default: () => 1 },
      user_id: { type: 'many2one', relation: 'res.users', default: (_v, env) => env.uid },
      team_id: { type: 'many2one', relation: 'crm.team' },
      pricelist_id: { type: 'many2one', relation: 'product.pricelist' },
      payment_term_id: { type: 'many2one', relation: 'account.payment.term' },
      note: { type: 'html' },
      tag_ids: { type: 'many2many', relation: 'crm.tag' },
    },
    afterCreate(r) {
      if (r.name === '/') r.name = `S${pad5(r.id)}`;
    },
    beforeUnlink(rows) {
      if (rows.some((r) => r.state !== 'draft' && r.state !== 'cancel')) {
        throw userError('You can not delete a sent quotation or a confirmed sales order. You must first cancel it.');
      }
    },
    methods: {
      action_confirm: records((env, ids) => {
        const orders = ids.map((id) => env.orm.get('sale.order', id)!);
        // Confirming twice is an error in Odoo, which is why callers must check the state first.
        if (orders.some((o) => o.state !== 'draft' && o.state !== 'sent')) {
          throw userError('Some orders are not in a state requiring confirmation.');
        }
        for (const o of orders) confirmSaleOrder(o, env);
        return true;
      }),
      // Odoo 17+: a locked order refuses; a non-draft one gets the cancel wizard (an action for a person,
      // nothing cancelled) unless the caller passes disable_cancel_warning, as the wizard's own button does.
      action_cancel: records((env, ids) => {
        const orders = ids.map((id) => env.orm.get('sale.order', id)!);
        if (orders.some((o) => o.locked)) throw userError('You cannot cancel a locked order. Please unlock it first.');
        if (!env.context.disable_cancel_warning && orders.some((o) => o.state !== 'draft')) {
          return { type: 'ir.actions.act_window', name: 'Cancel Sales Order', res_model: 'sale.order.cancel', view_mode: 'form', target: 'new', context: { default_order_id: ids[0] } };
        }
        for (const id of ids) {
          env.orm.get('sale.order', id)!.state = 'cancel';
          for (const p of env.orm.rows('stock.picking')) if (p.sale_id === id && p.state !== 'done') p.state = 'cancel';
        }
        return true;
      }),
    },
  });

  orm.define({
    name: 'sale.order.line',
    displayName: (r, env) => {
      const order = env.orm.get('sale.order', r.order_id as number)!;
      return `${order.name} - ${r.name} (${env.orm.displayName('res.partner', order.partner_id as number, env)})`;
    },
    fields: {
      order_id: { type: 'many2one', relation: 'sale.order', required: true },
      product_id: { type: 'many2one', relation: 'product.product' },
      name: { type: 'text', default: (v, env) => (typeof v.product_id === 'number' ? env.orm.displayName('product.product', v.product_id, env) : false) },
      product_uom_qty: { type: 'float', default: () => 1 },
      price_unit: { type: 'float', default: (v, env) => (typeof v.product_id === 'number' ? (env.orm.get('product.product', v.product_id)?.list_price ?? 0) : 0) },
      discount: { type: 'float', default: () => 0 },
      price_subtotal: { type: 'monetary', compute: (r) => subtotal(r) },
      qty_delivered: { type: 'float', default: () => 0 },
      qty_invoiced: { type: 'float', default: () => 0 },
      move_ids: { type: 'one2many', relation: 'stock.move', inverse: 'sale_line_id' },
      product_uom_id: { type: 'many2one', relation: 'uom.uom', default: () => 1 },
    },
  });
}

function subtotal(l: Row): number {
  return roundCents((l.product_uom_qty as number) * (l.price_unit as number) * (1 - ((l.discount as number) ?? 0) / 100));
}

function confirmSaleOrder(o: Row, env: Env): void {
  const lines = env.orm.rows('sale.order.line').filter((l) => l.order_id === o.id);
  if (lines.some((l) => typeof l.product_id !== 'number')) throw userError('A line on these orders missing a product, you cannot confirm it.');
  o.state = 'sale';
  const goods = lines.filter((l) => env.orm.get('product.product', l.product_id as number)?.type === 'consu');
  if (!goods.length) return;
  const wh = env.orm.get('stock.warehouse', o.warehouse_id as number)!;
  const type = env.orm.rows('stock.picking.type').find((t) => t.warehouse_id === wh.id && t.code === 'outgoing')!;
  createPicking(env, {
    typeId: type.id, origin: String(o.name), partnerId: o.partner_shipping_id as number,
    sourceLocation: wh.lot_stock_id as number, destLocation: CUSTOMERS_LOCATION, links: { sale_id: o.id },
    moves: goods.map((l) => ({ productId: l.product_id as number, qty: l.product_uom_qty as number, saleLineId: l.id })),
  });
}

function deliveryStatus(o: Row, env: Env): string | false {
  if (o.state !== 'sale') return false;
  const pickings = env.orm.rows('stock.picking').filter((p) => p.sale_id === o.id && p.state !== 'cancel');
  if (!pickings.length) return false;
  if (pickings.every((p) => p.state === 'done')) return 'full';
  return pickings.some((p) => p.state === 'done') ? 'partial' : 'pending';
}
