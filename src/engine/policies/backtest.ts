import type { SqlExecutor } from '../../store/port.js';
import { DomainError } from '../../domain/errors.js';
import { decisionContextFor } from '../ids.js';
import { POLICY_KINDS } from '../../policy/registry.js';
import {
  PAYMENT_EVENT_STATUS, REJECTION_REASON_CODES, decidePaymentUpdate, decideRelease, orderValue, paymentFlowOf, tillTakes, validateOrder, type OrderPlacedPayload, type OrdersPolicy, type RejectionReasonCode,
} from '../../domain/orders/index.js';
import { isCollection } from '../../domain/orders/events.js';
import { stockIncreasesOf, type PoReceivedPayload } from '../../domain/procurement/index.js';
import { failedAgain, routeOrder, type FailedLocation, type RoutingDecision, type SourcingPolicy, type StockVerification } from '../../domain/sourcing/index.js';
import { happenedMs } from '../../domain/inventory/count-time.js';
import { adjustmentMs, receiptMs, shipmentMs, supersededSkus, tillSaleMs } from '../../domain/inventory/movement-time.js';
import { impliedShipmentMs } from '../../domain/replenishment/transfer-shipment.js';
import { journalFromMs, type JournalReach } from '../../domain/inventory/journal-horizon.js';
import { bookAdjustment, bookCount, bookReceived, bookShipped, bookTakenOff, bookedRow, pruneJournals, type BookedRow } from '../../domain/inventory/stock-book.js';
import type { CustomerHistory } from '../../domain/orders/fraud-score.js';
import type { Location } from '../../domain/masterdata/location.js';
import { addressKey, orderIdFor } from '../orders/identity.js';
import { localDay, toSourcingLocation } from '../orders/snapshot.js';

/**
 * Backtest: replays the recorded log through the PURE deciders (validateOrder, routeOrder) with a
 * candidate policy and reports what would have been decided differently — without touching state.
 *
 * The inputs each decision saw are rebuilt from the log itself, from its very first event: locations
 * (location.upserted), stock (inventory.snapshot / .adjusted, po.received, till sales, transfers,
 * reservations made and released, shipments consuming them), capacity used per location and local
 * day, customer/address history for fraud velocity, and the locations that failed each order with when their stock of what
 * they failed was last counted or received (a failed location comes back then, as in routing), and
 * the rejection's reason code (one about staff, capacity or a closure comes back by the policy's hours). Each event's recorded consequences (the decided events it caused) are applied at the
 * event's own position, i.e. when it was processed. A hand hold (`order.hold_requested`) stops the
 * order's open fulfilments as a cancel does (their units and places of capacity back), and its release
 * (`order.release_requested`) is a decision point: the payment judged again, what is unserved routed.
 *
 * Stock is booked by the live rules (stock-book.ts, movement-time.ts, count-time.ts): a movement timed
 * by when it happened, with the same floors; one a count taken after it already saw, not applied
 * again; a late count rolled forward, a stale one or one behind the journal's horizon not applied. The
 * horizon comes from `stockJournal` (config `stock`), as the live handlers get it: without it the
 * replay reaches back for ever, and decisions after an old count or a back-dated movement may differ.
 *
 * Approximations, stated: events are taken in log order (exact on SQLite; PostgreSQL's subject
 * partitions may have processed two subjects' events in the other order); every decision is judged on
 * the state as it really was, so a different earlier decision does not change later orders' stock
 * (no knock-on effects); protected stock released by an approval is not modelled; a goods receipt the
 * purchase order ignored live (repeated, stale) is added all the same; orders routed again
 * by a scheduled control (backorder retry) are not re-decided; the other kinds' policies are the ones
 * that were active at the time.
 */
export const BACKTEST_KINDS = ['orders', 'sourcing'] as const;
export type BacktestKind = (typeof BACKTEST_KINDS)[number];

/**
 * The times a backtest window may name: from the epoch to the end of year 9999. The log holds
 * nothing outside them, and the report writes its window as ISO-8601, which a Date beyond ±8.64e15
 * ms cannot give (RangeError) and a five-digit year would only confuse.
 */
export const BACKTEST_TIME_MIN_MS = 0;
export const BACKTEST_TIME_MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A window's bound as a refusal naming it, or undefined when it is a time the window may name. */
export function backtestTimeProblem(ms: number): string | undefined {
  if (!Number.isInteger(ms) || ms < BACKTEST_TIME_MIN_MS || ms > BACKTEST_TIME_MAX_MS) return 'a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';
  return undefined;
}

