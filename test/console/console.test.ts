import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { buildHandlers } from '../../src/engine/handlers/all.js';
import type { EventHandler } from '../../src/engine/dispatch/handler.js';
import { addUser } from '../../src/engine/identity/users.js';
import { eventById } from '../../src/store/repos/events.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts/console';
const ADMIN = { id: 'test', role: 'admin' };
// 2026-11-30 09:00 UTC = 10:00 local: before every cut-off. The app's clock runs in real time from there.
const T0 = Date.parse('2026-11-30T09:00:00Z');

const LOCATIONS = [
  { id: 'dc-tilburg', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 },
  { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
  { id: 'store-utr', name: 'Store Utrecht', kind: 'store', lat: 52.09, lon: 5.12, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
];

const PRODUCTS = [
  { sku: 'TENT-2P', name: 'Trail tent 2P', category: 'outdoor', price: 120, cost: 60, returnable: true, supplierIds: [] },
  { sku: 'LAMP-1', name: 'Camp lamp', category: 'outdoor', price: 19.95, cost: 8, returnable: true, supplierIds: [] },
  { sku: 'MAT-3', name: 'Sleeping mat', category: 'outdoor', price: 19.95, cost: 9, returnable: true, supplierIds: [] },
  { sku: 'STOVE-9', name: 'Expedition stove', category: 'outdoor', price: 260, cost: 150, returnable: true, supplierIds: [] },
];

function order(ext: string, lines = [{ lineId: '1', sku: 'TENT-2P', qty: 1, unitPrice: 120 }], payment = 'authorized', createdAt?: string) {
  return envelope({
    type: 'order.placed',
    payload: {
      externalOrderId: ext,
      customer: { id: `c-${ext}`, email: 'kim@example.com', ...(createdAt ? { createdAt } : {}) },
      lines,
      currency: 'EUR',
      shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } },
      payment: { status: payment, amount: lines.reduce((a, l) => a + l.qty * l.unitPrice, 0) },
    },
  });
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`console browser tests skipped: ${CHROMIUM} is missing (CI installs Debian's chromium package)`);

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`operations console in Chromium: ${factory.name}`, () => {
    let t: TestApp;
    let browser: Browser;
    let poisonId: string;
    let broken = true;
    const keys: Record<string, string> = {};
    const started = Date.now();

    async function settled(id: string) {
      for (let i = 0; i < 1000; i++) {
        const e = await eventById(t.app.store.read, id);
        if (e && e.status !== 'pending') return e;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`event ${id} still pending`);
    }
    async function drained() {
      for (let i = 0; i < 2000; i++) {
        const r = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status = 'pending'`);
        if (Number(r?.n) === 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('backlog did not drain');
    }
    async function send(e: Record<string, unknown>) {
      const r = await t.postEvents(e);
      expect([200, 202]).toContain(r.status);
      await settled(r.body.eventId);
      return r.body.eventId as string;
    }

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      const warehouseLink: EventHandler = {
        type: 'inventory.adjusted',
        name: 'test.warehouse-link',
        async handle({ event }) {
          if ((event.payload as { sku: string }).sku === 'POISON-1' && broken) throw new Error('warehouse system unreachable (ECONNREFUSED 10.0.0.7:443)');
        },
      };
      t = await startTestApp(factory, {
        clock: () => T0 + (Date.now() - started),
        handlers: (policies) => buildHandlers({ policies }).register(warehouseLink),
        config: { dispatch: { batchSize: 256, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 50 },
      });
      for (const [name, role] of [['ada', 'admin'], ['olga', 'operations_manager'], ['fiona', 'finance'], ['frank', 'finance'], ['audrey', 'auditor'], ['cora', 'category_manager']] as const) {
        keys[name] = (await addUser(t.app.store, ADMIN, name, role, `${name}-password`)).apiKey;
      }
      for (const l of LOCATIONS) await send(envelope({ type: 'location.upserted', payload: l }));
      for (const p of PRODUCTS) await send(envelope({ type: 'product.upserted', payload: p }));
      await send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc-tilburg', counts: [{ sku: 'TENT-2P', onHand: 1 }, { sku: 'LAMP-1', onHand: 40 }, { sku: 'MAT-3', onHand: 12 }, { sku: 'STOVE-9', onHand: 6 }] } }));
      await send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'TENT-2P', onHand: 1 }, { sku: 'LAMP-1', onHand: 5 }] } }));
      await send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-utr', counts: [{ sku: 'TENT-2P', onHand: 2 }, { sku: 'MAT-3', onHand: 3 }] } }));
      // W-100 is rejected by its first location and rerouted.
      await send(order('W-100'));
      await drained();
      const first = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'W-100')}`, t.adminKey)).body.fulfilments[0];
      await send(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: first.id, reason: 'cannot find it on the shelf' } }));
      for (let i = 1; i <= 6; i++) await send(order(`W-10${i}`, [{ lineId: '1', sku: i % 2 ? 'LAMP-1' : 'MAT-3', qty: 1 + (i % 3), unitPrice: 19.95 }], i === 5 ? 'pending' : 'authorized'));
      await drained();
      // Two orders ship (cycle time on the overview).
      for (const ext of ['W-101', 'W-102']) {
        const f = (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body.fulfilments[0];
        for (const type of ['fulfilment.accepted', 'fulfilment.picked', 'fulfilment.shipped']) {
          await send(envelope({ type, payload: { fulfilmentId: f.id, ...(type === 'fulfilment.shipped' ? { carrier: 'postnl', trackingNumber: `3S${ext}` } : {}) } }));
        }
      }
      // A dead letter: the warehouse link fails every attempt.
      poisonId = (await t.postEvents(envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc-tilburg', sku: 'POISON-1', delta: 3, reason: 'receipt' } }))).body.eventId;
      expect((await settled(poisonId)).status).toBe('dead');
      await drained();
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
      });
    });

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    async function signedIn(name: string): Promise<{ ctx: BrowserContext; page: Page }> {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      await page.goto(`${t.url}/`);
      await page.fill('input[name=name]', name);
      await page.fill('input[name=password]', `${name}-password`);
      await page.click('button[type=submit]');
      await page.waitForSelector('.user-name');
      return { ctx, page };
    }

    const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png` });

    it('signs in with user name and password, shows the overview, and refuses a wrong password with E_AUTH', async () => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      await page.goto(`${t.url}/`);
      await page.waitForSelector('form input[name=name]');
      await shot(page, '00-sign-in');
      await page.fill('input[name=name]', 'ada');
      await page.fill('input[name=password]', 'not-her-password');
      await page.click('button[type=submit]');
      await expect.poll(() => page.textContent('.problem')).toContain('E_AUTH');
      await page.fill('input[name=password]', 'ada-password');
      await page.click('button[type=submit]');
      await page.waitForSelector('.kpi');
      expect(await page.textContent('.user-name')).toBe('ada');
      const cookies = await ctx.cookies();
      expect(cookies.find((c) => c.name === 'omniops_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      // The page never sees the cookie.
      expect(await page.evaluate('document.cookie')).toBe('');
      await page.waitForSelector('svg.chart');
      await shot(page, '01-overview');
      await ctx.close();
    });

    it('follows an order that was rerouted: the timeline shows the reroute and the routing explanation', async () => {
      const { ctx, page } = await signedIn('olga');
      await page.click('nav a[data-screen=orders]');
      await page.waitForSelector('table');
      await shot(page, '02-orders');
      await page.click('text=W-100');
      await page.waitForSelector('.timeline');
      const types = await page.$$eval('.timeline li', (lis) => lis.map((li) => li.getAttribute('data-type')));
      expect(types).toEqual(expect.arrayContaining(['order.placed', 'order.routed', 'order.rerouted', 'reservation.released']));
      const rerouted = await page.textContent('.timeline li[data-type="order.rerouted"]');
      expect(rerouted).toContain('rejected');
      const routing = await page.textContent('.routing');
      expect(routing).toContain('sourcing v');
      expect(routing).toMatch(/previously failed/);
      await shot(page, '03-order-timeline');
      await page.locator('.timeline li[data-type="order.rerouted"]').scrollIntoViewIfNeeded();
      await shot(page, '03b-order-reroute');
      await ctx.close();
    });

    it('replays a dead-lettered event from the integrations screen', async () => {
      const { ctx, page } = await signedIn('olga');
      await page.click('nav a[data-screen=integrations]');
      const row = page.locator(`tr[data-key="${poisonId}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain('warehouse system unreachable');
      await shot(page, '04-integrations');
      broken = false;
      await row.locator('button.replay').click();
      await expect.poll(() => page.textContent('#toasts')).toContain('Replayed');
      expect((await settled(poisonId)).status).toBe('processed');
      await page.click('button:text("Refresh")');
      await expect.poll(() => page.locator(`tr[data-key="${poisonId}"]`).count()).toBe(0);
      await ctx.close();
    });

    it('shows only what the role may do: finance sees no integrations or audit; the auditor verifies the chain', async () => {
      const fin = await signedIn('fiona');
      const nav = await fin.page.$$eval('nav a', (as) => as.map((a) => a.getAttribute('data-screen')));
      expect(nav).toContain('orders');
      expect(nav).not.toContain('integrations');
      expect(nav).not.toContain('audit');
      await fin.ctx.close();
      const aud = await signedIn('audrey');
      await aud.page.click('nav a[data-screen=audit]');
      await aud.page.waitForSelector('table');
      await aud.page.click('button:text("Verify chain")');
      await expect.poll(() => aud.page.textContent('.verify')).toContain('Chain intact');
      await shot(aud.page, '05-audit');
      await aud.ctx.close();
    });

    it('inventory shows stock per location and what each channel may sell', async () => {
      const { ctx, page } = await signedIn('olga');
      await page.click('nav a[data-screen=inventory]');
      // Not just any table: the overview it replaces has one too (a race CI lost once).
      await expect.poll(() => page.textContent('.content'), { timeout: 10_000 }).toContain('LAMP-1');
      expect(await page.textContent('.content')).toContain('dc-tilburg');
      await shot(page, '06-inventory');
      for (const screen of ['approvals', 'exceptions', 'returns', 'policies']) {
        await page.click(`nav a[data-screen=${screen}]`);
        await page.waitForSelector('.content > *');
        await page.waitForTimeout(150);
        await shot(page, `07-${screen}`);
      }
      await ctx.close();
    });

    it('policies: the author of a draft is refused with a clear four-eyes (SoD) message; a second person approves it', async () => {
      const live = (await t.api('GET', '/v1/policies/availability/versions/1', keys.olga!)).body;
      const body = { ...live.body, byChannelKind: { ...live.body.byChannelKind, marketplace: { ...live.body.byChannelKind.marketplace, share: 0.7 } } };
      delete body.version;
      const draft = await t.api('POST', '/v1/policies/availability/versions', keys.olga!, { body, note: 'marketplaces: 80% → 70% before Black Friday' });
      expect(draft.status, JSON.stringify(draft.body)).toBe(201);
      const v = draft.body.version;

      const author = await signedIn('olga');
      await author.page.goto(`${t.url}/#/policies/availability`);
      await author.page.waitForSelector('button:text("Approve")');
      await shot(author.page, '08-policy-diff');
      author.page.once('dialog', (d) => d.accept('looks right'));
      await author.page.click('button:text("Approve")');
      const sod = await author.page.waitForSelector('.sod');
      expect(await sod.textContent()).toMatch(/four eyes/i);
      await shot(author.page, '09-policy-sod-refusal');
      await author.ctx.close();

      const reviewer = await signedIn('ada');
      await reviewer.page.goto(`${t.url}/#/policies/availability`);
      await reviewer.page.waitForSelector('button:text("Approve")');
      reviewer.page.once('dialog', (d) => d.accept('second pair of eyes: ok'));
      await reviewer.page.click('button:text("Approve")');
      await expect.poll(() => reviewer.page.textContent('#toasts')).toContain(`v${v}: approve done`);
      const after = (await t.api('GET', '/v1/policies/availability/versions', keys.ada!)).body.items.find((x: { version: number }) => x.version === v);
      expect(after).toMatchObject({ status: 'approved', reviewedBy: 'ada' });
      await reviewer.ctx.close();
    });

    /** Pending approvals of a subject (through the API), waiting for the engine to open them. */
    async function pendingApproval(subject: string, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await drained();
        const r = await t.api('GET', `/v1/approvals?state=pending&subject=${subject}`, t.adminKey);
        if (r.status === 200 && r.body.items.length) return r.body.items[0];
        if (Date.now() > deadline) return null;
        await new Promise((res) => setTimeout(res, 100));
      }
    }

    it('approvals: finance approves a refund above 200 from the inbox', async (tc) => {
      if (!(await t.api('GET', '/v1/approvals', t.adminKey)).body.items) return tc.skip();
      // A delivered order of a 260 stove, returned crushed: the refund needs finance.
      await send(order('R-200', [{ lineId: '1', sku: 'STOVE-9', qty: 1, unitPrice: 260 }], 'captured', '2020-01-01T00:00:00Z'));
      await drained();
      const o = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'R-200')}`, t.adminKey)).body;
      for (const f of o.fulfilments) {
        for (const type of ['fulfilment.accepted', 'fulfilment.picked', 'fulfilment.shipped', 'shipment.delivered']) {
          await send(envelope({ type, payload: { fulfilmentId: f.id, ...(type === 'fulfilment.shipped' ? { carrier: 'postnl', trackingNumber: '3S-R200' } : {}) } }));
        }
      }
      await send(envelope({ type: 'return.requested', payload: { externalReturnId: 'RMA-200', externalOrderId: 'R-200', lines: [{ lineId: '1', qty: 1 }], reason: 'the stove arrived crushed, the box was dented and the burner is bent' } }));
      // A high-impact AI recommendation is agreed by operations first (through the API), then the refund waits for finance.
      const ai = await pendingApproval('ai_recommendation', 5000);
      if (ai) {
        const agreed = await t.api('POST', `/v1/approvals/${ai.id}/decision`, await t.keyFor(ai.roles[0]), { decision: 'approve', comment: 'photos confirm' });
        expect(agreed.status, JSON.stringify(agreed.body)).toBe(200);
      }
      // Inspection first: the warehouse receives the item.
      await drained();
      const rc = (await t.api('GET', '/v1/returns?limit=5', t.adminKey)).body.items.find((c: { externalReturnId: string }) => c.externalReturnId === 'RMA-200');
      if (rc?.state === 'awaiting_item') {
        const got = await t.api('POST', `/v1/returns/${rc.id}/receive`, await t.keyFor('warehouse'), { lines: [{ lineId: '1', condition: 'damaged' }] });
        expect(got.status, JSON.stringify(got.body)).toBeLessThan(300);
      }
      const refund = await pendingApproval('refund');
      if (!refund) {
        const cases = (await t.api('GET', '/v1/returns?limit=5', t.adminKey)).body;
        throw new Error(`no refund approval opened; cases: ${JSON.stringify(cases).slice(0, 3000)}`);
      }

      const { ctx, page } = await signedIn('fiona');
      await page.click('nav a[data-screen=approvals]');
      const card = page.locator(`.approval[data-id="${refund.id}"]`);
      await card.waitFor();
      expect(await card.textContent()).toContain('refund');
      await shot(page, '10-approvals-inbox');
      await card.locator('textarea').fill('Within policy; photos attached to the case');
      await card.locator('button.approve').click();
      await expect.poll(() => page.textContent('#toasts')).toContain('Approved');
      const after = (await t.api('GET', `/v1/approvals/${refund.id}`, t.adminKey)).body;
      expect(after.decisions).toEqual([expect.objectContaining({ actorId: 'fiona', decision: 'approve', comment: 'Within policy; photos attached to the case' })]);
      // The return case: reason, classification, who decided and why, approvals, refund.
      await page.click('nav a[data-screen=returns]');
      await page.click('text=RMA-200');
      await page.waitForSelector('text=Classification and recommendation');
      const caseText = await page.textContent('.content');
      expect(caseText).toContain('damaged in transit');
      expect(caseText).toContain('arrived crushed');
      await shot(page, '12-return-case');
      await ctx.close();
    });

    it('approvals: approving one\'s own request is refused with a clear segregation-of-duties message', async (tc) => {
      if (!(await t.api('GET', '/v1/approvals', t.adminKey)).body.items) return tc.skip();
      // Cora asks for a price that leaves 5% margin: a category manager must approve — not Cora herself.
      const asked = await t.api('POST', '/v1/pricing/price-changes', keys.cora!, { sku: 'STOVE-9', newPrice: 158, reason: 'match competitor for Black Friday' });
      expect([200, 201, 202], JSON.stringify(asked.body)).toContain(asked.status);
      const approval = await pendingApproval('price_change');
      expect(approval, 'a price change approval was opened').not.toBeNull();
      const { ctx, page } = await signedIn('cora');
      await page.click('nav a[data-screen=approvals]');
      const card = page.locator(`.approval[data-id="${approval.id}"]`);
      await card.waitFor();
      await card.locator('button.approve').click();
      const sod = card.locator('.sod');
      await sod.waitFor();
      expect(await sod.textContent()).toContain('E_SOD');
      expect(await sod.textContent()).toMatch(/segregation of duties/i);
      await shot(page, '11-approval-sod-refusal');
      expect((await t.api('GET', `/v1/approvals/${approval.id}`, t.adminKey)).body.status).toBe('pending');
      await ctx.close();
    });

    it('exception queues: an operations manager takes an item and resolves it with a reason', async (tc) => {
      const open = await t.api('GET', '/v1/exceptions?state=open', keys.olga!);
      if (open.status === 404) return tc.skip();
      const item = open.body.items.find((x: { queue: string }) => x.queue === 'payment_hold') ?? open.body.items[0];
      expect(item, 'an open exception (the held payment of W-105)').toBeDefined();
      const { ctx, page } = await signedIn('olga');
      await page.click('nav a[data-screen=exceptions]');
      const row = page.locator(`tr[data-key="${item.id}"]`);
      await row.waitFor();
      await row.locator('button:text("Take")').click();
      await expect.poll(async () => (await t.api('GET', '/v1/exceptions?state=assigned', keys.olga!)).body.items.map((x: { id: string }) => x.id)).toContain(item.id);
      await page.goto(`${t.url}/#/exceptions?state=assigned`);
      const taken = page.locator(`tr[data-key="${item.id}"]`);
      await taken.waitFor();
      expect(await taken.textContent()).toContain('olga');
      page.once('dialog', (d) => d.accept('customer paid by bank transfer'));
      await taken.locator('button:text("Resolve")').click();
      await expect.poll(async () => (await t.api('GET', '/v1/exceptions?state=resolved', keys.olga!)).body.items.map((x: { id: string }) => x.id)).toContain(item.id);
      await ctx.close();
    });

    it('CSRF: a cookie-authenticated POST without the CSRF header is refused with 403 E_CSRF', async () => {
      const { ctx, page } = await signedIn('olga');
      const r = await page.evaluate(async (id) => {
        const res = await fetch(`/v1/events/${id}/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return { status: res.status, body: (await res.json()) as { code: string } };
      }, poisonId);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('E_CSRF');
      await ctx.close();
    });

    it('logs out: the session ends on the server and the console returns to sign-in', async () => {
      const { ctx, page } = await signedIn('olga');
      await page.click('button.signout');
      await page.waitForSelector('form input[name=name]');
      expect(await page.textContent('.login')).toContain('signed out');
      const after = await page.evaluate(async () => (await fetch('/v1/session')).status);
      expect(after).toBe(401);
      await page.goto(`${t.url}/#/orders`);
      await page.waitForSelector('form input[name=name]');
      await ctx.close();
    });
  });
}
