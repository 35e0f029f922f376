import { userError } from '../exceptions.js';
import { type MethodDef, type Orm, type Row, type Env } from '../orm.js';
import { pad5, roundCents, totalsOf } from '../money.js';

const records = (run: MethodDef['run']): MethodDef => ({ kind: 'records', params: [], required: 0, run });

/** Journal prefixes Odoo 17+ uses for customer/vendor invoices and their refunds. */
const PREFIX: Record<string, string> = { out_invoice: 'INV', out_refund: 'RINV', in_invoice: 'BILL', in_refund: 'RBILL', entry: 'MISC' };

const SALE_TYPES = new Set(['out_invoice', 'out_refund', 'out_receipt']);
const PURCHASE_TYPES = new Set(['in_invoice', 'in_refund', 'in_receipt']);

/** Not captured: shaped from account.move's fields in Odoo 17–19 (see docs/odoo.md, "assumptions"). */
export function defineAccounting(orm: Orm): void {
  const lines = (r: Row, env: Env) => env.orm.rows('account.move.line').filter((l) => l.move_id === r.id);
  orm.define({
    name: 'account.move',
    displayName: (r) => (r.name === '/' ? `Draft (* ${r.id})` : String(r.name)),
    fields: {
      name: { type: 'char', default: () => '/' },
      move_type: { type: 'selection', default: () => 'entry' },
      state: { type: 'selection', default: () => 'draft' },
      partner_id: { type: 'many2one', relation: 'res.partner' },
      ref: { type: 'char' },
      invoice_origin: { type: 'char' },
      invoice_date: { type: 'date' },
      reversed_entry_id: { type: 'many2one', relation: 'account.move' },
      invoice_line_ids: { type: 'one2many', relation: 'account.move.line', inverse: 'move_id' },
      amount_untaxed: { type: 'monetary', compute: (r, env) => totalsOf(lines(r, env).map(sub)).untaxed },
      amount_total: { type: 'monetary', compute: (r, env) => totalsOf(lines(r, env).map(sub)).total },
      currency_id: { type: 'many2one', relation: 'res.currency', default: () => 1 },
      company_id: { type: 'many2one', relation: 'res.company', default: () => 1 },
    },
    methods: {
      action_post: records((env, ids) => {
        for (const id of ids) {
          const m = env.orm.get('account.move', id)!;
          if (m.state === 'posted') throw userError(`The entry ${m.name} (id ${m.id}) is already posted.`);
          if (!lines(m, env).length) throw userError('You need to add a line before posting.');
          // AccountMove._post (Odoo 17–19): a vendor document needs its vendor and the date on the
          // vendor's paper; a customer document without a date is dated today.
          if (PURCHASE_TYPES.has(String(m.move_type))) {
            if (!m.partner_id) throw userError("The field 'Vendor' is required, please complete it to validate the Vendor Bill.");
            if (!m.invoice_date) throw userError('The Bill/Refund date is required to validate this document.');
          } else if (SALE_TYPES.has(String(m.move_type)) && !m.invoice_date) {
            m.invoice_date = env.orm.now().toISOString().slice(0, 10);
          }
          // The sequence follows the document's date (a bill dated last year is numbered in last year's).
          const year = m.invoice_date ? Number(String(m.invoice_date).slice(0, 4)) : env.orm.now().getUTCFullYear();
          const prefix = `${PREFIX[String(m.move_type)] ?? 'MISC'}/${year}/`;
          const n = env.orm.rows('account.move').filter((x) => String(x.name).startsWith(prefix)).length + 1;
          m.name = `${prefix}${pad5(n)}`;
          m.state = 'posted';
        }
        return false; // account.move.action_post ends with `return False`
      }),
    },
  });
  orm.define({
    name: 'account.move.line',
    displayName: (r, env) => String(env.orm.get('account.move', r.move_id as number)?.name ?? ''),
    fields: {
      move_id: { type: 'many2one', relation: 'account.move', required: true },
      product_id: { type: 'many2one', relation: 'product.product' },
      name: { type: 'text', default: (v, env) => (typeof v.product_id === 'number' ? env.orm.displayName('product.product', v.product_id, env) : false) },
      quantity: { type: 'float', default: () => 1 },
      price_unit: { type: 'float', default: (v, env) => (typeof v.product_id === 'number' ? (env.orm.get('product.product', v.product_id)?.list_price ?? 0) : 0) },
      price_subtotal: { type: 'monetary', compute: (r) => sub(r) },
    },
  });
}

const sub = (l: Row) => roundCents((l.quantity as number) * (l.price_unit as number));
