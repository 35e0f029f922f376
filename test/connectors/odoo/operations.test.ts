import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OdooClient } from '../../../src/connectors/odoo/client.js';
import { OdooPermanentError, OdooTransientError } from '../../../src/connectors/odoo/errors.js';
import { retryTransient } from '../../../src/connectors/odoo/retry.js';
import {
  cancelPurchaseOrder, cancelSaleOrder, importProducts, importStockPerWarehouse, omniopsMarker, pushCreditNote, pushPurchaseOrder, pushSaleOrder, pushVendorCredit, readPickingState,
  type SaleOrderPush, type VendorCreditPush,
} from '../../../src/connectors/odoo/operations/index.js';
import { fakeTarget, makeFixtures, TARGETS, uniq, type Fixtures, type Target } from './targets.js';

const countByMarker = (c: OdooClient, model: string, field: string, marker: string) =>
  c.call<number>(model, 'search_count', { domain: [[field, '=', marker]] });

function order(fx: Fixtures, qty = 3, channelRef = `WEB-${uniq()}`): SaleOrderPush {
  return { orderId: `ord-${uniq()}`, channelRef, partnerId: fx.partnerId, warehouseId: fx.warehouseId, lines: [{ productId: fx.productId, quantity: qty, unitPrice: 42.5 }] };
}

