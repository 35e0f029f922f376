import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OdooClient } from '../../../src/connectors/odoo/client.js';
import { OdooPermanentError } from '../../../src/connectors/odoo/errors.js';
import { createJson2Client } from '../../../src/connectors/odoo/json2.js';
import { CurrencyIds, omniopsMarker, pushCreditNote, pushVendorCredit, type CreditNotePush, type VendorCreditPush } from '../../../src/connectors/odoo/operations/index.js';
import { applyOdooRow } from '../../../src/engine/delivery/odoo-effects.js';
import type { SqlExecutor } from '../../../src/store/port.js';
import type { DestinationRow } from '../../../src/store/repos/destinations.js';
import type { DeliveryRow } from '../../../src/store/repos/deliveries.js';
import { startFakeOdoo, type FakeOdoo, type LoggedRequest } from '../../fakes/odoo/server.js';
import { storeFactories } from '../../support/stores.js';
import { until } from '../../support/until.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from '../../returns/support.js';
import { useApprovalEngine } from '../../../src/engine/returns/approval.js';
import { fakeTarget, makeFixtures, uniq, type Fixtures, type Target } from './targets.js';

// Credit notes booked in the refund's / credit's currency (docs/odoo.md, "Currency"). Before, no
// `currency_id` was sent and Odoo booked a EUR refund of 100 as 100 in the company's USD.
// The fake seeds USD (1) and EUR (2) active and GBP (3) archived, as Odoo ships most currencies.

type Move = { id: number; currency_id: [number, string]; state: string; amount_untaxed: number };
const movesByRef = (c: OdooClient, ref: string) =>
  c.call<Move[]>('account.move', 'search_read', { domain: [['ref', '=', ref]], fields: ['currency_id', 'state', 'amount_untaxed'] });
const currencyId = async (c: OdooClient, iso: string) =>
  (await c.call<Array<{ id: number }>>('res.currency', 'search_read', { domain: [['name', '=', iso], ['active', 'in', [true, false]]], fields: ['name'] }))[0]!.id;
/** Calls on res.currency the fake received, over either transport. */
const currencyCalls = (requests: LoggedRequest[]) =>
  requests.filter((r) => r.path.startsWith('/json/2/res.currency/') || (r.path === '/jsonrpc' && (r.body as any)?.params?.args?.[3] === 'res.currency')).length;
const setActive = (fake: FakeOdoo, iso: string, active: boolean) =>
  fake.asAdmin((env) => {
    const [id] = env.orm.search('res.currency', [['name', '=', iso], ['active', 'in', [true, false]]], {}, env);
    env.orm.write('res.currency', [id!], { active }, env);
  });

