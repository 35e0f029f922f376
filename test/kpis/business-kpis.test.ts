import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories, type StoreFactory } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import type { Store } from '../../src/store/port.js';
import { PolicyBook } from '../../src/engine/policy-book.js';
import { businessKpis } from '../../src/engine/kpis/business.js';
import { approvalTurnaroundMinutes, inventoryAccuracy, returnResolutionHours, syncReliability, touchesPerThousandOrders } from '../../src/domain/kpis/business-kpis.js';
import { PEOPLE_COMMAND } from '../../src/store/schema/022-kpi-indexes.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-30T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('business KPIs from rows (SPEC §7)', () => {
  it('return resolution counts a case once, at its first outcome, when that fell in the window', () => {
    const from = NOW - 24 * HOUR;
    const s = returnResolutionHours([
      { createdMs: NOW - 30 * HOUR, history: [{ at: NOW - 20 * HOUR, to: 'classified' }, { at: NOW - 6 * HOUR, to: 'refunded' }, { at: NOW - 1 * HOUR, to: 'closed' }] }, // 24 h
      { createdMs: NOW - 50 * HOUR, history: [{ at: NOW - 26 * HOUR, to: 'refunded' }, { at: NOW - 2 * HOUR, to: 'closed' }] }, // resolved yesterday: not today's
      { createdMs: NOW - 3 * HOUR, history: [{ at: NOW - 1 * HOUR, to: 'rejected' }] }, // 2 h
      { createdMs: NOW - 5 * HOUR, history: [{ at: NOW - 4 * HOUR, to: 'awaiting_item' }] }, // no outcome yet
    ], from, NOW);
    expect(s).toEqual({ count: 2, median: 24, p90: 24 });
  });

  it('refund approval turnaround measures decided requests and counts expired ones apart', () => {
    expect(approvalTurnaroundMinutes([
      { status: 'approved', requestedMs: 0, closedMs: 30 * 60_000 },
      { status: 'rejected', requestedMs: 0, closedMs: 90 * 60_000 },
      { status: 'approved', requestedMs: 0, closedMs: 10 * 60_000 },
      { status: 'expired', requestedMs: 0, closedMs: 48 * 60 * 60_000 },
    ])).toEqual({ count: 3, median: 30, p90: 90, approved: 2, rejected: 1, expired: 1 });
  });

  it('channel sync: late figures count against it, superseded ones not at all, and no target means no rate', () => {
    expect(syncReliability({ delivered: 8, withinTarget: 6, late: 2 }, 10)).toMatchObject({ rate: 0.6, targetSeconds: 10 });
    expect(syncReliability({ delivered: 0, withinTarget: 0, late: 0 }, 10).rate).toBeNull();
    expect(syncReliability({ delivered: 5, withinTarget: 5, late: 0 }, null).rate).toBeNull();
    expect(touchesPerThousandOrders(3, 2000)).toBe(1.5);
    expect(touchesPerThousandOrders(3, 0)).toBeNull();
    expect(inventoryAccuracy([{ destinationId: 'odoo', compared: 200, discrepancies: 3, at: iso(NOW) }, { destinationId: 'b', compared: 100, discrepancies: 0, at: iso(NOW) }]).rate).toBe(0.99);
  });
});