for (const t of TARGETS) {
  for (const transport of ['json2', 'jsonrpc'] as const) {
    describe.skipIf(t.skip)(`Odoo operations against ${t.name} over ${transport}`, () => {
      let target: Target;
      let fx: Fixtures;
      const c = () => target[transport];
      beforeAll(async () => {
        target = await t.start();
        fx = await makeFixtures(target.json2);
      });
      afterAll(() => target?.close());

      it('importProducts maps sku, prices and storability', async () => {
        const products = await importProducts(c(), { pageSize: 2 });
        expect(products.find((p) => p.sku === fx.sku)).toEqual({
          odooId: fx.productId, sku: fx.sku, name: `omniops test ${fx.sku}`, listPrice: 42.5, standardPrice: 20, type: 'consu', isStorable: true,
        });
        expect(new Set(products.map((p) => p.odooId)).size).toBe(products.length); // paging neither repeats nor skips
      });

      it('importStockPerWarehouse counts internal locations only', async () => {
        const { lines } = await importStockPerWarehouse(c(), { productIds: [fx.productId] });
        // The inventory adjustment left a negative quant at a virtual location; it must not cancel out the stock.
        expect(lines).toEqual([{ productId: fx.productId, warehouseId: fx.warehouseId, warehouseName: expect.any(String), onHand: 10, reserved: 0, available: 10 }]);
      });

      it('pushSaleOrder creates and confirms once; a second push changes nothing', async () => {
        const o = order(fx);
        const first = await pushSaleOrder(c(), o);
        expect(first).toMatchObject({ created: true, confirmed: true, state: 'sale', duplicateIds: [] });
        const again = await pushSaleOrder(c(), o);
        expect(again).toEqual({ ...first, created: false, confirmed: false });
        expect(await countByMarker(c(), 'sale.order', 'origin', omniopsMarker('order', o.orderId))).toBe(1);

        const pickings = await readPickingState(c(), first.saleOrderId);
        expect(pickings).toHaveLength(1);
        expect(pickings[0]!.state).toBe('assigned');
        const { lines } = await importStockPerWarehouse(c(), { productIds: [fx.productId] });
        expect(lines[0]).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
      });

      it('pushSaleOrder is not fooled by another order with the same client_order_ref', async () => {
        const o = order(fx, 1);
        const [foreign] = await c().call<number[]>('sale.order', 'create', {
          vals_list: [{ partner_id: fx.partnerId, client_order_ref: o.channelRef, order_line: [[0, 0, { product_id: fx.productId, product_uom_qty: 1 }]] }],
        });
        const r = await pushSaleOrder(c(), o);
        expect(r.created).toBe(true);
        expect(r.saleOrderId).not.toBe(foreign);
        const [untouched] = await c().call<{ state: string }[]>('sale.order', 'read', { ids: [foreign!], fields: ['state'] });
        expect(untouched!.state).toBe('draft');
      });

      it('pushSaleOrder leaves a cancelled order cancelled and creates no replacement', async () => {
        const o = order(fx, 1);
        const r = await pushSaleOrder(c(), o);
        await c().call('sale.order', 'action_cancel', { ids: [r.saleOrderId], context: { disable_cancel_warning: true } });
        expect(await pushSaleOrder(c(), o)).toMatchObject({ saleOrderId: r.saleOrderId, state: 'cancel', created: false, confirmed: false });
      });

      it('cancelSaleOrder cancels the pushed order once (its picking too); never pushed or already cancelled, it calls nothing', async () => {
        const o = order(fx, 2);
        expect(await cancelSaleOrder(c(), { orderId: o.orderId, channelRef: o.channelRef })).toEqual({ saleOrderId: null, state: null, cancelled: false });
        const pushed = await pushSaleOrder(c(), o);
        // Without the context Odoo would answer with its cancel wizard and cancel nothing.
        const wizard = await c().call<{ res_model?: string }>('sale.order', 'action_cancel', { ids: [pushed.saleOrderId] });
        expect(wizard.res_model).toBe('sale.order.cancel');
        expect(await cancelSaleOrder(c(), { orderId: o.orderId, channelRef: o.channelRef })).toEqual({ saleOrderId: pushed.saleOrderId, state: 'cancel', cancelled: true });
        expect(await cancelSaleOrder(c(), { orderId: o.orderId, channelRef: o.channelRef })).toEqual({ saleOrderId: pushed.saleOrderId, state: 'cancel', cancelled: false });
        expect((await readPickingState(c(), pushed.saleOrderId)).map((x) => x.state)).toEqual(['cancel']);
      });

      it('cancelSaleOrder refuses a locked order (Odoo UserError, permanent): someone closed it on purpose', async () => {
        const o = order(fx, 1);
        const pushed = await pushSaleOrder(c(), o);
        await c().call('sale.order', 'write', { ids: [pushed.saleOrderId], vals: { locked: true } });
        const err = await cancelSaleOrder(c(), { orderId: o.orderId, channelRef: o.channelRef }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OdooPermanentError);
        expect(String((err as Error).message)).toMatch(/locked/);
      });

      it('cancelPurchaseOrder cancels a pushed order once; never pushed, it calls nothing', async () => {
        const p = { purchaseId: `po-${uniq()}`, vendorId: fx.partnerId, lines: [{ productId: fx.productId, quantity: 2 }] };
        expect(await cancelPurchaseOrder(c(), p)).toEqual({ purchaseOrderId: null, state: null, cancelled: false });
        const pushed = await pushPurchaseOrder(c(), p);
        expect(await cancelPurchaseOrder(c(), p)).toEqual({ purchaseOrderId: pushed.purchaseOrderId, state: 'cancel', cancelled: true });
        expect(await cancelPurchaseOrder(c(), p)).toEqual({ purchaseOrderId: pushed.purchaseOrderId, state: 'cancel', cancelled: false });
      });

      it('pushPurchaseOrder creates and confirms once', async () => {
        const p = { purchaseId: `po-${uniq()}`, vendorId: fx.partnerId, lines: [{ productId: fx.productId, quantity: 5, unitCost: 19.999 }] };
        const first = await pushPurchaseOrder(c(), p);
        expect(first).toMatchObject({ created: true, confirmed: true, state: 'purchase' });
        expect(await pushPurchaseOrder(c(), p)).toEqual({ ...first, created: false, confirmed: false });
        const [line] = await c().call<{ price_unit: number; product_qty: number }[]>('purchase.order.line', 'search_read', {
          domain: [['order_id', '=', first.purchaseOrderId]], fields: ['price_unit', 'product_qty'],
        });
        expect(line).toMatchObject({ price_unit: 20, product_qty: 5 });
      });

      it('pushCreditNote creates and posts an out_refund once', async () => {
        const n = { refundId: `rf-${uniq()}`, partnerId: fx.partnerId, sourceRef: 'WEB-1', lines: [{ productId: fx.productId, quantity: 1, unitPrice: 42.5 }] };
        const first = await pushCreditNote(c(), n);
        expect(first).toMatchObject({ created: true, posted: true, state: 'posted' });
        expect(first.name).not.toBe('/');
        expect(await pushCreditNote(c(), n)).toEqual({ ...first, created: false, posted: false });
        const [move] = await c().call<{ move_type: string }[]>('account.move', 'read', { ids: [first.moveId], fields: ['move_type'] });
        expect(move!.move_type).toBe('out_refund');
      });

      it('pushVendorCredit creates and posts an in_refund on the vendor once, dated the answer\'s day, the claim, case and supplier\'s number on its line', async () => {
        const claimId = `clm_${uniq()}`;
        const v: VendorCreditPush = { claimId, caseId: 'rc-1', vendorId: fx.partnerId, amount: 99.999, creditNoteRef: 'CN-77', invoiceDate: '2026-11-07' };
        const first = await pushVendorCredit(c(), v);
        expect(first).toMatchObject({ created: true, posted: true, state: 'posted', duplicateIds: [] });
        expect(first.name).not.toBe('/');
        expect(await pushVendorCredit(c(), v)).toEqual({ ...first, created: false, posted: false });
        expect(await countByMarker(c(), 'account.move', 'ref', omniopsMarker('supplier_credit', claimId))).toBe(1);
        const [move] = await c().call<{ move_type: string; partner_id: [number, string]; invoice_date: string; amount_untaxed: number }[]>('account.move', 'read', {
          ids: [first.moveId], fields: ['move_type', 'partner_id', 'invoice_date', 'amount_untaxed'],
        });
        expect(move).toMatchObject({ move_type: 'in_refund', invoice_date: '2026-11-07', amount_untaxed: 100 });
        expect(move!.partner_id[0]).toBe(fx.partnerId);
        // invoice_line_ids: the lines a person sees (a real Odoo adds the payable line beside them).
        const [{ invoice_line_ids: lineIds }] = await c().call<{ invoice_line_ids: number[] }[]>('account.move', 'read', { ids: [first.moveId], fields: ['invoice_line_ids'] }) as [{ invoice_line_ids: number[] }];
        const lines = await c().call<{ id: number; name: string; quantity: number; price_unit: number }[]>('account.move.line', 'read', { ids: lineIds, fields: ['name', 'quantity', 'price_unit'] });
        expect(lines).toEqual([{ id: expect.any(Number), name: `Warranty claim ${claimId} (return rc-1), supplier credit note CN-77`, quantity: 1, price_unit: 100 }]);
      });

      it('a vendor credit note without its date is refused on posting (Odoo UserError): why pushVendorCredit sends invoice_date', async () => {
        const [id] = await c().call<number[]>('account.move', 'create', {
          vals_list: [{ move_type: 'in_refund', partner_id: fx.partnerId, ref: `undated-${uniq()}`, invoice_line_ids: [[0, 0, { name: 'undated', quantity: 1, price_unit: 1 }]] }],
        });
        await expect(c().call('account.move', 'action_post', { ids: [id!] })).rejects.toBeInstanceOf(OdooPermanentError);
        const [move] = await c().call<{ state: string }[]>('account.move', 'read', { ids: [id!], fields: ['state'] });
        expect(move!.state).toBe('draft');
      });
    });
  }
}

