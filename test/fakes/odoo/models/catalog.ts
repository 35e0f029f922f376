import { validationError } from '../exceptions.js';
import type { Env, Orm, Row } from '../orm.js';

/** Companies, partners, users, currencies and products: the reference data the flows point at. */
export function defineCatalog(orm: Orm): void {
  const name = (r: Row) => String(r.name);
  orm.define({ name: 'res.company', displayName: name, fields: { name: { type: 'char', required: true } } });
  // `name` is the ISO code; most of Odoo's currencies ship archived (`active` false), hidden from search.
  orm.define({
    name: 'res.currency',
    displayName: name,
    fields: { name: { type: 'char', required: true }, active: { type: 'boolean', default: () => true } },
  });
  orm.define({
    name: 'res.users',
    displayName: name,
    fields: { name: { type: 'char', required: true }, login: { type: 'char', required: true } },
  });
  orm.define({
    name: 'res.partner',
    displayName: (r, env) => (typeof r.parent_id === 'number' ? `${env.orm.displayName('res.partner', r.parent_id, env)}, ${r.name}` : String(r.name)),
    order: 'name, id',
    fields: {
      name: { type: 'char', required: true },
      parent_id: { type: 'many2one', relation: 'res.partner' },
      email: { type: 'char' },
      ref: { type: 'char' },
      active: { type: 'boolean', default: () => true },
      is_company: { type: 'boolean' },
    },
    afterWrite(rows, vals, env) {
      if (!('parent_id' in vals)) return;
      for (const r of rows) {
        // Walk up the parent chain: reaching ourselves again is the constraint Odoo checks.
        const seen = new Set<number>();
        for (let p = r.parent_id; typeof p === 'number'; p = env.orm.get('res.partner', p)?.parent_id) {
          if (p === r.id || seen.has(p)) throw validationError('You cannot create recursive Partner hierarchies.');
          seen.add(p);
        }
      }
    },
  });
  orm.define({
    name: 'product.product',
    displayName: (r) => (r.default_code ? `[${r.default_code}] ${r.name}` : String(r.name)),
    order: 'default_code, name, id',
    fields: {
      name: { type: 'char', required: true },
      default_code: { type: 'char' },
      barcode: { type: 'char' },
      // Odoo 18+/19: 'product' is gone; storable = type 'consu' + is_storable.
      type: { type: 'selection', default: () => 'consu' },
      is_storable: { type: 'boolean', default: () => false },
      list_price: { type: 'float', default: () => 1 },
      standard_price: { type: 'float', default: () => 0 },
      active: { type: 'boolean', default: () => true },
      qty_available: { type: 'float', compute: (r, env) => stockOf(r, env).onHand },
      free_qty: { type: 'float', compute: (r, env) => stockOf(r, env).free },
      incoming_qty: { type: 'float', compute: (r, env) => stockOf(r, env).incoming },
      outgoing_qty: { type: 'float', compute: (r, env) => stockOf(r, env).outgoing },
      virtual_available: {
        type: 'float',
        compute: (r, env) => {
          const s = stockOf(r, env);
          return s.onHand + s.incoming - s.outgoing;
        },
      },
    },
  });
}

/** Per-product quantities over internal locations, narrowed by `context.warehouse_id` as Odoo does. */
function stockOf(product: Row, env: Env): { onHand: number; free: number; incoming: number; outgoing: number } {
  const wh = env.context.warehouse_id;
  const internal = (locId: unknown) => {
    const loc = typeof locId === 'number' ? env.orm.get('stock.location', locId) : undefined;
    return !!loc && loc.usage === 'internal' && (wh === undefined || loc.warehouse_id === wh);
  };
  let onHand = 0;
  let free = 0;
  for (const q of env.orm.rows('stock.quant')) {
    if (q.product_id !== product.id || !internal(q.location_id)) continue;
    onHand += q.quantity as number;
    free += (q.quantity as number) - (q.reserved_quantity as number);
  }
  let incoming = 0;
  let outgoing = 0;
  for (const m of env.orm.rows('stock.move')) {
    if (m.product_id !== product.id || m.state === 'done' || m.state === 'cancel') continue;
    const from = internal(m.location_id);
    const to = internal(m.location_dest_id);
    if (from && !to) outgoing += m.product_uom_qty as number;
    if (to && !from) incoming += m.product_uom_qty as number;
  }
  return { onHand, free, incoming, outgoing };
}