describe('business KPIs on SQLite', () => {
  it("counts people's commands through their partial index, not by reading the day's events", async () => {
    const opened = await storeFactories()[0]!.open();
    // The repository names the index on SQLite: this fails ("no query solution") should its text and the index's part.
    const plan = await opened.store.read.all<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT COUNT(*) AS n FROM events INDEXED BY events_people WHERE ${PEOPLE_COMMAND} AND received_ms >= ?`, [NOW]);
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX events_people \(received_ms>\?\)/);
    await opened.dispose();
  });
});

/** An event row as intake or the dispatcher writes it; only what the KPIs read varies. */
async function insertEvent(store: Store, n: number, e: { receivedMs: number; actorRole: string | null; causationId?: string | null; type?: string; subject?: string; payload?: unknown }) {
  await store.transaction((tx) => tx.run(
    `INSERT INTO events (id, source, source_event_id, type, schema_version, occurred_at, received_at, received_ms, subject, payload, payload_hash, causation_id, correlation_id, actor, actor_role, status)
     VALUES (?, 'test', ?, ?, 1, ?, ?, ?, ?, ?, 'h', ?, 'c', ?, ?, 'processed')`,
    [`e-${n}`, `s-${n}`, e.type ?? 'exception.action_requested', iso(e.receivedMs), iso(e.receivedMs), e.receivedMs, e.subject ?? `x:${n}`, JSON.stringify(e.payload ?? {}), e.causationId ?? null, e.actorRole ? 'someone' : null, e.actorRole],
  ));
}

async function seed(store: Store) {
  const day = NOW - 24 * HOUR;
  // Returns: one resolved in the window after 24 h, one resolved yesterday and closed today, one open.
  const caseRow = (id: string, state: string, createdMs: number, updatedMs: number, history: unknown[]) => store.transaction((tx) => tx.run(
    'INSERT INTO return_cases (id, order_id, customer_id, state, category, disposition, created_ms, doc, updated_at) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?)',
    [id, `o-${id}`, 'c', state, createdMs, JSON.stringify({ history }), iso(updatedMs)]));
  await caseRow('r1', 'closed', NOW - 30 * HOUR, NOW - HOUR, [{ at: NOW - 6 * HOUR, from: 'approved', to: 'refunded' }, { at: NOW - HOUR, from: 'refunded', to: 'closed' }]);
  await caseRow('r2', 'closed', NOW - 50 * HOUR, NOW - 2 * HOUR, [{ at: NOW - 26 * HOUR, from: 'approved', to: 'refunded' }, { at: NOW - 2 * HOUR, from: 'refunded', to: 'closed' }]);
  await caseRow('r3', 'awaiting_item', NOW - 5 * HOUR, NOW - 4 * HOUR, [{ at: NOW - 4 * HOUR, from: 'approved', to: 'awaiting_item' }]);
  // Approvals: two refunds decided today, one decided before the window, a write-off today (another subject).
  const approval = (id: string, subject: string, status: string, requestedMs: number, closedMs: number | null) => store.transaction((tx) => tx.run(
    `INSERT INTO approvals (id, subject, subject_ref, status, level, level_deadline_ms, current_roles, requested_by, requested_ms, closed_ms, doc, updated_at) VALUES (?, ?, ?, ?, 0, 0, '[]', 'x', ?, ?, '{}', ?)`,
    [id, subject, id, status, requestedMs, closedMs, iso(NOW)]));
  await approval('a1', 'refund', 'approved', NOW - 3 * HOUR, NOW - 3 * HOUR + 20 * 60_000);
  await approval('a2', 'refund', 'rejected', NOW - 2 * HOUR, NOW - 2 * HOUR + 40 * 60_000);
  await approval('a3', 'refund', 'approved', day - 5 * HOUR, day - HOUR);
  await approval('a4', 'write_off', 'approved', NOW - HOUR, NOW - HOUR + 60_000);
  await approval('a5', 'refund', 'pending', NOW - HOUR, null);
  // Orders placed: 4 today in several states, 1 yesterday.
  const order = (id: string, state: string, placedMs: number) => store.transaction((tx) => tx.run(
    `INSERT INTO orders (id, source, external_order_id, state, hold_reason, customer_id, address_key, total, currency, placed_ms, promised_by_ms, doc, updated_at) VALUES (?, 'web', ?, ?, NULL, 'c', 'a', 10, 'EUR', ?, NULL, '{}', ?)`,
    [id, id, state, placedMs, iso(NOW)]));
  await order('o1', 'allocated', NOW - HOUR);
  await order('o2', 'shipped', NOW - 2 * HOUR);
  await order('o3', 'on_hold', NOW - 3 * HOUR);
  await order('o4', 'cancelled', NOW - 4 * HOUR);
  await order('o5', 'allocated', day - HOUR);
  // Events: two people's commands today, one yesterday; what is not a person's command: a follow-up a
  // person's command caused (it carries their role), a channel's event, an integrator's, the scheduler's.
  await insertEvent(store, 1, { receivedMs: NOW - HOUR, actorRole: 'service_agent' });
  await insertEvent(store, 2, { receivedMs: NOW - 2 * HOUR, actorRole: 'finance' });
  await insertEvent(store, 3, { receivedMs: day - HOUR, actorRole: 'finance' });
  await insertEvent(store, 4, { receivedMs: NOW - HOUR, actorRole: 'service_agent', causationId: 'e-1' });
  await insertEvent(store, 5, { receivedMs: NOW - HOUR, actorRole: null });
  await insertEvent(store, 6, { receivedMs: NOW - HOUR, actorRole: 'integrator' });
  await insertEvent(store, 7, { receivedMs: NOW - HOUR, actorRole: 'system' });
  // Availability figures: 2 delivered in 3 s, 1 in 30 s, 1 superseded, 1 expired, 1 waiting 60 s, 1 waiting 2 s; an order's row (another kind).
  const outbox = (id: string, kind: string, status: string, createdMs: number, deliveredMs: number | null) => store.transaction((tx) => tx.run(
    `INSERT INTO outbox (id, seq, event_id, destination, kind, subject, payload, status, created_at, delivered_at) VALUES (?, 1, 'e', 'channel:web', ?, 's', '{}', ?, ?, ?)`,
    [id, kind, status, iso(createdMs), deliveredMs === null ? null : iso(deliveredMs)]));
  await outbox('b1', 'availability.changed', 'delivered', NOW - HOUR, NOW - HOUR + 3000);
  await outbox('b2', 'availability.changed', 'delivered', NOW - 2 * HOUR, NOW - 2 * HOUR + 2500);
  await outbox('b3', 'availability.changed', 'delivered', NOW - 3 * HOUR, NOW - 3 * HOUR + 30_000);
  await outbox('b4', 'availability.changed', 'superseded', NOW - 3 * HOUR, null);
  await outbox('b5', 'availability.changed', 'expired', NOW - 4 * HOUR, null);
  await outbox('b6', 'availability.changed', 'pending', NOW - 60_000, null);
  await outbox('b7', 'availability.changed', 'pending', NOW - 2000, null);
  await outbox('b8', 'order.routed', 'delivered', NOW - HOUR, NOW - HOUR + 60_000);
  await outbox('b9', 'availability.changed', 'delivered', day - HOUR, day - HOUR + 60_000); // before the window
}

for (const factory of storeFactories()) {
  describe(`business KPIs read from the store: ${factory.name}`, () => {
    let opened: Awaited<ReturnType<StoreFactory['open']>> | undefined;
    afterEach(async () => opened?.dispose());

    it('reads each figure of the last day, and nothing outside it', async () => {
      opened = await factory.open();
      const policies = new PolicyBook(opened.store);
      await policies.seedDefaults();
      await seed(opened.store);
      const k = await businessKpis(opened.store.read, policies, NOW);
      expect(k.returnResolutionHours).toEqual({ count: 1, median: 24, p90: 24 });
      expect(k.refundApprovalMinutes).toEqual({ count: 2, median: 40, p90: 40, approved: 1, rejected: 1, expired: 0 });
      expect(k.manualTouches).toEqual({ commands: 2, orders: 4, perThousandOrders: 500 });
      expect(k.channelSync).toEqual({ delivered: 3, withinTarget: 2, late: 2, targetSeconds: 10, rate: 0.4 });
      expect(k.inventoryAccuracy).toMatchObject({ rate: null, compared: 0 });
    });

  });

  describe(`business KPIs on the overview and /metrics: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    it("a person's cancel is a manual touch; the channel's order is not; both show on the overview and on /metrics", async () => {
      t = await startTestApp(factory);
      await t.send(envelope({ type: 'location.upserted', payload: { id: 'dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '23:59', utcOffsetMinutes: 0, acceptSlaMinutes: 60, shipSlaMinutes: 1440 } }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 5 }] } }));
      for (const ext of ['W-1', 'W-2']) {
        await t.send(envelope({ type: 'order.placed', payload: {
          externalOrderId: ext, customer: { id: `c-${ext}` }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 50 }], currency: 'EUR',
          shipping: { method: 'standard', address: { country: 'NL', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 50 },
        } }));
      }
      const ops = await t.keyFor('operations_manager');
      expect((await t.api('POST', `/v1/orders/${orderIdFor('web', 'W-1')}/cancel`, ops, { reason: 'customer called' })).status).toBeLessThan(300);
      await t.drained();
      const d = (await t.api('GET', '/v1/dashboard', t.adminKey)).body;
      expect(d.kpis.manualTouches).toEqual({ commands: 1, orders: 2, perThousandOrders: 500 });
      expect(d.kpis.channelSync.targetSeconds).toBe(10);
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toMatch(/^omniops_kpi_manual_touches_per_1000_orders 500$/m);
    });
  });
}
