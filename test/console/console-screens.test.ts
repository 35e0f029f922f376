import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Route } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { buildHandlers } from '../../src/engine/handlers/all.js';
import type { EventHandler } from '../../src/engine/dispatch/handler.js';
import { addUser } from '../../src/engine/identity/users.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { ARTIFACTS, LOCATIONS, PRODUCTS, hasChromium, launchChromium, orderPlaced, signIn } from './setup.js';

// What a reviewer found driving every screen: lists cut at one page, a rollback nobody could approve,
// Cancel that still approved, pills and summaries that read the wrong fields.
const ADMIN = { id: 'test', role: 'admin' };
const T0 = Date.parse('2026-11-30T09:00:00Z');
const HELD = 105; // orders held for payment: more than one page (100) of the exception queues
const DEAD = 205; // dead letters: more than the 200 the integrations screen once read

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console screens in Chromium: ${factory.name}`, () => {
    let t: TestApp;
    let browser: Browser;
    const keys: Record<string, string> = {};
    const started = Date.now();

    async function sendAll(envelopes: Array<Record<string, unknown>>) {
      for (const e of envelopes) {
        const r = await t.postEvents(e);
        expect([200, 202], JSON.stringify(r.body)).toContain(r.status);
      }
      await t.drained();
    }
    const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png` });
    /** Lets the page run what a click set off (a request it should not make) before looking. */
    const settle = (page: Page) => page.evaluate(() => new Promise((r) => setTimeout(r, 300)));

    beforeAll(async () => {
      const warehouseLink: EventHandler = {
        type: 'inventory.adjusted',
        name: 'test.warehouse-link',
        async handle({ event }) {
          if ((event.payload as { sku: string }).sku.startsWith('POISON-')) throw new Error('warehouse system unreachable');
        },
      };
      t = await startTestApp(factory, {
        clock: () => T0 + (Date.now() - started),
        handlers: (policies) => buildHandlers({ policies }).register(warehouseLink),
        config: { dispatch: { batchSize: 256, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 50 },
      });
      for (const [name, role] of [['ada', 'admin'], ['olga', 'operations_manager'], ['cora', 'category_manager'], ['carl', 'category_manager'], ['fin', 'finance']] as const) {
        keys[name] = (await addUser(t.app.store, ADMIN, name, role, `${name}-password`)).apiKey;
      }
      await sendAll([
        ...LOCATIONS.map((l) => envelope({ type: 'location.upserted', payload: l })),
        ...PRODUCTS.map((p) => envelope({ type: 'product.upserted', payload: p })),
      ]);
      await sendAll([envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc-tilburg', counts: [{ sku: 'LAMP-1', onHand: 40 }, { sku: 'STOVE-9', onHand: 6 }] } })]);
      // S-1 ships from stock; B-1 wants 50 stoves of 6: backordered, no purchase order covers it.
      await sendAll([orderPlaced('S-1', [{ lineId: '1', sku: 'LAMP-1', qty: 1, unitPrice: 19.95 }]), orderPlaced('B-1', [{ lineId: '1', sku: 'STOVE-9', qty: 50, unitPrice: 260 }])]);
      // More held payments than one page of the queue; then, newest, a carrier's problem in another queue.
      await sendAll(Array.from({ length: HELD }, (_, i) => orderPlaced(`P-${i}`, [{ lineId: '1', sku: 'LAMP-1', qty: 1, unitPrice: 19.95 }], 'pending')));
      const s1 = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'S-1')}`, t.adminKey)).body;
      await sendAll([envelope({ type: 'shipment.exception', payload: { fulfilmentId: s1.fulfilments[0].id, carrier: 'postnl', trackingNumber: '3S-S1', reason: 'lost' } })]);
      // More dead letters than the screen once read (200).
      await sendAll(Array.from({ length: DEAD }, (_, i) => envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc-tilburg', sku: `POISON-${i}`, delta: 1, reason: 'receipt' } })));
      browser = await launchChromium();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('exception queues: counts per queue for every queue, a queue filter through the API, and "Load more" past the first page', async () => {
      const all: Array<{ id: string; queue: string }> = [];
      for (let after = ''; ;) {
        const r = (await t.api('GET', `/v1/exceptions?state=open&limit=500${after ? `&after=${after}` : ''}`, keys.olga!)).body;
        all.push(...r.items);
        if (!r.next) break;
        after = r.next;
      }
      expect(all.length).toBeGreaterThan(100);
      const carrier = all.find((x) => x.queue === 'shipment_exception');
      expect(carrier, 'the carrier problem is open').toBeDefined();

      const { ctx, page } = await signIn(browser, t.url, 'olga', '#/exceptions');
      await page.waitForSelector('.exceptions tbody tr');
      // The newest queue is past the first page of rows, yet it has its pill and its count.
      const pill = page.locator('header a[data-queue="shipment_exception"]');
      await pill.waitFor();
      expect(await pill.textContent()).toMatch(/shipment exception · 1$/);
      expect(await page.textContent('header')).toContain(`all queues · ${all.length}`);
      expect(await page.locator('.exceptions tbody tr').count()).toBe(100);
      expect(await page.locator(`tr[data-key="${carrier!.id}"]`).count()).toBe(0);
      await shot(page, '20-exceptions-first-page');
      for (let shown = 100; shown < all.length; shown = Math.min(all.length, shown + 100)) {
        await page.click('button.load-more');
        await expect.poll(() => page.locator('.exceptions tbody tr').count()).toBe(Math.min(all.length, shown + 100));
      }
      expect(await page.locator('button.load-more').count()).toBe(0);
      await page.locator(`tr[data-key="${carrier!.id}"]`).waitFor();

      // The queue filter is a query to the API: the queue alone, from its first page.
      const asked: string[] = [];
      page.on('request', (r) => { if (r.url().includes('/v1/exceptions?')) asked.push(r.url()); });
      await pill.click();
      await page.locator(`tr[data-key="${carrier!.id}"]`).waitFor();
      expect(await page.locator('.exceptions tbody tr').count()).toBe(1);
      expect(asked.some((u) => new URL(u).searchParams.get('queue') === 'shipment_exception')).toBe(true);
      await ctx.close();
    });

    it("exception queues: a role's pills and counts are of its own queues only", async () => {
      const mine = (await t.api('GET', '/v1/exceptions/counts', keys.fin!)).body.items as Array<{ queue: string; open: number }>;
      expect(mine.map((c) => c.queue)).toEqual(['payment_hold']);
      const { ctx, page } = await signIn(browser, t.url, 'fin', '#/exceptions');
      await page.waitForSelector('.exceptions tbody tr');
      await page.locator('header a[data-queue="payment_hold"]').waitFor();
      expect(await page.locator('header a[data-queue]').evaluateAll((as) => as.map((a) => a.getAttribute('data-queue')))).toEqual(['payment_hold']);
      expect(await page.textContent('header')).toContain(`all queues · ${mine[0]!.open}`);
      await ctx.close();
    });

    it('exception queues: the resolved tab offers no actions (each would be refused)', async () => {
      const item = (await t.api('GET', '/v1/exceptions?queue=shipment_exception', keys.olga!)).body.items[0];
      const done = await t.api('POST', `/v1/exceptions/${item.id}/resolve`, keys.olga!, { reason: 'parcel found at the depot' });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      const { ctx, page } = await signIn(browser, t.url, 'olga', '#/exceptions?queue=shipment_exception&state=resolved');
      const row = page.locator(`tr[data-key="${item.id}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain('parcel found at the depot');
      expect(await row.locator('button').count()).toBe(0);
      // Open items keep theirs.
      await page.goto(`${t.url}/#/exceptions?queue=payment_hold&state=open`);
      await page.waitForSelector('.exceptions tbody tr button');
      await ctx.close();
    });

    it('integrations: dead events and dead deliveries are paged, and a page length is not shown as the total', async () => {
      // Dead deliveries need a failing destination: two pages of them are served to the page.
      const delivery = (id: string) => ({ id, seq: Number(id.slice(2)), destination: 'erp', kind: 'odoo.sale_order', attempts: 8, lastError: 'HTTP 503', status: 'dead' });
      const deliveries = async (route: Route) => {
        const after = new URL(route.request().url()).searchParams.get('after');
        const body = after === '2' ? { items: [delivery('d-3')], next: null } : { items: [delivery('d-1'), delivery('d-2')], next: 2 };
        await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
      };
      const { ctx, page } = await signIn(browser, t.url, 'olga');
      await page.route('**/v1/deliveries?*', deliveries);
      await page.goto(`${t.url}/#/integrations`);
      const events = page.locator('.dead-events');
      await events.locator('tbody tr').first().waitFor();
      // The total comes from a count of them all, not from the rows read.
      expect(await events.locator('h2').textContent()).toBe(`Dead-lettered events · ${DEAD}`);
      expect(await events.locator('tbody tr').count()).toBe(100);
      await events.locator('button.load-more').click();
      await expect.poll(() => events.locator('tbody tr').count()).toBe(200);
      await events.locator('button.load-more').click();
      await expect.poll(() => events.locator('tbody tr').count()).toBe(DEAD);
      expect(await events.locator('button.load-more').count()).toBe(0);

      const dead = page.locator('.dead-deliveries');
      expect(await dead.locator('h2').textContent()).toBe('Dead-lettered deliveries · 2+');
      await dead.locator('button.load-more').click();
      await dead.locator('tr[data-key="d-3"]').waitFor();
      expect(await dead.locator('h2').textContent()).toBe('Dead-lettered deliveries · 3');
      expect(await dead.locator('button.load-more').count()).toBe(0);
      await shot(page, '21-integrations-paged');
      await ctx.close();
    });

    it('policies: a rollback asked by one person is shown as waiting, and a second person approves it from the screen', async () => {
      const live = (await t.api('GET', '/v1/policies/availability/versions/1', keys.olga!)).body;
      const body = { ...live.body };
      delete body.version;
      const draft = await t.api('POST', '/v1/policies/availability/versions', keys.olga!, { body, note: 'same shares, new review' });
      expect(draft.status, JSON.stringify(draft.body)).toBe(201);
      const v2 = draft.body.version;
      expect((await t.api('POST', `/v1/policies/availability/versions/${v2}/approve`, keys.ada!, { comment: 'ok' })).status).toBe(200);
      expect((await t.api('POST', `/v1/policies/availability/versions/${v2}/activate`, keys.olga!, {})).body).toMatchObject({ change: 'activated', version: v2 });

      // Olga asks to go back to v1: only a request, the toast says so.
      const asker = await signIn(browser, t.url, 'olga', '#/policies/availability');
      const v1row = asker.page.locator('tr', { hasText: 'retired' }).filter({ hasText: 'v1' });
      asker.page.once('dialog', (d) => d.accept('v2 confuses the marketplaces'));
      await v1row.locator('button:text("Roll back to")').click();
      await expect.poll(() => asker.page.textContent('#toasts')).toContain('Rollback to v1 requested');
      expect(await asker.page.textContent('#toasts')).not.toContain('activate done');
      const waiting = (await t.api('GET', '/v1/policies/availability/versions', keys.olga!)).body;
      expect(waiting).toMatchObject({ activeVersion: v2, pendingRollback: { toVersion: 1, requestedBy: 'olga', reason: 'v2 confuses the marketplaces' } });
      await asker.page.waitForSelector('.pending-rollback');
      // No second "Roll back to" (the API would refuse it: one rollback waits at a time).
      expect(await asker.page.locator('button:text("Roll back to")').count()).toBe(0);
      await asker.ctx.close();

      // Ada sees what waits, on the version it names, and approves it.
      const approver = await signIn(browser, t.url, 'ada', '#/policies/availability');
      await approver.page.waitForSelector('.pending-rollback');
      expect(await approver.page.textContent('.pending-rollback')).toContain('asked by olga');
      const row = approver.page.locator('tr', { has: approver.page.locator('button.approve-rollback') });
      expect(await row.textContent()).toMatch(/^v1retired rollback requested/);
      await shot(approver.page, '22-policy-rollback-waiting');
      approver.page.once('dialog', (d) => d.accept('agreed, back to v1'));
      await row.locator('button.approve-rollback').click();
      await expect.poll(() => approver.page.textContent('#toasts')).toContain('v1: rollback done');
      const after = (await t.api('GET', '/v1/policies/availability/versions', keys.ada!)).body;
      expect(after).toMatchObject({ activeVersion: 1, pendingRollback: null });
      await approver.ctx.close();

      // Olga asks for v2 back, then thinks better of it: she withdraws her own request.
      const again = await signIn(browser, t.url, 'olga', '#/policies/availability');
      const v2row = again.page.locator('tr', { hasText: 'retired' }).filter({ hasText: `v${v2}` });
      again.page.once('dialog', (d) => d.accept('try v2 once more'));
      await v2row.locator('button:text("Roll back to")').click();
      await expect.poll(() => again.page.textContent('#toasts')).toContain(`Rollback to v${v2} requested`);
      await again.page.waitForSelector('button.reject-rollback');
      again.page.once('dialog', (d) => d.accept('not now'));
      await again.page.locator('button.reject-rollback').click();
      await expect.poll(() => again.page.textContent('#toasts')).toContain(`Rollback to v${v2} withdrawn`);
      expect((await t.api('GET', '/v1/policies/availability/versions', keys.olga!)).body).toMatchObject({ activeVersion: 1, pendingRollback: null });
      await again.ctx.close();
    });

    it('policies: Cancel on the comment prompt approves and rejects nothing; an answer still pending is not called done', async () => {
      const live = (await t.api('GET', '/v1/policies/orders/versions/1', keys.olga!)).body;
      const body = { ...live.body };
      delete body.version;
      const draft = await t.api('POST', '/v1/policies/orders/versions', keys.olga!, { body, note: 'to be reviewed' });
      expect(draft.status, JSON.stringify(draft.body)).toBe(201);
      const v = draft.body.version;
      const { ctx, page } = await signIn(browser, t.url, 'ada', '#/policies/orders');
      const posted: string[] = [];
      page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/v1/policies/')) posted.push(r.url()); });
      for (const button of ['Approve', 'Reject']) {
        await page.waitForSelector(`button:text("${button}")`);
        const dismissed = new Promise<void>((res) => page.once('dialog', (d) => { void d.dismiss().then(res); }));
        await page.click(`button:text("${button}")`);
        await dismissed;
        await settle(page);
      }
      expect(posted).toEqual([]);
      expect((await t.api('GET', `/v1/policies/orders/versions/${v}`, keys.ada!)).body.status).toBe('draft');

      // The API accepted the command but has not decided it yet (202 {status: 'pending'}).
      await page.route(`**/v1/policies/orders/versions/${v}/approve`, (route) => route.fulfill({ status: 202, contentType: 'application/json', body: JSON.stringify({ status: 'pending', eventId: 'evt-1' }) }));
      page.once('dialog', (d) => d.accept('fine'));
      await page.click('button:text("Approve")');
      await expect.poll(() => page.textContent('#toasts')).toContain(`v${v}: approve accepted, not decided yet`);
      expect(await page.textContent('#toasts')).not.toContain('done');
      await ctx.close();
    });

    it('policies: Backtest is offered only on the kinds the API can backtest', async () => {
      const { ctx, page } = await signIn(browser, t.url, 'ada', '#/policies/availability');
      await page.waitForSelector('tr:has-text("v1")');
      expect(await page.locator('button:text("Backtest")').count()).toBe(0);
      await page.goto(`${t.url}/#/policies/sourcing`);
      await page.waitForSelector('button:text("Backtest")');
      await ctx.close();
    });

    it('orders: a backorder is summarised (short skus, expected supply) and its routing outcome has a colour; notifications name their template', async () => {
      const id = orderIdFor('web', 'B-1');
      const { ctx, page } = await signIn(browser, t.url, 'olga');
      // The order's own log has no notification (it is the customer's): one is added to the answer.
      await page.route(`**/v1/orders/${id}`, async (route) => {
        const o = await (await route.fetch()).json();
        o.events.push({ id: 'n-1', type: 'notification.queued', source: 'omniops', status: 'processed', receivedAt: o.events.at(-1).receivedAt, causationId: o.events[0].id, payload: { templateId: 'order_backordered', channel: 'email', customerId: 'c-B-1', facts: {} } });
        await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(o) });
      });
      await page.goto(`${t.url}/#/orders/${id}`);
      const backordered = page.locator('.timeline li[data-type="order.backordered"] .summary');
      await backordered.waitFor();
      expect(await backordered.textContent()).toMatch(/short \d+× STOVE-9 · no supply expected/);
      expect(await page.textContent('.timeline li[data-type="notification.queued"] .summary')).toBe('email to customer: order_backordered');
      expect(await page.locator('.routing .pill.warn', { hasText: 'backorder' }).count()).toBeGreaterThan(0);
      await shot(page, '23-order-backordered');
      await ctx.close();
    });

    it('returns: an approval the policy cannot judge says so, with the reason', async () => {
      const kase = {
        id: 'rc-1', externalReturnId: 'RMA-9', orderId: 'o-1', state: 'awaiting_approval', customerId: 'c-1', reason: 'broken', value: 260, currency: 'EUR',
        lines: [{ sku: 'STOVE-9', qty: 1 }], history: [],
        approvals: [{ approvalId: null, subject: 'refund', required: 'undecidable', reason: 'missing_facts: amount' }, { approvalId: 'ap-1', subject: 'ai_recommendation', required: true }],
      };
      const { ctx, page } = await signIn(browser, t.url, 'ada');
      await page.route('**/v1/returns/rc-1', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(kase) }));
      await page.goto(`${t.url}/#/returns/rc-1`);
      const refund = page.locator('tr', { hasText: 'refund' }).filter({ hasText: 'policy' });
      await refund.waitFor();
      expect(await refund.textContent()).toContain('cannot be decided by policy');
      expect(await refund.textContent()).toContain('missing facts: amount');
      expect(await refund.textContent()).not.toContain('pending');
      expect(await page.locator('tr', { hasText: 'ai recommendation' }).textContent()).toContain('pending');
      await ctx.close();
    });

    it('inventory: a projected stockout (level zero) is red, below safety stock amber', async () => {
      const risk = (sku: string, level: string) => ({ id: `r-${sku}`, sku, locationId: 'dc-tilburg', state: 'open', level, daysOfCover: 1.5, breachDate: '2026-12-02', detectedAt: new Date(T0).toISOString() });
      const { ctx, page } = await signIn(browser, t.url, 'olga');
      await page.route('**/v1/replenishment/risks?*', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items: [risk('LAMP-1', 'zero'), risk('STOVE-9', 'safety_stock')] }) }));
      await page.goto(`${t.url}/#/inventory`);
      const risks = page.locator('tr', { hasText: '2026-12-02' });
      await risks.first().waitFor();
      expect(await risks.filter({ hasText: 'LAMP-1' }).locator('.pill.bad').textContent()).toBe('zero (stockout)');
      expect(await risks.filter({ hasText: 'STOVE-9' }).locator('.pill.warn', { hasText: 'safety stock' }).count()).toBe(1);
      await ctx.close();
    });

    it('approvals: a closed request shows when it closed, not a deadline and a growing wait', async (tc) => {
      const asked = await t.api('POST', '/v1/pricing/price-changes', keys.cora!, { sku: 'STOVE-9', newPrice: 158, reason: 'match competitor' });
      if (asked.status === 404) return tc.skip();
      expect([200, 201, 202], JSON.stringify(asked.body)).toContain(asked.status);
      let approval: { id: string } | undefined;
      for (let i = 0; i < 200 && !approval; i++) {
        await t.drained();
        approval = (await t.api('GET', '/v1/approvals?state=pending&subject=price_change', t.adminKey)).body.items[0];
        if (!approval) await new Promise((r) => setTimeout(r, 50));
      }
      expect(approval, 'a price change approval').toBeDefined();
      const decided = await t.api('POST', `/v1/approvals/${approval!.id}/decision`, keys.carl!, { decision: 'approve', comment: 'within the margin floor' });
      expect(decided.status, JSON.stringify(decided.body)).toBe(200);
      const { ctx, page } = await signIn(browser, t.url, 'ada', '#/approvals?state=approved');
      const card = page.locator(`.approval[data-id="${approval!.id}"]`);
      await card.waitFor();
      const text = await card.textContent();
      expect(text).toContain('Closed');
      expect(text).not.toContain('Decide by');
      expect(text).not.toContain('waiting');
      await ctx.close();
    });

    it('charts and pills: small axes keep distinct labels; routing outcomes have colours', async () => {
      const { ctx, page } = await signIn(browser, t.url, 'olga');
      // A string, not a function: the test's transform would rewrite a dynamic import() in a function.
      const got = (await page.evaluate(`(async () => {
        const lib = await import('/console/lib.js');
        const chart = lib.lineChart({ labels: ['09:00', '10:00'], unit: 'm', series: [{ label: 'median', color: '#000', values: [0.04, 0.1] }] });
        const axis = [...chart.querySelectorAll('svg > text')].map((x) => x.textContent).filter((x) => x.endsWith('m'));
        return { axis, tones: ['backorder', 'needs_approval', 'backordered', 'cancel'].map((s) => lib.tone(s)) };
      })()`)) as { axis: string[]; tones: string[] };
      expect(got.axis).toEqual(['0m', '0.05m', '0.1m']);
      expect(got.tones).toEqual(['warn', 'warn', 'warn', 'bad']);
      await ctx.close();
    });
  });
}
