import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import { PG_URL, storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { webOrder } from '../support/shop.js';
import { jsonOf, newDataDir, newSecretKey, runCli } from '../support/cli.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

/**
 * The books check end to end: a store the real engine wrote (orders placed, routed, picked, shipped,
 * delivered, cancelled, rejected and rerouted, backordered) comes out clean; then each corruption an
 * operator may meet (a crash, a manual SQL fix, a bug) is made by hand with raw SQL and found — by
 * exactly the check that should find it, naming the right subject — and undone before the next.
 */

// 2026-11-30 09:00 UTC = 10:00 local (+60): before every cut-off; the clock stands still, so no SLA runs out.
const T0 = Date.parse('2026-11-30T09:00:00Z');

const LOCATIONS = [
  { id: 'dc', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 },
  { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
];

type Finding = { check: string; severity: string; subject: string; facts: Record<string, unknown>; detail: string };

for (const factory of storeFactories()) {
  describe(`books check: ${factory.name}`, { timeout: 180_000 }, () => {
    let t: TestApp;
    let now = T0;
    beforeAll(async () => {
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      for (const l of LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 20 }, { sku: 'MAT', onHand: 10 }] } }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand: 5 }] } }));
      for (const [ext, lines] of [
        ['W-1', [{ sku: 'TENT', qty: 1 }]], ['W-2', [{ sku: 'TENT', qty: 2 }]], ['W-3', [{ sku: 'TENT', qty: 1 }, { sku: 'MAT', qty: 1 }]],
        ['W-4', [{ sku: 'MAT', qty: 2 }]], ['W-5', [{ sku: 'TENT', qty: 1 }]], ['W-6', [{ sku: 'GHOST', qty: 1 }]], ['W-7', [{ sku: 'TENT', qty: 1 }]],
      ] as const) await t.send(webOrder(ext, lines.map((l) => ({ ...l, unitPrice: 40 }))));
      await t.drained();
      const step = async (type: string, ext: string, extra: Record<string, unknown> = {}) => {
        const f = (await view(ext)).fulfilments.find((x: { state: string }) => ['assigned', 'accepted', 'picked', 'shipped'].includes(x.state));
        await t.send(envelope({ type, payload: { fulfilmentId: f.id, ...extra } }));
      };
      for (const type of ['fulfilment.accepted', 'fulfilment.picked', 'fulfilment.shipped', 'shipment.delivered']) await step(type, 'W-1', type === 'fulfilment.shipped' ? { carrier: 'postnl' } : {});
      await t.send(envelope({ type: 'order.cancel_requested', payload: { externalOrderId: 'W-2' } }));
      for (const type of ['fulfilment.accepted', 'fulfilment.picked']) await step(type, 'W-3');
      await step('fulfilment.rejected', 'W-5', { reason: 'cannot find it' });
      // Accepted first: a shipment reported for an order still `allocated` is refused by the order
      // lifecycle (allocated → shipped is not a transition) and dead-lettered — see the report.
      await step('fulfilment.accepted', 'W-7');
      await step('fulfilment.shipped', 'W-7', { carrier: 'postnl' });
      await t.drained();
    });
    afterAll(async () => t?.close());

    const view = async (ext: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body;
    const books = async (query = '') => {
      const res = await t.api('GET', `/v1/checks${query}`, t.adminKey);
      expect(res.status).toBe(200);
      return res.body as { ok: boolean; checkedAt: string; findings: Finding[]; counts: Record<string, { severity: string; found: number; shown: number }>; errors: number; warnings: number };
    };
    const found = (r: { findings: Finding[] }) => r.findings.map((f) => [f.check, f.subject]);
    const sql = (text: string, params: unknown[] = []) => t.app.store.transaction((tx) => tx.run(text, params));
    const row = async <T = Record<string, any>>(text: string, params: unknown[] = []) => (await t.app.store.read.get<T>(text, params))!;
    /** Runs `corrupt`, then `inspect`, and undoes the corruption whatever happened. */
    async function broken(corrupt: () => Promise<unknown>, undo: () => Promise<unknown>, inspect: () => Promise<void>) {
      await corrupt();
      try {
        await inspect();
      } finally {
        await undo();
      }
    }
    const fulfilmentOf = async (ext: string, state: string) => (await view(ext)).fulfilments.find((f: { state: string }) => f.state === state);

    it('a store the engine wrote is clean: every check ran and found nothing', async () => {
      const states = Object.fromEntries(await Promise.all(['W-1', 'W-2', 'W-3', 'W-4', 'W-5', 'W-7'].map(async (e) => [e, (await view(e)).state])));
      expect(states).toEqual({ 'W-1': 'delivered', 'W-2': 'cancelled', 'W-3': 'in_fulfilment', 'W-4': 'allocated', 'W-5': 'allocated', 'W-7': 'shipped' });
      expect(['backordered', 'cancelled']).toContain((await view('W-6')).state);
      expect((await view('W-5')).reroutes).toBe(1);
      const r = await books();
      expect(r.findings).toEqual([]);
      expect(r).toMatchObject({ ok: true, errors: 0, warnings: 0 });
      expect(Object.keys(r.counts).sort()).toEqual([
        'audit_chain', 'dead_deliveries', 'dead_letters', 'open_fulfilment_without_reservations', 'order_state_vs_fulfilments',
        'reservation_of_closed_work', 'reserved_above_on_hand', 'reserved_matches_reservations', 'stock_negative',
      ]);
      expect(Number.isNaN(Date.parse(r.checkedAt))).toBe(false);
    });

    it('stock.reserved bumped by hand: reserved_matches_reservations names the row, with both figures', async () => {
      const loc = (await fulfilmentOf('W-4', 'assigned')).locationId;
      const before = Number((await row('SELECT reserved FROM stock WHERE sku = ? AND location_id = ?', ['MAT', loc])).reserved);
      await broken(
        () => sql('UPDATE stock SET reserved = reserved + 2 WHERE sku = ? AND location_id = ?', ['MAT', loc]),
        () => sql('UPDATE stock SET reserved = reserved - 2 WHERE sku = ? AND location_id = ?', ['MAT', loc]),
        async () => {
          const r = await books();
          expect(found(r)).toEqual([['reserved_matches_reservations', `stock:${loc}:MAT`]]);
          expect(r.findings[0]).toMatchObject({ severity: 'error', facts: { reserved: before + 2, activeReservations: before } });
          expect(r).toMatchObject({ ok: false, errors: 1 });
        },
      );
      expect((await books()).ok).toBe(true);
    });

    it('findings are capped per check, with the count of all', async () => {
      const rows = Number((await row('SELECT COUNT(*) AS n FROM stock')).n);
      expect(rows).toBeGreaterThan(2);
      await broken(
        () => sql('UPDATE stock SET reserved = reserved + 1'),
        () => sql('UPDATE stock SET reserved = reserved - 1'),
        async () => {
          const r = await books('?limit=2');
          expect(r.findings.filter((f) => f.check === 'reserved_matches_reservations')).toHaveLength(2);
          expect(r.counts.reserved_matches_reservations).toEqual({ severity: 'error', found: rows, shown: 2 });
          expect(r.errors).toBeGreaterThanOrEqual(rows);
        },
      );
    });

    it('a reservation of a cancelled order set active again (with its stock figure to match): reservation_of_closed_work', async () => {
      const res = await row<{ id: string; sku: string; location_id: string; qty: number }>(
        `SELECT id, sku, location_id, qty FROM reservations WHERE order_id = ? AND status = 'released'`, [orderIdFor('web', 'W-2')]);
      await broken(
        async () => {
          await sql(`UPDATE reservations SET status = 'active' WHERE id = ?`, [res.id]);
          await sql('UPDATE stock SET reserved = reserved + ? WHERE sku = ? AND location_id = ?', [res.qty, res.sku, res.location_id]);
        },
        async () => {
          await sql(`UPDATE reservations SET status = 'released' WHERE id = ?`, [res.id]);
          await sql('UPDATE stock SET reserved = reserved - ? WHERE sku = ? AND location_id = ?', [res.qty, res.sku, res.location_id]);
        },
        async () => {
          const r = await books();
          // The sums agree (stock counts the hold): only the leak is found.
          expect(found(r)).toEqual([['reservation_of_closed_work', `reservation:${res.id}`]]);
          expect(r.findings[0]!.facts).toMatchObject({ orderState: 'cancelled', fulfilmentState: 'cancelled', qty: 2, orderId: orderIdFor('web', 'W-2') });
        },
      );
    });

    it('a reservation of an open fulfilment deleted (its figure lowered to match): open_fulfilment_without_reservations', async () => {
      const f = await fulfilmentOf('W-3', 'picked');
      const res = await row<Record<string, any>>(`SELECT * FROM reservations WHERE fulfilment_id = ? AND sku = 'MAT'`, [f.id]);
      await broken(
        async () => {
          await sql('DELETE FROM reservations WHERE id = ?', [res.id]);
          await sql('UPDATE stock SET reserved = reserved - ? WHERE sku = ? AND location_id = ?', [res.qty, res.sku, res.location_id]);
        },
        async () => {
          await sql('INSERT INTO reservations (id, order_id, line_id, fulfilment_id, sku, location_id, qty, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            [res.id, res.order_id, res.line_id, res.fulfilment_id, res.sku, res.location_id, res.qty, res.status, res.created_at, res.updated_at]);
          await sql('UPDATE stock SET reserved = reserved + ? WHERE sku = ? AND location_id = ?', [res.qty, res.sku, res.location_id]);
        },
        async () => {
          const r = await books();
          expect(found(r)).toEqual([['open_fulfilment_without_reservations', `fulfilment:${f.id}`]]);
          expect(r.findings[0]!.facts).toMatchObject({ state: 'picked', lines: 2, activeReservations: 1 });
        },
      );
    });

    it('a deleted reservation left as it was (stock still counts it): the figures disagree too', async () => {
      const f = await fulfilmentOf('W-4', 'assigned');
      const res = await row<Record<string, any>>('SELECT * FROM reservations WHERE fulfilment_id = ?', [f.id]);
      await broken(
        () => sql('DELETE FROM reservations WHERE id = ?', [res.id]),
        () => sql('INSERT INTO reservations (id, order_id, line_id, fulfilment_id, sku, location_id, qty, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [res.id, res.order_id, res.line_id, res.fulfilment_id, res.sku, res.location_id, res.qty, res.status, res.created_at, res.updated_at]),
        async () => {
          expect(found(await books()).sort()).toEqual([
            ['open_fulfilment_without_reservations', `fulfilment:${f.id}`],
            ['reserved_matches_reservations', `stock:${f.locationId}:MAT`],
          ]);
        },
      );
    });

    it('an order state that its fulfilments contradict: order_state_vs_fulfilments', async () => {
      // A shipped order put back "in fulfilment": nothing of it is open.
      await broken(
        () => sql(`UPDATE orders SET state = 'in_fulfilment' WHERE id = ?`, [orderIdFor('web', 'W-7')]),
        () => sql(`UPDATE orders SET state = 'shipped' WHERE id = ?`, [orderIdFor('web', 'W-7')]),
        async () => {
          const r = await books();
          expect(found(r)).toEqual([['order_state_vs_fulfilments', 'order:web:W-7']]);
          expect(r.findings[0]!.facts).toMatchObject({ state: 'in_fulfilment', openFulfilments: 0 });
        },
      );
      // An allocated order marked cancelled by hand, its fulfilment and reservation left: both the order and the leaked hold.
      const res = await row<{ id: string }>(`SELECT id FROM reservations WHERE order_id = ? AND status = 'active'`, [orderIdFor('web', 'W-4')]);
      await broken(
        () => sql(`UPDATE orders SET state = 'cancelled' WHERE id = ?`, [orderIdFor('web', 'W-4')]),
        () => sql(`UPDATE orders SET state = 'allocated' WHERE id = ?`, [orderIdFor('web', 'W-4')]),
        async () => {
          const r = await books();
          expect(found(r).sort()).toEqual([['order_state_vs_fulfilments', 'order:web:W-4'], ['reservation_of_closed_work', `reservation:${res.id}`]]);
          expect(r.findings.find((f) => f.check === 'order_state_vs_fulfilments')!.facts).toMatchObject({ state: 'cancelled', openFulfilments: 1 });
        },
      );
    });

    it('negative figures are errors; reserved above on hand alone is a warning and leaves the books ok', async () => {
      const free = await row<{ sku: string; location_id: string; on_hand: number }>('SELECT sku, location_id, on_hand FROM stock WHERE reserved = 0 ORDER BY location_id, sku');
      await broken(
        () => sql('UPDATE stock SET on_hand = -3 WHERE sku = ? AND location_id = ?', [free.sku, free.location_id]),
        () => sql('UPDATE stock SET on_hand = ? WHERE sku = ? AND location_id = ?', [free.on_hand, free.sku, free.location_id]),
        async () => {
          const r = await books();
          expect(found(r)).toEqual([['stock_negative', `stock:${free.location_id}:${free.sku}`]]);
          expect(r.findings[0]!.facts).toMatchObject({ onHand: -3, reserved: 0 });
        },
      );
      const held = await row<{ sku: string; location_id: string; on_hand: number; reserved: number }>('SELECT sku, location_id, on_hand, reserved FROM stock WHERE reserved > 0 ORDER BY location_id, sku');
      await broken(
        () => sql('UPDATE stock SET on_hand = ? WHERE sku = ? AND location_id = ?', [Number(held.reserved) - 1, held.sku, held.location_id]),
        () => sql('UPDATE stock SET on_hand = ? WHERE sku = ? AND location_id = ?', [held.on_hand, held.sku, held.location_id]),
        async () => {
          const r = await books();
          expect(found(r)).toEqual([['reserved_above_on_hand', `stock:${held.location_id}:${held.sku}`]]);
          expect(r).toMatchObject({ ok: true, errors: 0, warnings: 1 });
          expect(r.findings[0]).toMatchObject({ severity: 'warning', facts: { short: 1 } });
          expect(r.findings[0]!.detail).toMatch(/count/);
        },
      );
    });

    it('an audit entry changed after it was written: audit_chain', async () => {
      const entry = await row<{ actor: string }>('SELECT actor FROM audit WHERE seq = 3');
      await broken(
        () => sql(`UPDATE audit SET actor = 'mallory' WHERE seq = 3`),
        () => sql('UPDATE audit SET actor = ? WHERE seq = 3', [entry.actor]),
        async () => {
          const r = await books();
          expect(found(r)).toEqual([['audit_chain', 'audit:3']]);
          expect(r.findings[0]!.facts).toMatchObject({ firstBadSeq: 3, reason: 'hash_mismatch', verified: 2 });
        },
      );
    });

    it('dead-lettered events and dead deliveries are warnings with their counts', async () => {
      const ev = await row<{ id: string; status: string }>(`SELECT id, status FROM events WHERE status = 'processed' ORDER BY seq`);
      const out = await row<{ id: string; status: string }>('SELECT id, status FROM outbox ORDER BY seq');
      await broken(
        async () => {
          await sql(`UPDATE events SET status = 'dead' WHERE id = ?`, [ev.id]);
          await sql(`UPDATE outbox SET status = 'dead' WHERE id = ?`, [out.id]);
        },
        async () => {
          await sql('UPDATE events SET status = ? WHERE id = ?', [ev.status, ev.id]);
          await sql('UPDATE outbox SET status = ? WHERE id = ?', [out.status, out.id]);
        },
        async () => {
          const r = await books();
          expect(found(r)).toEqual([['dead_letters', 'events'], ['dead_deliveries', 'deliveries']]);
          expect(r.findings.map((f) => [f.severity, f.facts.count])).toEqual([['warning', 1], ['warning', 1]]);
          expect(r.ok).toBe(true);
        },
      );
    });

    it('GET /v1/checks: admin, operations, inventory control and auditors; 403 E_ROLE for others', async () => {
      for (const role of ['operations_manager', 'inventory_control', 'auditor'] as const) {
        expect((await t.api('GET', '/v1/checks', await t.keyFor(role))).status).toBe(200);
      }
      for (const role of ['finance', 'warehouse', 'store_manager'] as const) {
        const res = await t.api('GET', '/v1/checks', await t.keyFor(role));
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('E_ROLE');
      }
      expect((await t.api('GET', '/v1/checks', null)).status).toBe(401);
      expect((await t.api('GET', '/v1/checks?limit=0', t.adminKey)).status).toBe(422);
    });

    it('omniops check: exit 3 with the finding on an error, 0 with warnings only or clean; --json parses', async () => {
      const env: Record<string, string> = { OMNIOPS_SECRET_KEY: newSecretKey() };
      let args: string[];
      if (factory.name === 'sqlite') {
        const db = await t.app.store.read.all<{ name: string; file: string }>('PRAGMA database_list');
        args = ['--data', dirname(db.find((d) => d.name === 'main')!.file)];
      } else {
        env.OMNIOPS_PG_SCHEMA = (t.app.store as unknown as { schema: string }).schema;
        args = ['--data', newDataDir('omniops-check-'), '--store', PG_URL!];
      }
      const check = (...extra: string[]) => runCli(['check', ...args, ...extra], { env });

      const clean = await check();
      expect(clean.code, clean.stderr).toBe(0);
      expect(clean.stdout).toMatch(/^ok: the books agree \(9 checks/m);

      const loc = (await fulfilmentOf('W-4', 'assigned')).locationId;
      await broken(
        () => sql('UPDATE stock SET reserved = reserved + 2 WHERE sku = ? AND location_id = ?', ['MAT', loc]),
        () => sql('UPDATE stock SET reserved = reserved - 2 WHERE sku = ? AND location_id = ?', ['MAT', loc]),
        async () => {
          const text = await check();
          expect(text.code, text.stderr).toBe(3);
          expect(text.stdout).toContain(`ERROR   reserved_matches_reservations  stock:${loc}:MAT`);
          expect(text.stdout).toMatch(/^NOT OK: 1 error, 0 warnings/m);
          const json = await check('--json');
          expect(json.code).toBe(3);
          const report = jsonOf(json);
          expect(report).toMatchObject({ ok: false, errors: 1, counts: { reserved_matches_reservations: { found: 1, shown: 1 } } });
          expect(report.findings.map((f: Finding) => [f.check, f.subject])).toEqual([['reserved_matches_reservations', `stock:${loc}:MAT`]]);
        },
      );

      const ev = await row<{ id: string }>(`SELECT id FROM events WHERE status = 'processed' ORDER BY seq`);
      await broken(
        () => sql(`UPDATE events SET status = 'dead' WHERE id = ?`, [ev.id]),
        () => sql(`UPDATE events SET status = 'processed' WHERE id = ?`, [ev.id]),
        async () => {
          const warned = await check();
          expect(warned.code, warned.stderr).toBe(0);
          expect(warned.stdout).toContain('WARNING dead_letters  events');
          expect(warned.stdout).toMatch(/^ok: 0 errors, 1 warning/m);
        },
      );
    });

    // Last: it changes the store for good.
    it('a count that finds fewer units than a picked order holds: only the reserved_above_on_hand warning', async () => {
      const f = await fulfilmentOf('W-3', 'picked');
      const tent = await row<{ reserved: number }>(`SELECT reserved FROM stock WHERE sku = 'TENT' AND location_id = ?`, [f.locationId]);
      expect(Number(tent.reserved)).toBeGreaterThan(0);
      now = T0 + 60_000;
      await t.send(envelope({ type: 'inventory.snapshot', occurredAt: new Date(now).toISOString(), payload: { locationId: f.locationId, counts: [{ sku: 'TENT', onHand: 0 }] } }));
      await t.drained();
      const r = await books();
      // Waiting orders there gave their units back and went elsewhere; the picked one keeps its claim.
      expect(found(r)).toEqual([['reserved_above_on_hand', `stock:${f.locationId}:TENT`]]);
      expect(r.findings[0]!.facts).toMatchObject({ onHand: 0, reserved: 1, short: 1 });
      expect(r.ok).toBe(true);
    });
  });
}