describe('credit notes in their own currency (the fake Odoo)', () => {
  let target: Target;
  let fx: Fixtures;
  let eur: number;
  let usd: number;
  beforeAll(async () => {
    target = await fakeTarget();
    fx = await makeFixtures(target.json2);
    eur = await currencyId(target.json2, 'EUR');
    usd = await currencyId(target.json2, 'USD');
  });
  afterAll(() => target.close());
  afterEach(() => setActive(target.fake!, 'GBP', false));

  for (const transport of ['json2', 'jsonrpc'] as const) {
    describe(transport, () => {
      const c = () => target[transport];
      const refund = (currency?: string | null): CreditNotePush => ({
        refundId: `rf-${uniq()}`, partnerId: fx.partnerId, sourceRef: 'web:W-1', lines: [{ productId: fx.productId, quantity: 1, unitPrice: 100 }], ...(currency !== undefined ? { currency } : {}),
      });
      const credit = (currency?: string | null): VendorCreditPush => ({
        claimId: `clm_${uniq()}`, caseId: 'rc-1', vendorId: fx.partnerId, amount: 80, invoiceDate: '2026-11-07', ...(currency !== undefined ? { currency } : {}),
      });

      it("a EUR customer refund is created with EUR's id, the amount as sent (Odoo converts, we do not)", async () => {
        const r = refund('EUR');
        const first = await pushCreditNote(c(), r, new CurrencyIds());
        expect(first).toMatchObject({ created: true, posted: true, state: 'posted' });
        const [move] = await movesByRef(c(), omniopsMarker('refund', r.refundId));
        expect(move).toMatchObject({ id: first.moveId, currency_id: [eur, 'EUR'], amount_untaxed: 100 });
      });

      it("a EUR vendor credit is created with EUR's id", async () => {
        const v = credit('EUR');
        const first = await pushVendorCredit(c(), v, new CurrencyIds());
        expect(first).toMatchObject({ created: true, state: 'posted' });
        const [move] = await movesByRef(c(), omniopsMarker('supplier_credit', v.claimId));
        expect(move).toMatchObject({ id: first.moveId, currency_id: [eur, 'EUR'], amount_untaxed: 80 });
      });

      it("a row without a currency (older rows) keeps the company's currency, and asks nothing about currencies", async () => {
        const before = currencyCalls(target.fake!.requests);
        for (const none of [undefined, null]) {
          const r = refund(none);
          await pushCreditNote(c(), r, new CurrencyIds());
          const v = credit(none);
          await pushVendorCredit(c(), v, new CurrencyIds());
          expect((await movesByRef(c(), omniopsMarker('refund', r.refundId)))[0]!.currency_id[0]).toBe(usd);
          expect((await movesByRef(c(), omniopsMarker('supplier_credit', v.claimId)))[0]!.currency_id[0]).toBe(usd);
        }
        expect(currencyCalls(target.fake!.requests)).toBe(before);
      });

      for (const [code, why] of [['GBP', 'archived'], ['XTS', 'unknown']] as const) {
        it(`a currency ${why} in Odoo (${code}): a permanent omniops.mapping error saying to activate it, nothing created`, async () => {
          const r = refund(code);
          const v = credit(code);
          for (const push of [() => pushCreditNote(c(), r, new CurrencyIds()), () => pushVendorCredit(c(), v, new CurrencyIds())]) {
            const err = await push().catch((e: unknown) => e);
            expect(err).toBeInstanceOf(OdooPermanentError);
            expect(err).toMatchObject({ kind: 'permanent', exceptionName: 'omniops.mapping' });
            expect((err as Error).message).toContain(`no active currency ${code} in Odoo: activate ${code} in Odoo (Accounting › Configuration › Currencies)`);
          }
          expect(await movesByRef(c(), omniopsMarker('refund', r.refundId))).toEqual([]);
          expect(await movesByRef(c(), omniopsMarker('supplier_credit', v.claimId))).toEqual([]);
        });
      }

      it('"not found" is not cached: once GBP is activated, the retry with the same cache books it in GBP', async () => {
        const cache = new CurrencyIds();
        const r = refund('GBP');
        await expect(pushCreditNote(c(), r, cache)).rejects.toBeInstanceOf(OdooPermanentError);
        setActive(target.fake!, 'GBP', true);
        const again = await pushCreditNote(c(), r, cache);
        expect(again).toMatchObject({ created: true, state: 'posted' });
        const [move] = await movesByRef(c(), omniopsMarker('refund', r.refundId));
        expect(move!.currency_id).toEqual([await currencyId(c(), 'GBP'), 'GBP']);
      });

      it('the lookup is cached: one res.currency call for several pushes in one currency; a replay of a made move asks nothing', async () => {
        const cache = new CurrencyIds();
        const before = currencyCalls(target.fake!.requests);
        const r = refund('eur'); // an ISO code in lower case is still EUR
        await pushCreditNote(c(), r, cache);
        await pushCreditNote(c(), refund('EUR'), cache);
        await pushVendorCredit(c(), credit('EUR'), cache);
        expect(currencyCalls(target.fake!.requests) - before).toBe(1);
        // Without a cache of its own, the client's instance keeps one.
        await pushCreditNote(c(), refund('EUR'));
        await pushCreditNote(c(), refund('EUR'));
        expect(currencyCalls(target.fake!.requests) - before).toBe(2);
        // The move exists: found by its marker, its currency is not looked up again (nor judged).
        await pushCreditNote(c(), r, new CurrencyIds());
        expect(currencyCalls(target.fake!.requests) - before).toBe(2);
      });
    });
  }
});