export interface BacktestOptions {
  kind: string;
  /** The candidate policy body (already validated); its `version` labels the report. */
  candidate: Record<string, unknown>;
  fromMs: number;
  toMs: number;
  /** Differences listed in full (all are counted). */
  listLimit?: number;
  onProgress?: (done: number, total: number) => void;
  /** How far back the stock journal reaches (config `stock`, as the live handlers get it); without it, all the way. */
  stockJournal?: JournalReach;
}

interface Decision {
  validation: string | null;
  routing: { outcome: string; locations: string[]; cost: number | null; shipAt: number | null } | null;
}

export interface OrderDifference {
  eventId: string;
  eventType: string;
  orderId: string;
  at: string;
  recorded: Decision;
  candidate: Decision;
  what: string[];
}

export interface BacktestReport {
  kind: string;
  candidateVersion: string;
  window: { from: string; to: string };
  eventsReplayed: number;
  decisionsCompared: number;
  /** The recorded decisions re-decided with the versions live at the time: how faithful the rebuilt inputs are. */
  reproduced: { matched: number; total: number; mismatches: Array<{ eventId: string; orderId: string; logged: Decision; redecided: Decision }> };
  differences: {
    decisions: number;
    routedElsewhere: number;
    routingOutcomeChanged: number;
    holdsAdded: number;
    holdsRemoved: number;
    estimatedCostDelta: number;
    shipTimeDeltaMinutes: number;
    promiseMissesBefore: number;
    promiseMissesAfter: number;
  };
  orders: OrderDifference[];
  elapsedMs: number;
  /** Of elapsedMs, reading and parsing the log. */
  loadMs: number;
  eventsPerSecond: number;
}

const TYPES = [
  'location.upserted', 'inventory.snapshot', 'inventory.adjusted', 'po.received', 'transfer.created', 'transfer.shipped', 'transfer.received', 'transfer.cancelled', 'shipment.delivered', 'fulfilment.collected', 'order.placed', 'payment.authorized', 'payment.captured', 'payment.failed', 'payment.voided',
  'order.cancel_requested', 'order.hold_requested', 'order.release_requested', 'fulfilment.rejected', 'fulfilment.expired', 'fulfilment.shipped', 'schedule.tick', 'reservation.made',
  'reservation.released', 'order.state_changed', 'order.validated', 'order.held', 'order.routed', 'order.handed_over', 'order.backordered', 'order.cancelled', 'policy.changed',
];
const CHILD_TYPES = new Set(['reservation.made', 'reservation.released', 'order.state_changed', 'order.validated', 'order.held', 'order.routed', 'order.handed_over', 'order.backordered', 'order.cancelled', 'policy.changed']);

interface LogRow { seq: number; id: string; source: string; type: string; occurredAt: string; receivedMs: number; payload: Record<string, unknown>; causationId: string | null }
interface SimOrder { id: string; source: string; placed: OrderPlacedPayload; state: string; holdReason: string | null; paymentStatus: string; customerId: string; addressKey: string; total: number; placedMs: number; promisedByMs: number | null; failed: FailedLocation[];
  /** Units per line that left a building (shipped, delivered, collected): a release does not route them again. */
  gone: Map<string, number> }
interface Alloc { lineId: string; sku: string; locationId: string; qty: number; fulfilmentId: string }

async function loadLog(db: SqlExecutor, toMs: number): Promise<LogRow[]> {
  const rows: LogRow[] = [];
  const inList = TYPES.map(() => '?').join(', ');
  let after = 0;
  for (;;) {
    const page = await db.all<{ seq: number; id: string; source: string; type: string; occurred_at: string; received_ms: number; payload: string; causation_id: string | null }>(
      `SELECT seq, id, source, type, occurred_at, received_ms, payload, causation_id FROM events
       WHERE seq > ? AND status = 'processed' AND received_ms <= ? AND type IN (${inList}) ORDER BY seq LIMIT 20000`,
      [after, toMs, ...TYPES],
    );
    for (const r of page) rows.push({ seq: Number(r.seq), id: r.id, source: r.source, type: r.type, occurredAt: r.occurred_at, receivedMs: Number(r.received_ms), payload: JSON.parse(r.payload) as Record<string, unknown>, causationId: r.causation_id });
    if (page.length < 20000) return rows;
    after = Number(page[page.length - 1]!.seq);
  }
}