describe('exactly once under lost answers and retries (fake only)', () => {
  let target: Target;
  let fx: Fixtures;
  beforeAll(async () => {
    target = await fakeTarget();
    fx = await makeFixtures(target.json2);
  });
  afterAll(() => target.close());
  afterEach(() => target.fake!.clearFaults());

  const retry = { maxAttempts: 5, backoff: { baseMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 }, random: () => 0.5 };

  for (const transport of ['json2', 'jsonrpc'] as const) {
    describe(transport, () => {
      const c = () => target[transport];
      const ordersOf = (orderId: string) => countByMarker(c(), 'sale.order', 'origin', omniopsMarker('order', orderId));

      it('create committed but its answer lost: the retry finds the order and does not create a second', async () => {
        const o = order(fx, 1);
        target.fake!.injectFault({ kind: 'drop-response', match: { model: 'sale.order', method: 'create' } });
        const sleeps: number[] = [];
        const r = await retryTransient(() => pushSaleOrder(c(), o), { ...retry, sleep: async (ms) => void sleeps.push(ms) });
        expect(sleeps).toEqual([50]); // one transient failure, one backoff (0.5 × 100 ms)
        expect(r).toMatchObject({ created: false, confirmed: true, state: 'sale' });
        expect(await ordersOf(o.orderId)).toBe(1);
      });

      it('a bare create retried after a lost answer WOULD duplicate: why retries wrap the whole operation', async () => {
        const ref = `RAW-${uniq()}`;
        const create = () => c().call('sale.order', 'create', { vals_list: [{ partner_id: fx.partnerId, client_order_ref: ref }] });
        target.fake!.injectFault({ kind: 'drop-response', match: { model: 'sale.order', method: 'create' } });
        await expect(create()).rejects.toBeInstanceOf(OdooTransientError);
        await create();
        expect(await c().call('sale.order', 'search_count', { domain: [['client_order_ref', '=', ref]] })).toBe(2);
      });

      it('confirm committed but its answer lost: the retry sees state sale and does not confirm again', async () => {
        const o = order(fx, 1);
        target.fake!.injectFault({ kind: 'drop-response', match: { model: 'sale.order', method: 'action_confirm' } });
        const r = await retryTransient(() => pushSaleOrder(c(), o), { ...retry, sleep: async () => {} });
        expect(r).toMatchObject({ created: false, confirmed: false, state: 'sale' });
        expect(await ordersOf(o.orderId)).toBe(1);
        expect(await readPickingState(c(), r.saleOrderId)).toHaveLength(1); // confirmed once → one delivery
      });

      it('serialization failures before the create (rolled back) retry into exactly one order', async () => {
        const o = order(fx, 1);
        target.fake!.injectFault({ kind: 'serialization', times: 2, match: { model: 'sale.order', method: 'create' } });
        const r = await retryTransient(() => pushSaleOrder(c(), o), { ...retry, sleep: async () => {} });
        expect(r).toMatchObject({ created: true, confirmed: true });
        expect(await ordersOf(o.orderId)).toBe(1);
      });

      it('a vendor credit whose create or post answer is lost: the retry finds the move, one move, posted once', async () => {
        for (const method of ['create', 'action_post']) {
          const v: VendorCreditPush = { claimId: `clm_${uniq()}`, caseId: 'rc-2', vendorId: fx.partnerId, amount: 12.5, invoiceDate: '2026-11-07' };
          target.fake!.injectFault({ kind: 'drop-response', times: 1, match: { model: 'account.move', method } });
          const r = await retryTransient(() => pushVendorCredit(c(), v), { ...retry, sleep: async () => {} });
          // A lost create: the retry finds the draft and posts it; a lost post: it finds it posted (posting again is Odoo's UserError).
          expect(r, method).toMatchObject({ created: false, posted: method === 'create', state: 'posted' });
          expect(await countByMarker(c(), 'account.move', 'ref', omniopsMarker('supplier_credit', v.claimId)), method).toBe(1);
        }
      });

      it('retries stop at the budget, and permanent failures are not retried', async () => {
        const o = order(fx, 1);
        target.fake!.injectFault({ kind: 'status', status: 503, times: 3, match: { model: 'sale.order' } });
        let attempts = 0;
        await expect(retryTransient(() => (attempts++, pushSaleOrder(c(), o)), { ...retry, maxAttempts: 3, sleep: async () => {} })).rejects.toBeInstanceOf(OdooTransientError);
        expect(attempts).toBe(3);

        attempts = 0;
        const bad = { ...order(fx, 1), partnerId: 99999999 };
        await expect(retryTransient(() => (attempts++, pushSaleOrder(c(), bad)), { ...retry, sleep: async () => {} })).rejects.toBeInstanceOf(OdooPermanentError);
        expect(attempts).toBe(1);
      });
    });
  }
});