describe('applyOdooRow: the currency cache outlives the per-row client (one per Odoo database)', () => {
  let fake: FakeOdoo;
  let vendor: number;
  beforeAll(async () => {
    fake = await startFakeOdoo({ db: `odoo_${uniq()}` });
    const c = createJson2Client({ url: fake.url, database: fake.db, apiKey: fake.apiKey });
    [vendor] = await c.call<number[]>('res.partner', 'create', { vals_list: [{ name: 'Tents & Co', is_company: true }] }) as [number];
  });
  afterAll(() => fake.close());

  const noSuppliers: SqlExecutor = { dialect: 'sqlite', run: async () => { throw new Error('read only'); }, all: async () => [], get: async () => undefined };
  const destination = (): DestinationRow => ({
    id: 'odoo', url: fake.url, kind: 'odoo', environment: 'test', concurrency: 1, routes: [{ destination: 'erp:*' }], options: { transport: 'json2', database: fake.db, vendorId: vendor },
    alternates: [], enabled: true, hasSecret: false, hasCredentials: true, previousSecretUntil: null, createdAt: '', updatedAt: '', sealedSecret: null, sealedPreviousSecret: null, sealedCredentials: null,
  });
  let n = 0;
  const row = (currency: string | null): DeliveryRow => ({
    id: `ob-${++n}`, seq: n, eventId: `ev-${n}`, destination: 'erp:refunds', kind: 'supplier.credit', subject: `return:rc-${n}`, createdAt: '', status: 'pending', expiresAt: 0,
    attempts: 0, nextAttemptAt: 0, lastError: null, lastStatus: null, target: null, deliveredAt: null, deadAt: null,
    payload: { claimId: `clm_${uniq()}`, caseId: `rc-${n}`, orderId: 'ord-1', supplierId: 'sup-tents', amount: 80, claimed: 120, currency, creditNoteRef: null, answeredAt: '2026-11-06T10:00:00.000Z' },
  });

  it('two rows, each with a fresh client as the worker makes them: EUR is looked up once', async () => {
    const before = currencyCalls(fake.requests);
    for (let i = 0; i < 2; i++) {
      const r = row('EUR');
      const client = createJson2Client({ url: fake.url, database: fake.db, apiKey: fake.apiKey });
      const done = await applyOdooRow(client, destination(), r, noSuppliers);
      expect(done.summary).toMatchObject({ created: true, state: 'posted' });
      const [move] = await movesByRef(client, omniopsMarker('supplier_credit', String(r.payload.claimId)));
      expect(move!.currency_id[1]).toBe('EUR');
    }
    expect(currencyCalls(fake.requests) - before).toBe(1);
  });
});

// Through the outbox: a customer's refund and a supplier's accepted claim, delivered by the worker to
// an Odoo destination, on both stores.
const DELIVERY = { allowList: ['127.0.0.1'], pollMs: 10, timeoutMs: 1500, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 30, breakerFailureThreshold: 50, breakerCooldownMs: 50 };
const CLAIM = scriptedAi({ reason: ['defective', 0.96], disposition: ['supplier_claim', 0.92] });
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });

