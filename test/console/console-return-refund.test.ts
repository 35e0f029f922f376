import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { addUser } from '../../src/engine/identity/users.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { ticketIdFor } from '../../src/engine/triage/handlers.js';
import { ARTIFACTS, LOCATIONS, hasChromium, launchChromium, orderPlaced, signIn } from './setup.js';
import { scriptedAi } from '../returns/support.js';

// The return case screen says how its refund was weighed: cut to what was left of the order's payment
// (what was paid, refunded before, by the channel itself, and the channel's refunds that paid out ours),
// its settlement and its own history, and what is left to refund of the order now — all from real
// events sent through the app (captures, the channel's refunds, returns refunded and settled, their
// echoes), checked against the API's own answer, never a doctored one. A refused refund's case, open in
// `refunded` with no refund, says why it is open and what ends it, then how it ended; a customer's ticket
// about it gets the "finance is looking at it" reply (src/domain/triage/reply.ts).
const ADMIN = { id: 'test', role: 'admin' };
const T0 = Date.parse('2026-11-30T09:00:00Z');
const LAMP = { sku: 'LAMP-1', name: 'Camp lamp', category: 'outdoor', price: 19.95, cost: 8, returnable: true, supplierIds: [] };

type Refund = { id: string; state: string; amount: number; currency: string; reference: string | null; channelRefundId: string | null; limitedBy: Record<string, unknown> | null; history: Array<{ at: string; to: string; note?: string }> };

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console return case: how its refund was weighed: ${factory.name}`, () => {
    let t: TestApp;
    let browser: Browser;
    const started = Date.now();

    async function send(e: Record<string, unknown>) {
      const r = await t.postEvents(e);
      expect([200, 202], JSON.stringify(r.body)).toContain(r.status);
      await t.drained();
    }
    const orderId = (ext: string) => orderIdFor('web', ext);
    const getOrder = async (ext: string) => (await t.api('GET', `/v1/orders/${orderId(ext)}`, t.adminKey)).body;
    const getCase = async (id: string) => (await t.api('GET', `/v1/returns/${encodeURIComponent(id)}`, t.adminKey)).body;
    const caseByRma = async (ext: string, rma: string) =>
      ((await t.api('GET', `/v1/returns?orderId=${encodeURIComponent(orderId(ext))}`, t.adminKey)).body.items as Array<{ id: string; externalReturnId: string }>).find((c) => c.externalReturnId === rma);
    const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png` });
    /** The console's own formatting (en-GB), read in the page. */
    const consoleFmt = (page: Page, fn: 'time' | 'money', value: unknown) =>
      page.evaluate(`import('/console/lib.js').then((lib) => lib.fmt.${fn}(${JSON.stringify(value)}, 'EUR'))`) as Promise<string>;

    /** The open or resolved finance item a refused refund opened (reconciliation queue, subject return:<case>), as the exceptions API lists it. */
    const reconciliationItem = async (caseId: string) =>
      ((await t.api('GET', '/v1/exceptions?queue=reconciliation_discrepancy&state=open&limit=500', t.adminKey)).body.items as Array<{ id: string; subjectRef: string }>).find((x) => x.subjectRef === `return:${caseId}`)?.id;
    /** A customer's ticket, once triaged: its linked case and the suggested reply. */
    async function ticketReply(ticketId: string, customerId: string, text: string) {
      await send(envelope({ type: 'ticket.opened', payload: { ticketId, customerId, text } }));
      const id = ticketIdFor('web', ticketId);
      await expect.poll(async () => (await t.api('GET', `/v1/tickets/${id}`, t.adminKey)).body.state, { timeout: 20_000 }).toBe('triaged');
      return (await t.api('GET', `/v1/tickets/${id}`, t.adminKey)).body;
    }

    /** A delivered order of `qty` lamps, captured in full. */
    async function deliveredOrder(ext: string, qty: number) {
      await send(orderPlaced(ext, [{ lineId: '1', sku: 'LAMP-1', qty, unitPrice: 19.95 }], 'captured'));
      await send(envelope({ type: 'payment.captured', payload: { externalOrderId: ext, captureId: `cap-${ext}`, amount: Math.round(qty * 1995) / 100 } }));
      for (const f of (await getOrder(ext)).fulfilments as Array<{ id: string }>) {
        for (const type of ['fulfilment.accepted', 'fulfilment.picked', 'fulfilment.shipped', 'shipment.delivered']) {
          await send(envelope({ type, payload: { fulfilmentId: f.id, ...(type === 'fulfilment.shipped' ? { carrier: 'postnl', trackingNumber: `3S-${ext}` } : {}) } }));
        }
      }
      expect((await getOrder(ext)).state).toBe('delivered');
    }

    /** One lamp of the order comes back broken: the case once the returns flow is done with it. */
    async function returnOne(ext: string, rma: string, done: (c: any) => boolean) {
      await send(envelope({ type: 'return.requested', payload: { externalOrderId: ext, externalReturnId: rma, lines: [{ lineId: '1', qty: 1 }], reason: 'the lamp arrived broken' } }));
      await expect.poll(async () => { const c = await caseByRma(ext, rma); return c ? done(await getCase(c.id)) : false; }, { timeout: 20_000 }).toBe(true);
      return getCase((await caseByRma(ext, rma))!.id);
    }

    beforeAll(async () => {
      t = await startTestApp(factory, {
        clock: () => T0 + (Date.now() - started),
        // A return of a broken item is refunded without waiting for it: the order's refunds are real ones.
        ai: scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] }),
        config: { dispatch: { batchSize: 256, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 },
      });
      for (const [name, role] of [['sam', 'service_agent'], ['fin', 'finance']] as const) await addUser(t.app.store, ADMIN, name, role, `${name}-password`);
      for (const l of LOCATIONS) await send(envelope({ type: 'location.upserted', payload: l }));
      await send(envelope({ type: 'product.upserted', payload: LAMP }));
      await send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc-tilburg', counts: [{ sku: 'LAMP-1', onHand: 40 }] } }));
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('a refund cut by what was left of the order says from what to what and why, its settlement, its history and what is left now', async () => {
      // Two lamps, 39.90 captured. The first comes back and is refunded in full; the payment flow pays it
      // out in the shop's admin (sh-101), settles ours naming it, and the shop tells sh-101 itself. Then
      // customer service refunds 10 goodwill in the shop (the channel's own). The second lamp comes back:
      // 39.90 − 19.95 (ours and its echo, once) − 10 leaves 9.95 of the 19.95 asked.
      await deliveredOrder('RET-1', 2);
      const first = await returnOne('RET-1', 'RMA-R1-A', (c) => c.refund?.state === 'sent');
      expect(first.refund).toMatchObject({ amount: 19.95, limitedBy: null });
      await send(envelope({ type: 'refund.settled', payload: { refundId: first.refund.id, reference: 'PSP-101', channelRefundId: 'sh-101' } }));
      await send(envelope({ type: 'payment.refunded', payload: { externalOrderId: 'RET-1', refundId: 'sh-101', amount: 19.95, currency: 'EUR' } }));
      await send(envelope({ type: 'payment.refunded', payload: { externalOrderId: 'RET-1', refundId: 'goodwill-7', amount: 10, currency: 'EUR', reason: 'late delivery' } }));

      // The first case, settled and not cut: its settlement, and 9.95 left on the order.
      const firstNow = await getCase(first.id);
      const before = (await getOrder('RET-1')).leftToRefund;
      expect(before).toMatchObject({ amount: 9.95, boundedBy: { amount: 39.9, by: 'captured' } });
      const { ctx, page } = await signIn(browser, t.url, 'sam', `#/returns/${encodeURIComponent(first.id)}`);
      const panel = page.locator('.refund-panel');
      await panel.locator('.refund-history tbody tr').first().waitFor();
      expect(await panel.locator('.refund-cut').count(), 'paid in full: nothing to explain').toBe(0);
      expect(await panel.locator('.refund-amount').textContent()).toBe(await consoleFmt(page, 'money', firstNow.refund.amount));
      expect(await panel.locator('.settlement-reference').textContent()).toBe(firstNow.refund.reference);
      expect(firstNow.refund).toMatchObject({ state: 'settled', reference: 'PSP-101', channelRefundId: 'sh-101' });
      expect(await panel.locator('.channel-refund-id').textContent()).toBe('sh-101');
      expect(await panel.locator('.left-now-figure').textContent()).toBe(`Left to refund on the order now: ${await consoleFmt(page, 'money', before.amount)} of ${await consoleFmt(page, 'money', before.boundedBy.amount)}`);
      await shot(page, '40a-return-refund-settled');

      const second = await returnOne('RET-1', 'RMA-R1-B', (c) => c.refund?.state === 'sent');
      expect(second.refund.limitedBy).toEqual({ reason: 'order_paid_amount', asked: 19.95, paid: 39.9, alreadyRefunded: 29.95, refundedAtChannel: 10, matchedAtChannel: ['sh-101'], currency: 'EUR' });
      expect(second.refund.amount).toBe(9.95);
      // Before its settlement: cut, not settled yet.
      await page.goto(`${t.url}/#/returns/${encodeURIComponent(second.id)}`);
      await panel.locator('.refund-cut').waitFor();
      expect(await panel.textContent()).toContain('not settled yet');
      expect(await panel.locator('.settlement-reference').count()).toBe(0);

      // Settled through the channel as sh-102, which the shop then tells.
      await send(envelope({ type: 'refund.settled', payload: { refundId: second.refund.id, reference: 'PSP-102', channelRefundId: 'sh-102' } }));
      await send(envelope({ type: 'payment.refunded', payload: { externalOrderId: 'RET-1', refundId: 'sh-102', amount: 9.95, currency: 'EUR' } }));
      const c: { id: string; orderId: string; refund: Refund } = await getCase(second.id);
      const o = await getOrder('RET-1');
      expect(c.refund).toMatchObject({ state: 'settled', reference: 'PSP-102', channelRefundId: 'sh-102' });
      expect(o.leftToRefund).toMatchObject({ amount: 0, boundedBy: { amount: 39.9 }, refunded: 39.9 });

      await page.reload();
      await panel.locator('.refund-history tbody tr').first().waitFor();
      const money = (x: unknown) => consoleFmt(page, 'money', x);
      const f = c.refund.limitedBy as { asked: number; paid: number; alreadyRefunded: number; refundedAtChannel: number; matchedAtChannel: string[] };
      expect(await panel.locator('.refund-cut').textContent()).toBe(
        `Cut from ${await money(f.asked)} to ${await money(c.refund.amount)}: the order was paid ${await money(f.paid)}, ${await money(f.alreadyRefunded)} already refunded `
        + `(of it ${await money(f.refundedAtChannel)} by the channel itself); the channel's refund ${f.matchedAtChannel[0]} paid out ours: counted once.`,
      );
      expect(await panel.locator('.refund-amount').textContent()).toBe(await money(c.refund.amount));
      expect(await panel.textContent()).toContain(`of ${await money(f.asked)} asked`);
      expect(await panel.locator('.settlement-reference').textContent()).toBe(c.refund.reference);
      expect(await panel.locator('.channel-refund-id').textContent()).toBe(c.refund.channelRefundId);
      expect(await panel.textContent()).not.toContain('not settled yet');
      // What a cut refund is owed on top, where the API tells it (nothing here: no room freed since).
      expect(await panel.locator('.owed-now').count()).toBe(typeof (c as { refundOwedNow?: { amount?: unknown } }).refundOwedNow?.amount === 'number' ? 1 : 0);
      // The refund's own history, step by step as the API tells it.
      expect(c.refund.history.map((x) => x.to)).toEqual(['awaiting_approval', 'sent', 'settled']);
      const rows = await panel.locator('.refund-history tbody tr').all();
      expect(rows).toHaveLength(c.refund.history.length);
      for (const [i, x] of c.refund.history.entries()) {
        expect(await rows[i]!.locator('td').allTextContents()).toEqual([await consoleFmt(page, 'time', x.at), x.to.replace(/_/g, ' '), x.note ?? '']);
      }
      // What is left to refund of the order now is the order's own figure, with a link to it.
      const left = `Left to refund on the order now: ${await money(o.leftToRefund.amount)} of ${await money(o.leftToRefund.boundedBy.amount)}`;
      expect(left).toBe('Left to refund on the order now: €0.00 of €39.90');
      expect(await panel.locator('.left-now-figure').textContent()).toBe(left);
      expect(await panel.locator('.left-now a.order-link').getAttribute('href')).toBe(`#/orders/${encodeURIComponent(c.orderId)}`);
      await panel.scrollIntoViewIfNeeded();
      await shot(page, '40-return-refund-cut');
      // The order says the same.
      await panel.locator('.left-now a.order-link').click();
      await page.locator('.payment-panel .left-to-refund').waitFor();
      expect(await page.locator('.payment-panel .left-to-refund').textContent()).toBe(`Left to refund ${await money(o.leftToRefund.amount)} of ${await money(o.leftToRefund.boundedBy.amount)}`);

      // A role that may not read the order (the server says 403) gets no such line; the rest stands.
      await page.route(`**/v1/orders/${encodeURIComponent(c.orderId)}`, (route) => route.fulfill({ status: 403, contentType: 'application/problem+json', body: JSON.stringify({ code: 'E_FORBIDDEN', title: 'Forbidden', status: 403, detail: 'not for this role' }) }));
      await page.goto(`${t.url}/#/returns/${encodeURIComponent(second.id)}`);
      await panel.locator('.refund-cut').waitFor();
      expect(await panel.locator('.left-now').count()).toBe(0);
      expect(await page.locator('.content .problem').count()).toBe(0);
      expect(await panel.locator('.channel-refund-id').textContent()).toBe('sh-102');
      await page.unroute(`**/v1/orders/${encodeURIComponent(c.orderId)}`);
      await ctx.close();
    });

    it('a case with no refund because nothing was left says so, with what the order was paid and refunded', async () => {
      // One lamp, 19.95 captured; customer service refunded it in full in the shop; then it comes back broken.
      await deliveredOrder('RET-2', 1);
      await send(envelope({ type: 'payment.refunded', payload: { externalOrderId: 'RET-2', refundId: 'goodwill-8', amount: 19.95, currency: 'EUR', reason: 'refunded by phone' } }));
      const c = await returnOne('RET-2', 'RMA-R2', (x) => x.refundRefused !== null);
      expect(c.refund).toBeNull();
      expect(c.refundRefused).toEqual({ code: 'nothing_left_to_refund', asked: 19.95, paid: 19.95, alreadyRefunded: 19.95, refundedAtChannel: 19.95, currency: 'EUR' });
      const o = await getOrder('RET-2');
      expect(o.leftToRefund).toMatchObject({ amount: 0, boundedBy: { amount: 19.95 } });

      const { ctx, page } = await signIn(browser, t.url, 'fin', `#/returns/${encodeURIComponent(c.id)}`);
      const panel = page.locator('.refund-panel');
      await panel.locator('.refund-refused').waitFor();
      const money = (x: unknown) => consoleFmt(page, 'money', x);
      const f = c.refundRefused;
      expect(await panel.locator('.refund-refused .refused-why').textContent()).toBe(
        `${await money(f.asked)} asked; the order was paid ${await money(f.paid)}, ${await money(f.alreadyRefunded)} already refunded (of it ${await money(f.refundedAtChannel)} by the channel itself).`,
      );
      expect(await panel.locator('.refund-refused > strong').textContent()).toBe('No refund: nothing was left to refund of the order. ');
      expect(await panel.locator('.refund-refused').textContent()).toContain('reconciliation queue');
      expect(await page.textContent('.top .sub')).toContain(c.state.replace(/_/g, ' '));
      expect(await panel.locator('.left-now-figure').textContent()).toBe(`Left to refund on the order now: ${await money(o.leftToRefund.amount)} of ${await money(o.leftToRefund.boundedBy.amount)}`);

      // Open, "refunded" with no refund: the panel says why it is open and what ends it, naming finance's item.
      expect(c.state).toBe('refunded');
      const item = reconciliationItem(c.id);
      expect(c.refusalItem).toEqual({ id: await item, state: 'open' });
      expect(c.closing).toBeNull();
      expect(await panel.locator('.refused-open strong').textContent()).toBe(`The case stays open until finance has answered ${'the ' + await money(19.95)} asked (finance item ${c.refusalItem.id} in the reconciliation queue) or someone closes it by hand.`);
      expect(await panel.locator('.refused-open a.refusal-item').getAttribute('href')).toBe('#/exceptions?queue=reconciliation_discrepancy&state=open');
      expect(await panel.locator('.refused-answered').textContent()).toBe('Finance is told what it can pay by hand as the order\'s payment frees up, and records each top-up paid or not paid; nothing has been freed for it yet.');
      expect(await page.textContent('.top .sub')).toContain('refunded · no refund made: open for finance');
      expect(await page.locator('.top .close-case').count(), 'Close case stays').toBe(1);
      await shot(page, '41-return-refund-refused');

      // The customer asks after it: the suggested reply says finance is looking at the refund, not "how to return".
      expect(await ticketReply('T-R2-1', 'c-RET-2', 'When will I get my refund for the lamp I returned?')).toMatchObject({
        caseId: c.id, category: 'return_refund',
        suggestedReply: { templateId: 'return_refund.refused_with_finance', requiresHumanReview: false, text: 'We have your return for order RET-2. Your refund could not be paid out automatically, so our finance team is looking at it; we will contact you as soon as they have decided.' },
      });

      // The shop tells its goodwill again, smaller (9.95): 10 is free and finance is told to pay it by hand; finance pays it.
      await send(envelope({ type: 'payment.refunded', payload: { externalOrderId: 'RET-2', refundId: 'goodwill-8', amount: 9.95, currency: 'EUR' } }));
      const told = await getCase(c.id);
      expect(told.refundOwed).toMatchObject({ told: 10, items: [{ payable: 10, state: 'open' }] });
      const settled = await t.api('POST', `/v1/returns/${c.id}/owed/${told.refundOwed.items[0].exceptionId}/settle`, t.adminKey, { outcome: 'paid', reference: 'BANK-R2' });
      expect(settled.status, JSON.stringify(settled.body)).toBe(200);
      await t.drained();
      expect((await getCase(c.id)).state).toBe('refunded');
      await page.reload();
      await panel.locator('.refused-answered').waitFor();
      expect(await panel.locator('.refused-answered').textContent()).toBe(`Finance has answered ${await money(10)} of it so far (${await money(10)} paid by hand, ${await money(0)} not paid): ${await money(9.95)} still to answer.`);

      // 9.95 more captured: finance is told the rest and does not pay it; all asked is answered, the case closes.
      await send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'RET-2', captureId: 'cap-RET-2-b', amount: 9.95 } }));
      const rest = (await getCase(c.id)).refundOwed.items.find((x: { state: string }) => x.state === 'open');
      expect(rest).toMatchObject({ payable: 9.95 });
      expect((await t.api('POST', `/v1/returns/${c.id}/owed/${rest.exceptionId}/settle`, t.adminKey, { outcome: 'not_paid', reason: 'customer kept a voucher' })).status).toBe(200);
      await t.drained();
      const closed = await getCase(c.id);
      expect(closed.state).toBe('closed');
      const why = 'refund refused (nothing_left_to_refund), the goods were never sent back (refund without return); finance answered all 19.95 asked: 10 paid by hand, 9.95 not paid';
      expect(closed.closing).toEqual({ reason: 'refused_refund_answered', why, from: 'refunded', at: closed.history.at(-1).at });
      expect(closed.refusalItem).toEqual({ id: c.refusalItem.id, state: 'resolved' });

      // Closed: how it ended, and that its finance item went with it; no "stays open", no Close case.
      await page.reload();
      await panel.locator('.refused-closed').waitFor();
      expect(await panel.locator('.refused-closed strong').textContent()).toBe(`Closed ${await consoleFmt(page, 'time', closed.closing.at)} (finance answered all it asked): `);
      expect(await panel.locator('.refused-closing-why').textContent()).toBe(why);
      expect(await panel.locator('.refused-closed .faint').textContent()).toBe(`Its finance item ${c.refusalItem.id} in the reconciliation queue was resolved with the closing.`);
      expect(await panel.locator('.refused-open').count()).toBe(0);
      expect(await page.textContent('.top .sub')).not.toContain('open for finance');
      expect(await page.locator('.top .close-case').count()).toBe(0);
      await shot(page, '41b-return-refund-refused-closed');
      expect(await ticketReply('T-R2-2', 'c-RET-2', 'What happened to the refund for my lamp?')).toMatchObject({ caseId: c.id, suggestedReply: { templateId: 'return_refund.refused_decided' } });
      await ctx.close();
    });

    it('a refused refund\'s case closed by hand says who closed it and why', async () => {
      await deliveredOrder('RET-4', 1);
      await send(envelope({ type: 'payment.refunded', payload: { externalOrderId: 'RET-4', refundId: 'goodwill-4', amount: 19.95, currency: 'EUR' } }));
      const c = await returnOne('RET-4', 'RMA-R4', (x) => x.refundRefused !== null);
      expect(c.state).toBe('refunded');
      const { ctx, page } = await signIn(browser, t.url, 'sam', `#/returns/${encodeURIComponent(c.id)}`);
      await page.locator('.refund-panel .refused-open').waitFor();
      page.once('dialog', (d) => void d.accept('customer took a voucher in the shop'));
      await page.click('.top .close-case');
      await page.locator('.refund-panel .refused-closed').waitFor();
      const closed = await getCase(c.id);
      expect(closed.closing).toEqual({ reason: 'closed_by_hand', why: 'closed by hand by sam: customer took a voucher in the shop', from: 'refunded', at: closed.history.at(-1).at });
      expect(await page.locator('.refund-panel .refused-closed').textContent()).toBe(
        `Closed ${await consoleFmt(page, 'time', closed.closing.at)} (closed by hand): closed by hand by sam: customer took a voucher in the shop`
        + `Its finance item ${closed.refusalItem.id} in the reconciliation queue was resolved with the closing.`);
      await ctx.close();
    });

    it('a top-up finance was told: the order\'s "owed on top" row, the item on the case, and finance marking it paid', async () => {
      // Two lamps, 39.90 captured; customer service refunded 25 goodwill in the shop, so a lamp coming back
      // is cut from 19.95 to the 14.90 left. The shop then tells the goodwill again, smaller (19.90): 5.10
      // is free, and the lamp is owed its 5.05 — finance is told to pay it by hand.
      await deliveredOrder('RET-3', 2);
      await send(envelope({ type: 'payment.refunded', payload: { externalOrderId: 'RET-3', refundId: 'goodwill-9', amount: 25, currency: 'EUR' } }));
      const c = await returnOne('RET-3', 'RMA-R3', (x) => x.refund?.state === 'sent');
      expect(c.refund).toMatchObject({ amount: 14.9, limitedBy: { asked: 19.95 } });
      await send(envelope({ type: 'payment.refunded', payload: { externalOrderId: 'RET-3', refundId: 'goodwill-9', amount: 19.9, currency: 'EUR' } }));
      const told = await getCase(c.id);
      expect(told.refundOwed).toMatchObject({ told: 5.05, held: 5.05, paid: 0, items: [{ payable: 5.05, state: 'open' }] });
      const item = told.refundOwed.items[0];
      const o = await getOrder('RET-3');
      expect(o.leftToRefund.owedToCases).toEqual([{ caseId: c.id, amount: 5.05, paid: 0 }]);

      // The order's Left to refund table: the top-up is a row of its own, counted, linked to its case.
      const { ctx, page } = await signIn(browser, t.url, 'fin', `#/orders/${encodeURIComponent(orderId('RET-3'))}`);
      const money = (x: unknown) => consoleFmt(page, 'money', x);
      const owedRow = page.locator(`.payment-panel .refunds-counted tr[data-key="owed:${c.id}"]`);
      await owedRow.waitFor();
      const cells = owedRow.locator('td');
      expect(await cells.nth(0).textContent()).toBe(`owed on topreturn ${c.id}owed on top of its refund, finance told to pay it by hand: counts as refunded, paid or not answered yet`);
      expect(await cells.nth(0).locator('a').getAttribute('href')).toBe(`#/returns/${encodeURIComponent(c.id)}`);
      expect(await cells.nth(1).textContent()).toBe('owed');
      expect(await cells.nth(2).textContent()).toBe(await money(5.05));
      expect(await page.locator('.payment-panel .left-to-refund').textContent()).toBe(`Left to refund ${await money(o.leftToRefund.amount)} of ${await money(o.leftToRefund.boundedBy.amount)}`);
      await shot(page, '42-order-owed-on-top');

      // The case, reached from finance's queue (the item's subject links to it): the item, its state and,
      // for finance, what can be recorded.
      await page.goto(`${t.url}/#/exceptions?queue=reconciliation_discrepancy`);
      const fromQueue = page.locator(`a[href="#/returns/${encodeURIComponent(c.id)}"]`, { hasText: `return:${c.id}:owed:` });
      await fromQueue.first().waitFor();
      await fromQueue.first().click();
      const row = page.locator(`.refund-panel .owed-items-table tr[data-key="${item.exceptionId}"]`);
      await row.waitFor();
      expect(await row.locator('.owed-amount').textContent()).toBe(await money(5.05));
      expect(await row.locator('.owed-state').textContent()).toBe('to pay by hand');
      expect(await row.locator('button.mark-paid').count()).toBe(1);
      expect(await row.locator('button.not-paying').count()).toBe(1);
      expect(await page.locator('.refund-panel .owed-figures').textContent()).toBe(`${await money(5.05)} counted on the order`);
      await row.scrollIntoViewIfNeeded();
      await shot(page, '42b-return-owed-to-pay');

      // Service reads it, and gets no buttons: the session does not list the settle route for its role.
      const sam = await signIn(browser, t.url, 'sam', `#/returns/${encodeURIComponent(c.id)}`);
      const samRow = sam.page.locator(`.refund-panel .owed-items-table tr[data-key="${item.exceptionId}"]`);
      await samRow.waitFor();
      expect(await samRow.locator('.owed-state').textContent()).toBe('to pay by hand');
      expect(await sam.page.locator('.refund-panel .owed-items-table button').count()).toBe(0);
      await sam.ctx.close();

      // Finance paid it by hand: "Mark paid" asks the reference, the server records it, the screen shows it.
      page.once('dialog', (d) => void d.accept('BANK-77'));
      await row.locator('button.mark-paid').click();
      await expect.poll(async () => (await getCase(c.id)).refundOwed.items[0].state, { timeout: 10_000 }).toBe('paid');
      const paid = await getCase(c.id);
      expect(paid.refundOwed.items[0]).toMatchObject({ state: 'paid', reference: 'BANK-77', settledBy: 'fin' });
      await page.locator(`.refund-panel .owed-items-table tr[data-key="${item.exceptionId}"] .owed-reference`).waitFor();
      const after = page.locator(`.refund-panel .owed-items-table tr[data-key="${item.exceptionId}"]`);
      expect(await after.locator('.owed-state').textContent()).toBe('paid by hand');
      expect(await after.locator('.owed-reference').textContent()).toBe('BANK-77');
      expect(await after.locator('button').count()).toBe(0);
      expect(await page.locator('.refund-panel .owed-figures').textContent()).toBe(`${await money(5.05)} counted on the order (${await money(5.05)} paid by hand)`);
      // The finance item is resolved with the reference.
      const resolved = (await t.api('GET', '/v1/exceptions?queue=reconciliation_discrepancy&state=resolved', t.adminKey)).body.items.find((x: { id: string }) => x.id === item.exceptionId);
      expect(resolved.resolution).toMatchObject({ reason: 'paid by hand: BANK-77', by: 'fin' });
      await shot(page, '43-return-owed-paid');

      // And the order reads it paid, still counted.
      expect((await getOrder('RET-3')).leftToRefund.owedToCases).toEqual([{ caseId: c.id, amount: 5.05, paid: 5.05 }]);
      await page.goto(`${t.url}/#/orders/${encodeURIComponent(orderId('RET-3'))}`);
      await owedRow.waitFor();
      expect(await owedRow.locator('td').nth(1).textContent()).toBe('paid by hand');
      expect(await owedRow.locator('td').nth(2).textContent()).toBe(await money(5.05));
      await ctx.close();
    });
  });
}
