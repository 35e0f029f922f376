import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyOdooRow } from '../../../src/engine/delivery/odoo-effects.js';
import { OdooPermanentError } from '../../../src/connectors/odoo/errors.js';
import { omniopsMarker } from '../../../src/connectors/odoo/operations/index.js';
import { createJson2Client } from '../../../src/connectors/odoo/json2.js';
import type { OdooClient } from '../../../src/connectors/odoo/client.js';
import type { SqlExecutor } from '../../../src/store/port.js';
import type { DestinationRow } from '../../../src/store/repos/destinations.js';
import type { DeliveryRow } from '../../../src/store/repos/deliveries.js';
import { startFakeOdoo, type FakeOdoo } from '../../fakes/odoo/server.js';
import { storeFactories } from '../../support/stores.js';
import { until } from '../../support/until.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from '../../returns/support.js';
import { useApprovalEngine } from '../../../src/engine/returns/approval.js';

// An accepted warranty claim's credit (`supplier.credit` on `erp:refunds`, docs/ai.md) booked in Odoo
// as a vendor credit note (docs/odoo.md). Before, an Odoo destination dead-lettered every such row as
// an unknown kind.

type Move = { id: number; name: string; state: string; move_type: string; partner_id: [number, string]; invoice_date: string; amount_untaxed: number };
const movesOf = (c: OdooClient, claimId: string) =>
  c.call<Move[]>('account.move', 'search_read', {
    domain: [['ref', '=', omniopsMarker('supplier_credit', claimId)]], fields: ['name', 'state', 'move_type', 'partner_id', 'invoice_date', 'amount_untaxed'],
  });

describe('applyOdooRow: supplier.credit (the fake Odoo)', () => {
  let fake: FakeOdoo;
  let client: OdooClient;
  let vendorA: number;
  let vendorB: number;
  beforeAll(async () => {
    fake = await startFakeOdoo();
    client = createJson2Client({ url: fake.url, database: fake.db, apiKey: fake.apiKey });
    [vendorA, vendorB] = await client.call<number[]>('res.partner', 'create', { vals_list: [{ name: 'Tents & Co', is_company: true }, { name: 'Default vendor', is_company: true }] }) as [number, number];
  });
  afterAll(() => fake.close());

  /** The store as the effect reads it: only the suppliers table is asked. */
  const suppliers = (docs: Record<string, Record<string, unknown>>): SqlExecutor => ({
    dialect: 'sqlite',
    run: async () => { throw new Error('read only'); },
    all: async () => [],
    get: async <T,>(sql: string, params?: readonly unknown[]) => {
      if (!/FROM suppliers/.test(sql)) throw new Error(`unexpected read: ${sql}`);
      const doc = docs[String(params?.[0])];
      return (doc ? { doc: JSON.stringify(doc) } : undefined) as T | undefined;
    },
  });
  const destination = (options: Record<string, unknown>): DestinationRow => ({
    id: 'odoo', url: fake.url, kind: 'odoo', environment: 'test', concurrency: 1, routes: [{ destination: 'erp:*' }], options: { transport: 'json2', database: fake.db, ...options },
    alternates: [], enabled: true, hasSecret: false, hasCredentials: true, previousSecretUntil: null, createdAt: '', updatedAt: '', sealedSecret: null, sealedPreviousSecret: null, sealedCredentials: null,
  });
  let n = 0;
  const row = (payload: Record<string, unknown> = {}): DeliveryRow => {
    const claimId = `clm_${++n}`;
    return {
      id: `ob-${n}`, seq: n, eventId: `ev-${n}`, destination: 'erp:refunds', kind: 'supplier.credit', subject: `return:rc-${n}`, createdAt: '', status: 'pending', expiresAt: 0,
      attempts: 0, nextAttemptAt: 0, lastError: null, lastStatus: null, target: null, deliveredAt: null, deadAt: null,
      payload: { claimId, caseId: `rc-${n}`, orderId: 'ord-1', supplierId: 'sup-tents', amount: 80, claimed: 120, currency: 'EUR', creditNoteRef: 'CN-9', answeredAt: '2026-11-06T23:30:00.000Z', ...payload },
    };
  };
  const supplier = (odooPartnerId?: number) => ({ 'sup-tents': { id: 'sup-tents', name: 'Tents & Co', leadTimeDays: 3, skus: [], ...(odooPartnerId ? { odooPartnerId } : {}) } });

  it("books the credit on the supplier's own partner, posted, dated the answer's UTC day; delivered again it books nothing more", async () => {
    const r = row();
    const claimId = String(r.payload.claimId);
    const first = await applyOdooRow(client, destination({ vendorId: vendorB }), r, suppliers(supplier(vendorA)));
    expect(first.events).toEqual([]);
    expect(first.summary).toMatchObject({ created: true, state: 'posted', duplicates: [] });
    expect(String(first.summary.name)).toMatch(/^RBILL\/2026\/\d{5}$/);
    const again = await applyOdooRow(client, destination({ vendorId: vendorB }), r, suppliers(supplier(vendorA)));
    expect(again.summary).toEqual({ ...first.summary, created: false });
    const moves = await movesOf(client, claimId);
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ id: first.summary.moveId, move_type: 'in_refund', state: 'posted', invoice_date: '2026-11-06', amount_untaxed: 80 });
    expect(moves[0]!.partner_id[0]).toBe(vendorA);
  });

  it("falls back to the destination's options.vendorId when the supplier has no odooPartnerId (or is not known)", async () => {
    for (const docs of [supplier(), {}]) {
      const r = row();
      await applyOdooRow(client, destination({ vendorId: vendorB }), r, suppliers(docs));
      const [move] = await movesOf(client, String(r.payload.claimId));
      expect(move!.partner_id[0]).toBe(vendorB);
    }
  });

  it('with neither mapping: a permanent mapping error that says what to set, and nothing in Odoo', async () => {
    const r = row();
    const err = await applyOdooRow(client, destination({}), r, suppliers(supplier())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OdooPermanentError);
    expect(err).toMatchObject({ exceptionName: 'omniops.mapping' });
    expect((err as Error).message).toMatch(/supplier sup-tents has no odooPartnerId and destination odoo has no options\.vendorId/);
    expect(await movesOf(client, String(r.payload.claimId))).toEqual([]);
  });
});