for (const factory of storeFactories()) {
  describe(`credit notes reach Odoo in the shop's currency through the outbox: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    let fake: FakeOdoo | undefined;
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
      await fake?.close();
    });

    async function start(ai: typeof CLAIM) {
      fakeApprovals();
      // A database name of its own: the currency cache is per (url, database) and a port may come back.
      fake = await startFakeOdoo({ db: `odoo_${uniq()}` });
      const odoo = createJson2Client({ url: fake.url, database: fake.db, apiKey: fake.apiKey });
      const [partner] = await odoo.call<number[]>('res.partner', 'create', { vals_list: [{ name: 'Tents & Co', is_company: true }] });
      await odoo.call('product.product', 'create', { vals_list: [{ name: 'Tent', default_code: 'TENT', type: 'consu', is_storable: true, list_price: 120 }] });
      await w.start(factory, { ai, config: { environment: 'test', delivery: DELIVERY } });
      const put = await w.t.api('PUT', '/v1/destinations/odoo', w.t.adminKey, {
        url: fake.url, kind: 'odoo', environment: 'test', credentials: { apiKey: fake.apiKey },
        options: { transport: 'json2', database: fake.db, partnerId: partner, vendorId: partner }, routes: [{ destination: 'erp:refunds', kinds: ['refund.requested', 'supplier.credit'] }],
      });
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      return { odoo };
    }

    /** A tent returned as defective, refunded without waiting for it (the shop's currency: EUR). */
    async function refundedReturn(ext: string): Promise<void> {
      await w.deliveredOrder(ext, [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      await w.requestReturn({ externalOrderId: ext, lines: [{ lineId: '1', qty: 1 }], reason: 'the zipper broke after a week' });
      await w.drained();
    }

    async function acceptedClaim(ext: string): Promise<string> {
      await w.deliveredOrder(ext, [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.caseOf((await w.requestReturn({ externalOrderId: ext, lines: [{ lineId: '1', qty: 1 }], reason: 'the zipper broke after a week' })).id);
      expect(c.state).toBe('claimed');
      const claimId = c.supplierClaim.id as string;
      w.now = T0 + 5 * DAY;
      const r = await w.t.api('POST', `/v1/supplier-claims/${claimId}/answer`, await w.t.keyFor('procurement'), { outcome: 'accepted', creditAmount: 100, creditNoteRef: 'CN-77' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await w.drained();
      return claimId;
    }

    const settled = (kind: string) => until(`the ${kind} row settled`, async () => {
      const x = await w.t.app.store.read.get<{ id: string; status: string; last_error: string | null; payload: string | Record<string, unknown> }>(`SELECT id, status, last_error, payload FROM outbox WHERE kind = ?`, [kind]);
      return x && x.status !== 'pending' ? x : undefined;
    });
    const refundIdOf = (x: { payload: string | Record<string, unknown> }) => String((typeof x.payload === 'string' ? JSON.parse(x.payload) : x.payload).refundId);

    it("the customer's EUR refund is booked in EUR", async () => {
      const { odoo } = await start(REFUND_NOW);
      await refundedReturn('OR-1');
      const refund = await settled('refund.requested');
      expect(refund, refund.last_error ?? '').toMatchObject({ status: 'delivered' });
      expect(await movesByRef(odoo, omniopsMarker('refund', refundIdOf(refund)))).toMatchObject([{ currency_id: [await currencyId(odoo, 'EUR'), 'EUR'], state: 'posted', amount_untaxed: 120 }]);
    }, 60_000);

    it("EUR archived in Odoo: the supplier's credit dies at once saying to activate EUR, nothing booked; activated and replayed, it is booked in EUR", async () => {
      const { odoo } = await start(CLAIM);
      setActive(fake!, 'EUR', false);
      const claimId = await acceptedClaim('OC-2');
      const row = await settled('supplier.credit');
      expect(row.status).toBe('dead');
      expect(row.last_error).toMatch(/omniops\.mapping: no active currency EUR in Odoo: activate EUR in Odoo/);
      expect(await movesByRef(odoo, omniopsMarker('supplier_credit', claimId))).toEqual([]);

      setActive(fake!, 'EUR', true);
      expect((await w.t.api('POST', `/v1/deliveries/${row.id}/replay`, w.t.adminKey)).status).toBe(202);
      await until('delivered after the replay', async () => (await w.t.app.store.read.get<{ status: string }>(`SELECT status FROM outbox WHERE id = ?`, [row.id]))?.status === 'delivered');
      expect(await movesByRef(odoo, omniopsMarker('supplier_credit', claimId))).toMatchObject([{ currency_id: [await currencyId(odoo, 'EUR'), 'EUR'], state: 'posted', amount_untaxed: 100 }]);
    }, 60_000);
  });
}