/** A candidate from a stored version (`kind@version`) or a document; validated by the kind's schema. */
export async function candidatePolicy(db: SqlExecutor, kind: string, ref: { version?: number; body?: unknown }): Promise<Record<string, unknown>> {
  if (!(BACKTEST_KINDS as readonly string[]).includes(kind)) {
    throw new DomainError('E_INVALID_STATE', `backtest replays the ${BACKTEST_KINDS.join(' and ')} deciders; ${kind} is not backtestable yet`);
  }
  if (ref.version !== undefined) {
    const row = await db.get<{ doc: string }>('SELECT doc FROM policy_versions WHERE kind = ? AND version = ?', [kind, ref.version]);
    if (!row) throw new DomainError('E_NOT_FOUND', `${kind} has no version ${ref.version}`);
    return { ...(JSON.parse(row.doc) as Record<string, unknown>), version: String(ref.version) };
  }
  const body = { version: 'candidate', ...(ref.body as Record<string, unknown>) };
  const parsed = POLICY_KINDS[kind as BacktestKind].schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
    throw new DomainError('E_SCHEMA', `the ${kind} policy is invalid: ${issues.map((i) => i.path).join(', ')}`, { issues });
  }
  return parsed.data as unknown as Record<string, unknown>;
}

export async function runBacktest(db: SqlExecutor, opts: BacktestOptions): Promise<BacktestReport> {
  const started = performance.now();
  if (!(BACKTEST_KINDS as readonly string[]).includes(opts.kind)) throw new DomainError('E_INVALID_STATE', `${opts.kind} is not backtestable yet`);
  const issues = (['from', 'to'] as const).flatMap((path) => {
    const message = backtestTimeProblem(path === 'from' ? opts.fromMs : opts.toMs);
    return message ? [{ path, message }] : [];
  });
  if (opts.toMs < opts.fromMs) issues.push({ path: 'to', message: 'before from' });
  if (issues.length > 0) throw new DomainError('E_SCHEMA', `invalid backtest window: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues });
  const kind = opts.kind as BacktestKind;
  const listLimit = opts.listLimit ?? 100;
  const log = await loadLog(db, opts.toMs);
  const loadMs = Math.round(performance.now() - started);

  // Policy versions as they were live: version 1 (the seed) until the log says another was activated.
  const bodies = new Map<string, Record<string, unknown>>();
  for (const r of await db.all<{ kind: string; version: number; doc: string }>(`SELECT kind, version, doc FROM policy_versions WHERE kind IN ('orders', 'sourcing')`)) {
    bodies.set(`${r.kind}@${Number(r.version)}`, { ...(JSON.parse(r.doc) as Record<string, unknown>), version: String(r.version) });
  }
  const live: Record<BacktestKind, Record<string, unknown>> = {
    orders: bodies.get('orders@1') ?? { ...POLICY_KINDS.orders.defaults, version: 'default' },
    sourcing: bodies.get('sourcing@1') ?? { ...POLICY_KINDS.sourcing.defaults, version: 'default' },
  };

  const children = new Map<string, LogRow[]>();
  for (const e of log) {
    if (e.causationId && CHILD_TYPES.has(e.type)) {
      const list = children.get(e.causationId);
      if (list) list.push(e);
      else children.set(e.causationId, [e]);
    }
  }

  // The rebuilt world.
  const locations = new Map<string, Location>();
  const stock = new Map<string, BookedRow>();
  const stockBySku = new Map<string, BookedRow[]>();
  const capacity = new Map<string, number>();
  const fulfilments = new Map<string, { locationId: string; day: string; counted: boolean; orderId: string; createdMs: number }>();
  /**
   * Transfers on their way: what the source reserved, when the transfer was made (its shipment's and
   * receipt's floor) and, once the source reported it left, how many units did.
   */
  const transfers = new Map<string, { sku: string; fromLocationId: string; toLocationId: string; qty: number; createdMs: number; shippedQty?: number }>();
  /** When each purchase order was made (a receipt's floor): a PO's creation time never changes. */
  const poCreated = new Map<string, number>();
  if (log.some((e) => e.type === 'po.received')) {
    for (const r of await db.all<{ id: string; created_ms: number | string }>('SELECT id, created_ms FROM purchase_orders')) poCreated.set(r.id, Number(r.created_ms));
  }
  /** The journal's horizon as the live handlers saw it when they processed `e`. */
  const journalFrom = (e: LogRow) => journalFromMs(opts.stockJournal, e.receivedMs);
  const reservations = new Map<string, Alloc[]>();
  const orders = new Map<string, SimOrder>();
  const byCustomer = new Map<string, Array<{ id: string; placedMs: number; total: number }>>();
  const byAddress = new Map<string, Array<{ id: string; placedMs: number }>>();
  const stockRow = (sku: string, locationId: string): BookedRow => {
    const k = `${sku}\u0000${locationId}`;
    let s = stock.get(k);
    if (!s) {
      s = bookedRow(sku, locationId);
      stock.set(k, s);
      const list = stockBySku.get(sku) ?? [];
      list.push(s);
      stockBySku.set(sku, list);
    }
    return s;
  };

  const history = (o: SimOrder, now: number, policy: OrdersPolicy): CustomerHistory => {
    const cWin = now - policy.fraud.customerVelocity.windowMinutes * 60_000;
    const aWin = now - policy.fraud.addressVelocity.windowMinutes * 60_000;
    let n = 0, sum = 0, recent = 0, recentAddr = 0;
    for (const x of byCustomer.get(o.customerId) ?? []) {
      if (x.id === o.id) continue;
      n++; sum += x.total;
      if (x.placedMs >= cWin) recent++;
    }
    for (const x of byAddress.get(o.addressKey) ?? []) if (x.id !== o.id && x.placedMs >= aWin) recentAddr++;
    return { priorOrderCount: n, averageOrderValue: n ? sum / n : 0, recentOrdersByCustomer: recent, recentOrdersToAddress: recentAddr };
  };

  /**
   * The placed lines' quantities no live fulfilment carries, as unservedLines reads them live: what a
   * release routes again (a part shipped before the hold, or still open, is not placed twice).
   */
  const unserved = (o: SimOrder): Array<{ lineId: string; sku: string; qty: number }> => {
    const carried = new Map(o.gone);
    for (const [fulfilmentId, list] of reservations) {
      if (fulfilments.get(fulfilmentId)?.orderId !== o.id) continue;
      for (const a of list) carried.set(a.lineId, (carried.get(a.lineId) ?? 0) + a.qty);
    }
    return o.placed.lines.flatMap((l) => {
      const qty = l.qty - (carried.get(l.lineId) ?? 0);
      return qty > 0 ? [{ lineId: l.lineId, sku: l.sku, qty }] : [];
    });
  };

  const route = (o: SimOrder, e: LogRow, sourcing: SourcingPolicy, lines = o.placed.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, qty: l.qty }))): Decision['routing'] => {
    const skus = [...new Set(lines.map((l) => l.sku))];
    const snapshotStock = skus.flatMap((s) => (stockBySku.get(s) ?? []).map((r) => ({ sku: r.sku, locationId: r.locationId, onHand: r.onHand, reserved: r.reserved, protected: r.protected, safetyStock: r.safetyStock })));
    const locs = [...locations.values()].map((l) => toSourcingLocation(l, capacity.get(`${l.id}|${localDay(e.receivedMs, l.utcOffsetMinutes)}`) ?? 0));
    const request = {
      orderId: o.id,
      lines,
      shipping: { method: o.placed.shipping.method, address: { lat: o.placed.shipping.address.lat, lon: o.placed.shipping.address.lon }, pickupLocationId: o.placed.shipping.pickupLocationId },
      promisedBy: o.promisedByMs ?? undefined,
    };
    const failed = o.failed.length === 0 ? undefined : {
      locations: o.failed,
      // When each row was last counted (the count's taken time) and last received into, as routing reads them.
      stock: o.failed.flatMap((f) => f.skus.flatMap((sku): StockVerification[] => {
        const r = stock.get(`${sku}\u0000${f.locationId}`);
        return r ? [{ locationId: r.locationId, sku, countedMs: r.countedMs, receivedMs: r.receivedMs }] : [];
      })),
    };
    const d: RoutingDecision = routeOrder(request, { locations: locs, stock: snapshotStock, excludedLocationIds: [], inbound: [], ...(failed ? { failed } : {}) }, sourcing, decisionContextFor(e.id, e.receivedMs));
    if (d.outcome === 'allocated' || d.outcome === 'needs_approval') {
      const ids = [...d.locationIds].sort();
      const cost = d.candidates.filter((c) => ids.includes(c.locationId)).reduce((s, c) => s + c.estimatedShippingCost, 0);
      return { outcome: d.outcome, locations: ids, cost: Math.round(cost * 100) / 100, shipAt: d.estimatedShipAt };
    }
    return { outcome: d.outcome, locations: [], cost: null, shipAt: null };
  };

  const decide = (e: LogRow, o: SimOrder, policies: Record<BacktestKind, Record<string, unknown>>): Decision => {
    const ordersPolicy = policies.orders as unknown as OrdersPolicy;
    const ctx = decisionContextFor(e.id, e.receivedMs);
    let paymentStatus = o.paymentStatus;
    if (e.type === 'order.release_requested') {
      // As releaseOrder: the payment judged again (not the fraud score), then only what is unserved routed.
      const r = decideRelease({ state: o.state as never, holdReason: (o.holdReason ?? null) as never, paymentStatus: o.paymentStatus }, ordersPolicy.payment.acceptedStatuses);
      if (r.outcome === 'refused') return { validation: null, routing: null };
      if (r.outcome === 'payment_hold') return { validation: 'held:payment', routing: null };
      return { validation: 'validated', routing: route(o, e, policies.sourcing as unknown as SourcingPolicy, unserved(o)) };
    }
    if (e.type !== 'order.placed') {
      // A voided authorization holds like a failed payment unless something was captured; a voided capture decides nothing.
      const flow = paymentFlowOf(e.type, e.payload, o.paymentStatus);
      if (!('as' in flow)) return { validation: null, routing: null };
      const d = decidePaymentUpdate({ state: o.state as never, holdReason: (o.holdReason ?? undefined) as never, order: o.placed }, flow.as, history(o, e.receivedMs, ordersPolicy), ordersPolicy, ctx);
      paymentStatus = d.paymentStatus;
      if (d.action === 'hold') return { validation: 'held:payment', routing: null };
      if (d.action !== 'revalidate') return { validation: null, routing: null };
    }
    const v = validateOrder({ ...o.placed, payment: { ...o.placed.payment, status: paymentStatus as never } }, history(o, e.receivedMs, ordersPolicy), ordersPolicy, ctx);
    if (v.outcome === 'on_hold') return { validation: `held:${v.holdReason}`, routing: null };
    // A till sale is not routed by any policy: it was handed over at its store.
    if ('handedOver' in v) return { validation: 'validated', routing: { outcome: 'handed_over', locations: [o.placed.shipping.pickupLocationId!], cost: null, shipAt: null } };
    return { validation: 'validated', routing: route(o, e, policies.sourcing as unknown as SourcingPolicy) };
  };

  const logged = (e: LogRow): Decision => {
    const kids = children.get(e.id) ?? [];
    const d: Decision = { validation: null, routing: null };
    for (const k of kids) {
      if (k.type === 'order.validated') d.validation = 'validated';
      else if (k.type === 'order.held') {
        const reason = String(k.payload.holdReason);
        if (reason === 'approval') d.routing = { outcome: 'needs_approval', locations: d.routing?.locations ?? [], cost: null, shipAt: null };
        else d.validation = `held:${reason}`;
      } else if (k.type === 'order.routed') d.routing = { outcome: 'allocated', locations: [...new Set((k.payload.plan as Alloc[]).map((a) => a.locationId))].sort(), cost: null, shipAt: null };
      else if (k.type === 'order.handed_over') d.routing = { outcome: 'handed_over', locations: [String(k.payload.locationId)], cost: null, shipAt: null };
      else if (k.type === 'order.backordered') d.routing = { outcome: 'backorder', locations: [], cost: null, shipAt: null };
      else if (k.type === 'order.cancelled' && d.validation === 'validated') d.routing = { outcome: 'cancel', locations: [], cost: null, shipAt: null };
    }
    return d;
  };

  const sameOutcome = (a: Decision, b: Decision) =>
    a.validation === b.validation && (a.routing?.outcome ?? null) === (b.routing?.outcome ?? null) &&
    (a.routing?.outcome === 'needs_approval' || (a.routing?.locations ?? []).join(',') === (b.routing?.locations ?? []).join(','));

  const report: BacktestReport = {
    kind,
    candidateVersion: String(opts.candidate.version ?? 'candidate'),
    window: { from: new Date(opts.fromMs).toISOString(), to: new Date(opts.toMs).toISOString() },
    eventsReplayed: log.length,
    decisionsCompared: 0,
    reproduced: { matched: 0, total: 0, mismatches: [] },
    differences: { decisions: 0, routedElsewhere: 0, routingOutcomeChanged: 0, holdsAdded: 0, holdsRemoved: 0, estimatedCostDelta: 0, shipTimeDeltaMinutes: 0, promiseMissesBefore: 0, promiseMissesAfter: 0 },
    orders: [],
    elapsedMs: 0,
    loadMs,
    eventsPerSecond: 0,
  };

  const applyChildren = (e: LogRow) => {
    for (const k of children.get(e.id) ?? []) {
      if (k.type === 'reservation.made') {
        for (const a of k.payload.reservations as Alloc[]) {
          stockRow(a.sku, a.locationId).reserved += a.qty;
          const list = reservations.get(a.fulfilmentId) ?? [];
          list.push(a);
          reservations.set(a.fulfilmentId, list);
          if (!fulfilments.has(a.fulfilmentId)) {
            const loc = locations.get(a.locationId);
            const day = localDay(k.receivedMs, loc?.utcOffsetMinutes ?? 0);
            fulfilments.set(a.fulfilmentId, { locationId: a.locationId, day, counted: true, orderId: String(k.payload.orderId), createdMs: k.receivedMs });
            capacity.set(`${a.locationId}|${day}`, (capacity.get(`${a.locationId}|${day}`) ?? 0) + 1);
          }
        }
      } else if (k.type === 'order.handed_over') {
        // The units the till took off the shelf (what was free there; the rest was the record's error),
        // but none of a sku whose count, taken after the sale, already had them gone (handOverAtTill).
        const storeId = String(k.payload.locationId);
        const lines = (k.payload.plan as Alloc[]).map((a) => ({ sku: a.sku, qty: a.qty }));
        const held = new Map<string, BookedRow>();
        for (const l of lines) {
          const r = stock.get(`${l.sku}\u0000${storeId}`);
          if (r) held.set(l.sku, r);
        }
        const soldMs = tillSaleMs(String(k.payload.handedOverAt), e.receivedMs, journalFrom(e));
        const superseded = supersededSkus(held, soldMs);
        for (const t of tillTakes(lines.filter((l) => !superseded.has(l.sku)), held)) if (t.taken > 0) bookTakenOff(held.get(t.sku)!, t.taken, soldMs);
      } else if (k.type === 'reservation.released') {
        for (const a of k.payload.reservations as Alloc[]) {
          const s = stockRow(a.sku, a.locationId);
          s.reserved = s.reserved >= a.qty ? s.reserved - a.qty : 0;
          const list = reservations.get(a.fulfilmentId);
          if (list) reservations.set(a.fulfilmentId, list.filter((x) => !(x.lineId === a.lineId && x.sku === a.sku)));
        }
      } else if (k.type === 'order.state_changed') {
        const o = orders.get(String(k.payload.orderId));
        if (o) {
          o.state = String(k.payload.to);
          o.holdReason = typeof k.payload.holdReason === 'string' ? k.payload.holdReason : null;
        }
      } else if (k.type === 'policy.changed' && k.payload.change === 'activated') {
        const pk = String(k.payload.kind);
        const body = bodies.get(`${pk}@${Number(k.payload.version)}`);
        if (body && (pk === 'orders' || pk === 'sourcing')) live[pk] = body;
      }
    }
  };

  // A failed fulfilment: its place of capacity back, and its location failed the order at `at` for
  // the skus it held, with the rejection's reason code (recordFailure's rule, failedAgain: a second
  // failure there restarts from its own time).
  const dropFulfilment = (fulfilmentId: string, failure: 'rejected' | 'expired', at: number, reasonCode?: RejectionReasonCode) => {
    const f = fulfilments.get(fulfilmentId);
    if (!f || !f.counted) return;
    f.counted = false;
    capacity.set(`${f.locationId}|${f.day}`, Math.max(0, (capacity.get(`${f.locationId}|${f.day}`) ?? 1) - 1));
    const o = orders.get(f.orderId);
    if (!o) return;
    const before = o.failed.find((x) => x.locationId === f.locationId);
    const skus = [...new Set((reservations.get(fulfilmentId) ?? []).map((a) => a.sku))];
    const entry = failedAgain(before, { locationId: f.locationId, failure, at, skus, ...(reasonCode ? { reasonCode } : {}) });
    o.failed = [...o.failed.filter((x) => x.locationId !== f.locationId), entry];
  };

  const total = log.length;
  let done = 0;
  for (const e of log) {
    done++;
    if (done % 5000 === 0) {
      opts.onProgress?.(done, total);
      // As the live prune job does: what is behind the horizon can never be rolled forward again.
      pruneJournals(stock.values(), journalFrom(e));
    }
    if (e.source === 'omniops' && CHILD_TYPES.has(e.type)) continue; // applied with their cause
    const p = e.payload;
    let order: SimOrder | undefined;
    let fresh = false;
    if (e.type === 'order.placed') {
      const placed = p as unknown as OrderPlacedPayload;
      const id = orderIdFor(e.source, placed.externalOrderId);
      if (!orders.has(id)) {
        order = {
          id, source: e.source, placed, state: 'received', holdReason: null, paymentStatus: placed.payment.status, customerId: placed.customer.id,
          addressKey: addressKey(placed.shipping.address, id), total: orderValue(placed.lines), placedMs: e.receivedMs,
          promisedByMs: placed.promisedBy ? Date.parse(placed.promisedBy) : null, failed: [], gone: new Map(),
        };
        orders.set(id, order);
        fresh = true;
        (byCustomer.get(order.customerId) ?? byCustomer.set(order.customerId, []).get(order.customerId)!).push({ id, placedMs: order.placedMs, total: order.total });
        (byAddress.get(order.addressKey) ?? byAddress.set(order.addressKey, []).get(order.addressKey)!).push({ id, placedMs: order.placedMs });
      }
    } else if (e.type.startsWith('payment.')) {
      order = orders.get(orderIdFor(e.source, String(p.externalOrderId)));
    } else if (e.type === 'order.hold_requested' || e.type === 'order.release_requested') {
      // A command names its channel; without one, the sender's (as the live handler reads it).
      order = orders.get(orderIdFor(typeof p.channel === 'string' ? p.channel : e.source, String(p.externalOrderId)));
    }
    // A release the live handler would refuse (not on hold by hand) decides nothing: not compared.
    const releases = e.type === 'order.release_requested' && order !== undefined && order.state === 'on_hold' && order.holdReason === 'manual';

    if (order && (fresh || e.type.startsWith('payment.') || releases) && e.receivedMs >= opts.fromMs && e.receivedMs <= opts.toMs) {
      const before = decide(e, order, live);
      const after = decide(e, order, { ...live, [kind]: opts.candidate });
      const rec = logged(e);
      report.decisionsCompared++;
      report.reproduced.total++;
      if (sameOutcome(before, rec)) report.reproduced.matched++;
      else if (report.reproduced.mismatches.length < listLimit) report.reproduced.mismatches.push({ eventId: e.id, orderId: order.id, logged: rec, redecided: before });
      const what: string[] = [];
      const held = (d: Decision) => (d.validation?.startsWith('held:') ? d.validation : d.routing?.outcome === 'needs_approval' ? 'held:approval' : null);
      if (held(before) !== held(after)) {
        if (held(after)) report.differences.holdsAdded++;
        if (held(before)) report.differences.holdsRemoved++;
        what.push(`hold ${held(before) ?? 'none'} → ${held(after) ?? 'none'}`);
      }
      const ro = before.routing?.outcome ?? null;
      const rn = after.routing?.outcome ?? null;
      if (ro !== rn) {
        report.differences.routingOutcomeChanged++;
        what.push(`routing ${ro ?? 'none'} → ${rn ?? 'none'}`);
      } else if (ro && (before.routing!.locations.join(',') !== after.routing!.locations.join(','))) {
        report.differences.routedElsewhere++;
        what.push(`ships from ${before.routing!.locations.join('+')} → ${after.routing!.locations.join('+')}`);
      }
      if (before.routing?.cost != null && after.routing?.cost != null) report.differences.estimatedCostDelta += after.routing.cost - before.routing.cost;
      if (before.routing?.shipAt != null && after.routing?.shipAt != null) report.differences.shipTimeDeltaMinutes += (after.routing.shipAt - before.routing.shipAt) / 60_000;
      if (order.promisedByMs !== null) {
        if (before.routing?.shipAt != null && before.routing.shipAt > order.promisedByMs) report.differences.promiseMissesBefore++;
        if (after.routing?.shipAt != null && after.routing.shipAt > order.promisedByMs) report.differences.promiseMissesAfter++;
      }
      if (what.length > 0) {
        report.differences.decisions++;
        if (report.orders.length < listLimit) report.orders.push({ eventId: e.id, eventType: e.type, orderId: order.id, at: new Date(e.receivedMs).toISOString(), recorded: before, candidate: after, what });
      }
    }

    // The event's own effects, then those of what it caused.
    if (order && e.type.startsWith('payment.')) {
      const flow = paymentFlowOf(e.type, p, order.paymentStatus);
      if ('as' in flow) order.paymentStatus = PAYMENT_EVENT_STATUS[flow.as];
    }
    if (e.type === 'location.upserted') locations.set(String(p.id), p as unknown as Location);
    else if (e.type === 'inventory.snapshot') {
      // Stale, rolled forward or left to a person as the live handler decides (bookCount).
      const locationId = String(p.locationId);
      bookCount((sku) => stock.get(`${sku}\u0000${locationId}`), (sku) => stockRow(sku, locationId), p.counts as Array<{ sku: string; onHand: number; protected?: number; safetyStock?: number }>, happenedMs(e.occurredAt, e.receivedMs), journalFrom(e));
    } else if (e.type === 'po.received') {
      const inMs = receiptMs(e, poCreated.get(String(p.poId)) ?? Number.NEGATIVE_INFINITY);
      for (const inc of stockIncreasesOf(p as unknown as PoReceivedPayload)) bookReceived(stockRow(inc.sku, inc.locationId), inc.qty, inMs, e.receivedMs);
    } else if (e.type === 'inventory.adjusted') {
      bookAdjustment(stockRow(String(p.sku), String(p.locationId)), Number(p.delta), adjustmentMs(e, journalFrom(e)));
    } else if (e.type === 'transfer.created') {
      // The source holds the units for the transfer from when it was made.
      const t = { sku: String(p.sku), fromLocationId: String(p.fromLocationId), toLocationId: String(p.toLocationId), qty: Number(p.qty), createdMs: e.receivedMs };
      transfers.set(String(p.transferId), t);
      stockRow(t.sku, t.fromLocationId).reserved += t.qty;
    } else if (e.type === 'transfer.shipped') {
      // As live (transfers.ts): from its own source, once, before a receipt or a cancel; the rest of a short one is freed.
      const t = transfers.get(String(p.transferId));
      if (t && t.shippedQty === undefined && String(p.locationId) === t.fromLocationId) {
        t.shippedQty = Math.min(p.qty === undefined ? t.qty : Number(p.qty), t.qty);
        const source = stockRow(t.sku, t.fromLocationId);
        bookShipped(source, t.shippedQty, receiptMs(e, t.createdMs));
        const rest = t.qty - t.shippedQty;
        source.reserved = source.reserved >= rest ? source.reserved - rest : 0;
      }
    } else if (e.type === 'transfer.received') {
      const t = transfers.get(String(p.transferId));
      if (t && String(p.locationId) === t.toLocationId) {
        transfers.delete(String(p.transferId)); // received once: a second receipt is ignored live
        const inMs = receiptMs(e, t.createdMs);
        // A shipment never reported leaves the source when the receipt says it left, else with the receipt.
        if (t.shippedQty === undefined) bookShipped(stockRow(t.sku, t.fromLocationId), t.qty, impliedShipmentMs(p.shippedAt === undefined ? undefined : String(p.shippedAt), inMs, t.createdMs).ms);
        const sent = t.shippedQty ?? t.qty;
        bookReceived(stockRow(t.sku, t.toLocationId), Math.min(p.qty === undefined ? sent : Number(p.qty), sent), inMs, e.receivedMs);
      }
    } else if (e.type === 'transfer.cancelled') {
      // Decided live only for a transfer not yet shipped: its units at the source are free again.
      const t = transfers.get(String(p.transferId));
      if (t && t.shippedQty === undefined) {
        transfers.delete(String(p.transferId));
        const source = stockRow(t.sku, t.fromLocationId);
        source.reserved = source.reserved >= t.qty ? source.reserved - t.qty : 0;
      }
    } else if (e.type === 'fulfilment.shipped' || e.type === 'shipment.delivered' || e.type === 'fulfilment.collected') {
      // The units leave the shelf when the parcel leaves, or when it is delivered or collected with no
      // shipment reported (what is still reserved for the fulfilment); a collection of an order that
      // ships is ignored live.
      const f = fulfilments.get(String(p.fulfilmentId));
      const o = f && orders.get(f.orderId);
      if (f && !(e.type === 'fulfilment.collected' && o && !isCollection(o.placed))) {
        const leftMs = shipmentMs(e, f.createdMs, journalFrom(e));
        for (const a of reservations.get(String(p.fulfilmentId)) ?? []) {
          bookShipped(stockRow(a.sku, a.locationId), a.qty, leftMs);
          o?.gone.set(a.lineId, (o.gone.get(a.lineId) ?? 0) + a.qty);
        }
        reservations.delete(String(p.fulfilmentId));
      }
    } else if (e.type === 'fulfilment.rejected' || e.type === 'fulfilment.expired') {
      const code = (REJECTION_REASON_CODES as readonly unknown[]).includes(p.reasonCode) ? (p.reasonCode as RejectionReasonCode) : undefined;
      dropFulfilment(String(p.fulfilmentId), e.type === 'fulfilment.rejected' ? 'rejected' : 'expired', e.receivedMs, e.type === 'fulfilment.rejected' ? code : undefined);
    }
    // A hand hold stops the order's open fulfilments as a cancel does: their reservations are released
    // by what it caused (applied below), and each stopped fulfilment gives its place of capacity back
    // (a cancelled fulfilment no longer takes one live). The order is not cancelled: it waits on_hold.
    const open = order && e.type === 'order.hold_requested'
      ? [...reservations].filter(([id, list]) => list.length > 0 && fulfilments.get(id)?.orderId === order.id).map(([id]) => id)
      : [];
    applyChildren(e);
    for (const id of open) {
      const f = fulfilments.get(id)!;
      if ((reservations.get(id) ?? []).length > 0 || !f.counted) continue;
      f.counted = false;
      capacity.set(`${f.locationId}|${f.day}`, Math.max(0, (capacity.get(`${f.locationId}|${f.day}`) ?? 1) - 1));
    }
  }
  opts.onProgress?.(total, total);
  report.differences.estimatedCostDelta = Math.round(report.differences.estimatedCostDelta * 100) / 100;
  report.differences.shipTimeDeltaMinutes = Math.round(report.differences.shipTimeDeltaMinutes);
  report.elapsedMs = Math.round(performance.now() - started);
  report.eventsPerSecond = report.elapsedMs > 0 ? Math.round((log.length / report.elapsedMs) * 1000) : log.length;
  return report;
}