// End to end: a real claim accepted through the API, its row delivered by the worker to an Odoo destination.
const DELIVERY = { allowList: ['127.0.0.1'], pollMs: 10, timeoutMs: 1500, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 30, breakerFailureThreshold: 50, breakerCooldownMs: 50 };
const CLAIM = scriptedAi({ reason: ['defective', 0.96], disposition: ['supplier_claim', 0.92] });

for (const factory of storeFactories()) {
  describe(`an accepted claim's credit reaches Odoo: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    let fake: FakeOdoo | undefined;
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
      await fake?.close();
    });

    async function start(options: Record<string, unknown>) {
      fakeApprovals();
      fake = await startFakeOdoo();
      const odoo = createJson2Client({ url: fake.url, database: fake.db, apiKey: fake.apiKey });
      const [partner] = await odoo.call<number[]>('res.partner', 'create', { vals_list: [{ name: 'Tents & Co', is_company: true }] });
      await w.start(factory, { ai: CLAIM, config: { environment: 'test', delivery: DELIVERY } });
      // Only the supplier's credit: the order's sale order and the customer's refund are other tests' business.
      const put = await w.t.api('PUT', '/v1/destinations/odoo', w.t.adminKey, {
        url: fake.url, kind: 'odoo', environment: 'test', credentials: { apiKey: fake.apiKey },
        options: { transport: 'json2', database: fake.db, ...options }, routes: [{ destination: 'erp:refunds', kinds: ['supplier.credit'] }],
      });
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      return { odoo, partner: partner! };
    }

    async function acceptedClaim(ext: string, odooPartnerId?: number): Promise<string> {
      const sup = await w.t.api('PUT', '/v1/suppliers/sup-tents', await w.t.keyFor('procurement'), { name: 'Tents & Co', leadTimeDays: 3, ...(odooPartnerId ? { odooPartnerId } : {}) });
      expect(sup.status, JSON.stringify(sup.body)).toBe(200);
      expect(sup.body.odooPartnerId).toBe(odooPartnerId);
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

    const creditRow = () => until('the supplier.credit row settled', async () => {
      const x = await w.t.app.store.read.get<{ id: string; status: string; last_error: string | null }>(`SELECT id, status, last_error FROM outbox WHERE kind = 'supplier.credit'`);
      return x && x.status !== 'pending' ? x : undefined;
    });

    it("is posted once as a vendor credit note on the supplier's partner; a replay books nothing more", async () => {
      const { odoo, partner } = await start({});
      const claimId = await acceptedClaim('OC-1', partner);
      const row = await creditRow();
      expect(row, row.last_error ?? '').toMatchObject({ status: 'delivered' });
      const moves = await movesOf(odoo, claimId);
      expect(moves).toMatchObject([{ move_type: 'in_refund', state: 'posted', invoice_date: '2026-11-07', amount_untaxed: 100 }]);
      expect(moves[0]!.partner_id[0]).toBe(partner);

      await w.t.app.store.transaction((tx) => tx.run(`UPDATE outbox SET status = 'dead' WHERE id = ?`, [row.id]));
      expect((await w.t.api('POST', `/v1/deliveries/${row.id}/replay`, w.t.adminKey)).status).toBe(202);
      await until('delivered again', async () => (await w.t.app.store.read.get<{ status: string }>(`SELECT status FROM outbox WHERE id = ?`, [row.id]))?.status === 'delivered');
      expect((await movesOf(odoo, claimId)).map((m) => m.id)).toEqual([moves[0]!.id]);
    }, 60_000);

    it('with no partner for the supplier and no vendorId on the destination, the row dies for an integrator, saying what to set', async () => {
      const { odoo } = await start({});
      const claimId = await acceptedClaim('OC-2');
      const row = await creditRow();
      expect(row.status).toBe('dead');
      expect(row.last_error).toMatch(/supplier sup-tents has no odooPartnerId/);
      expect(await movesOf(odoo, claimId)).toEqual([]);
    }, 60_000);
  });
}
