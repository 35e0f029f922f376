import type { SqlExecutor, Tx } from '../port.js';
import { whereEquals } from './filters.js';
import { forUpdateIn } from './row-lock.js';
import { holdRows } from './held-writes.js';
import { multiRowSql, rowChunks } from './row-chunks.js';
import { keepOrderStock, orderStockAhead, stockOfSkusColumn, stockOfSkusFrom } from './stock.js';
import type { StockLevel } from '../../domain/inventory/stock.js';
import type { OrderState, HoldReason, FulfilmentState, OpenReservedFulfilment } from '../../domain/orders/index.js';
import type { FailedLocation } from '../../domain/sourcing/failed-locations.js';
import type { QueuePlace } from './rule-runs.js';

/** The order as stored: a few indexed columns plus the document the API shows. */
export interface OrderRecord {
  id: string;
  source: string;
  externalOrderId: string;
  state: OrderState;
  holdReason: HoldReason | null;
  customerId: string;
  addressKey: string;
  total: number;
  currency: string;
  placedMs: number;
  promisedByMs: number | null;
  doc: OrderDoc;
}

/** Everything we know and decided about the order, kept with it so one read explains it. */
export interface OrderDoc {
  placed: Record<string, unknown>;
  paymentStatus: string;
  /**
   * What the customer actually paid, from the channel's `payment.captured` reports with an amount
   * (src/domain/orders/captures.ts): the captures by id not voided added up, or the last running
   * total less the voided captures, the larger. It bounds refunds; the placed amount stands in until a capture says otherwise.
   */
  capturedAmount?: number;
  /** The captures reported with an id (a split order's parcels), one entry per id, `at` in epoch ms. */
  captures?: Array<{ captureId: string; amount: number; at: number; eventId: string }>;
  /** The last running total reported without an id (absent on orders stored before: capturedAmount was it). */
  capturedTotal?: number;
  /** Captures the channel voided, by id (`payment.voided`): they count nothing, also one reported after its void. */
  voids?: Array<{ captureId: string; at: number; eventId: string }>;
  /** Refunds the channel made itself (`payment.refunded`), one per refund id: refunds of returns count them as paid out. */
  channelRefunds?: Array<{ refundId: string; amount: number; currency: string; reason?: string; at: number; eventId: string }>;
  fraud?: unknown;
  /** The fraud review the order waits for (null approvalId: the approvals policy could not judge it). */
  fraudApproval?: { approvalId: string | null; undecidable?: string };
  routing: unknown[];
  /**
   * How many routing decisions were carried out (each an `order.routed`): the next one's `planIndex`,
   * which keys its sale orders in the ERP. Absent on orders placed before it was counted.
   */
  routedPlans?: number;
  /** Every location that failed the order (rejected it, let its deadline pass), whether or not it came back since. */
  excludedLocationIds: string[];
  /**
   * The same with when and for which skus (the last failure at each): what decides whether it is asked
   * again. Absent on orders that failed nowhere, and on those excluded before it was kept (their ids
   * only: see failedLocationsOf).
   */
  failedLocations?: FailedLocation[];
  history: Array<{ at: number; from: string; to: string; holdReason?: string; eventId: string; note?: string }>;
}

interface Raw {
  id: string; source: string; external_order_id: string; state: string; hold_reason: string | null; customer_id: string;
  address_key: string; total: number; currency: string; placed_ms: number; promised_by_ms: number | null; doc: string;
}

const COLS = 'id, source, external_order_id, state, hold_reason, customer_id, address_key, total, currency, placed_ms, promised_by_ms, doc';
const FCOLS = 'id, order_id, location_id, state, accept_by_ms, ship_by_ms, created_ms, local_day, lines, carrier, tracking';
const toRecord = (r: Raw): OrderRecord => ({
  id: r.id, source: r.source, externalOrderId: r.external_order_id, state: r.state as OrderState, holdReason: r.hold_reason as HoldReason | null,
  customerId: r.customer_id, addressKey: r.address_key, total: Number(r.total), currency: r.currency, placedMs: Number(r.placed_ms),
  promisedByMs: r.promised_by_ms == null ? null : Number(r.promised_by_ms), doc: JSON.parse(r.doc) as OrderDoc,
});

/** In a transaction on PostgreSQL the row is locked until it ends: the caller may write it back (row-lock.ts). */
export async function orderById(db: SqlExecutor, id: string): Promise<OrderRecord | undefined> {
  const r = await db.get<Raw>(`SELECT ${COLS} FROM orders WHERE id = ?${forUpdateIn(db)}`, [id]);
  return r ? toRecord(r) : undefined;
}

/** Locked as orderById's row is. */
export async function orderByExternal(db: SqlExecutor, source: string, externalOrderId: string): Promise<OrderRecord | undefined> {
  const r = await db.get<Raw>(`SELECT ${COLS} FROM orders WHERE source = ? AND external_order_id = ?${forUpdateIn(db)}`, [source, externalOrderId]);
  return r ? toRecord(r) : undefined;
}

/** The channel's reference of each order (source and its order number), by id; ids unknown are left out. */
export async function orderRefsOf(db: SqlExecutor, ids: readonly string[]): Promise<Map<string, { id: string; source: string; externalOrderId: string }>> {
  const out = new Map<string, { id: string; source: string; externalOrderId: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.all<{ id: string; source: string; external_order_id: string }>(`SELECT id, source, external_order_id FROM orders WHERE id IN (${chunk.map(() => '?').join(', ')})`, chunk);
    for (const r of rows) out.set(r.id, { id: r.id, source: r.source, externalOrderId: r.external_order_id });
  }
  return out;
}

/** What the ERP push needs of an order: its channel reference, currency and each line's unit price. */
export interface OrderForErp {
  id: string;
  source: string;
  externalOrderId: string;
  currency: string;
  unitPrices: Map<string, number>;
}

/**
 * Reads only the placed lines out of the order document, in SQL: the push runs for every routed
 * order, and parsing the whole document (~4 KB, most of it the routing explanation) cost more than
 * the rest of the push.
 */
export async function orderForErp(db: SqlExecutor, id: string): Promise<OrderForErp | undefined> {
  const kept = (db as Partial<Tx>).kept?.get(erpKey(id)) as OrderForErp | undefined;
  if (kept) return kept;
  const r = await db.get<ErpRow>(`SELECT ${erpColumns(db)} FROM orders WHERE id = ?`, [id]);
  return r ? fromErpRow(r) : undefined;
}

/**
 * What the ERP push will read of these orders, read in one statement and kept for the transaction
 * (a dispatch batch on PostgreSQL, where each order's `order.routed` runs in a later batch than
 * its `order.placed`: one round trip per batch instead of one per order). The facts never change,
 * so reading them ahead of the events that use them sees what those would have read.
 */
export async function keepOrdersForErp(tx: Tx, ids: readonly string[]): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => !tx.kept.has(erpKey(id)));
  for (let i = 0; i < missing.length; i += 500) {
    const chunk = missing.slice(i, i + 500);
    const rows = await tx.all<ErpRow>(`SELECT ${erpColumns(tx)} FROM orders WHERE id IN (${chunk.map(() => '?').join(', ')})`, chunk);
    for (const r of rows) tx.kept.set(erpKey(r.id), fromErpRow(r));
  }
}

type ErpRow = { id: string; source: string; external_order_id: string; currency: string; lines: string | null };
const erpColumns = (db: SqlExecutor) =>
  `id, source, external_order_id, currency, ${db.dialect === 'postgres' ? `(doc::jsonb -> 'placed' -> 'lines')::text` : `json_extract(doc, '$.placed.lines')`} AS lines`;
const fromErpRow = (r: ErpRow): OrderForErp => erpFacts(r.id, r.source, r.external_order_id, r.currency, JSON.parse(r.lines ?? '[]') as PlacedLine[]);

type PlacedLine = { lineId: string; unitPrice: number };
const erpFacts = (id: string, source: string, externalOrderId: string, currency: string, lines: readonly PlacedLine[]): OrderForErp => ({
  id, source, externalOrderId, currency, unitPrices: new Map(lines.map((l) => [l.lineId, l.unitPrice])),
});
const erpKey = (id: string) => `orders.erp:${id}`;

export interface OrderQuery {
  source?: string;
  externalId?: string;
  state?: string;
  beforeMs?: number;
  /** With beforeMs: the last order shown at that time — the page goes on after it (orders share a millisecond). */
  beforeId?: string;
  /** Oldest first (who waited longest goes first); newest first otherwise, as the API lists them. */
  oldestFirst?: boolean;
  limit: number;
}

export async function queryOrders(db: SqlExecutor, q: OrderQuery): Promise<OrderRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.source) { where.push('source = ?'); params.push(q.source); }
  if (q.externalId) { where.push('external_order_id = ?'); params.push(q.externalId); }
  if (q.state) { where.push('state = ?'); params.push(q.state); }
  if (q.beforeMs !== undefined && q.beforeId !== undefined) { where.push('(placed_ms < ? OR (placed_ms = ? AND id > ?))'); params.push(q.beforeMs, q.beforeMs, q.beforeId); }
  else if (q.beforeMs !== undefined) { where.push('placed_ms < ?'); params.push(q.beforeMs); }
  params.push(q.limit);
  const rows = await db.all<Raw>(`SELECT ${COLS} FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${q.oldestFirst ? 'placed_ms, id' : 'placed_ms DESC, id'} LIMIT ?`, params);
  return rows.map(toRecord);
}

const INSERT_ORDER_SQL = `INSERT INTO orders (${COLS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const orderParams = (o: OrderRecord, at: string): unknown[] => [
  o.id, o.source, o.externalOrderId, o.state, o.holdReason, o.customerId, o.addressKey, o.total, o.currency, o.placedMs, o.promisedByMs, JSON.stringify(o.doc), at,
];

export async function insertOrder(db: SqlExecutor, o: OrderRecord, at: string): Promise<void> {
  noteOrderWritten(db, o);
  await db.run(INSERT_ORDER_SQL, orderParams(o, at));
  keepErpFacts(db, o);
}

/**
 * What the ERP push reads of an order never changes (channel, reference, currency, placed prices):
 * kept for the rest of the transaction, where the order's `order.routed` usually runs as a follow-up.
 */
function keepErpFacts(db: SqlExecutor, o: OrderRecord): void {
  const lines = (o.doc.placed as { lines?: PlacedLine[] }).lines ?? [];
  (db as Partial<Tx>).kept?.set(erpKey(o.id), erpFacts(o.id, o.source, o.externalOrderId, o.currency, lines));
}

/**
 * A new order with what its routing decided: the order row, its fulfilments (each taking a place of
 * its location's capacity that day) and its reservations. On SQLite the plain statements. On
 * PostgreSQL one data-modifying WITH (a round trip instead of one per table; the fulfilments'
 * reference to the order is checked at the statement's end, when the order row is there), and in a
 * transaction it is held back (`Tx.beforeNextStatement`) and goes out with the new orders written
 * after it: a batch of orders costs one round trip for all their rows instead of one each. Anything
 * the transaction sends next — a read, another write, a savepoint, the commit — sends them first, so
 * nothing reads around them. The rows are taken as they are now (the document's text included).
 */
export async function insertNewOrder(
  db: SqlExecutor, o: OrderRecord, fulfilments: readonly FulfilmentRecord[], reservations: readonly ReservationRecord[], at: string,
): Promise<void> {
  if (db.dialect !== 'postgres') {
    await insertOrder(db, o, at);
    for (const f of fulfilments) await insertFulfilment(db, f, at);
    await insertReservations(db, reservations, at);
    return;
  }
  noteOrderWritten(db, o);
  const rows: NewOrderRows = {
    order: orderParams(o, at), fulfilments: fulfilments.map((f) => fulfilmentParams(f, at)), reservations: reservations.map((r) => reservationParams(r, at)),
  };
  if (!holdRows(db, 'new-orders', 'new-orders', [rows], (held) => writeNewOrders(db, held))) await writeNewOrders(db, [rows]);
  keepErpFacts(db, o);
  for (const f of fulfilments) keepCapacityPlace(db, f);
}

/** A new order's rows as statement parameters (orderParams, fulfilmentParams, reservationParams). */
interface NewOrderRows {
  order: unknown[];
  fulfilments: unknown[][];
  reservations: unknown[][];
}

/**
 * PostgreSQL: new orders' rows, of any number of orders, in one statement of fixed text (each
 * column an array, unnested): the orders, their fulfilments, the capacity places grouped per
 * location and day (one statement may not move a counter row twice) and the reservations (one
 * already there, same fulfilment and line, left as it is — as insertReservations does).
 */
async function writeNewOrders(db: SqlExecutor, held: readonly NewOrderRows[]): Promise<void> {
  const orders = columnsOf(held.map((h) => h.order), 13);
  const fulfilments = columnsOf(held.flatMap((h) => h.fulfilments), 12);
  const reservations = columnsOf(held.flatMap((h) => h.reservations), 10);
  await db.run(WRITE_NEW_ORDERS_SQL, [...orders, ...fulfilments, ...reservations]);
}

/** Rows of `width` values as `width` arrays, one per column. */
function columnsOf(rows: readonly unknown[][], width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) for (let i = 0; i < width; i++) columns[i]!.push(row[i]);
  return columns;
}

const WRITE_NEW_ORDERS_SQL = `WITH o AS (
    INSERT INTO orders (${COLS}, updated_at)
    SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::float8[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[])
    RETURNING id),
  f AS (
    INSERT INTO fulfilments (${FCOLS}, updated_at)
    SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
    RETURNING location_id, local_day),
  c AS (
    INSERT INTO location_capacity (location_id, local_day, used)
    SELECT location_id, local_day, COUNT(*) FROM f GROUP BY location_id, local_day
    ON CONFLICT (local_day, location_id) DO UPDATE SET used = location_capacity.used + EXCLUDED.used
    RETURNING 1),
  r AS (
    INSERT INTO reservations (id, order_id, line_id, fulfilment_id, sku, location_id, qty, status, created_at, updated_at)
    SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[])
    ON CONFLICT (fulfilment_id, line_id) DO NOTHING
    RETURNING 1)
  SELECT 1`;

export async function saveOrder(db: SqlExecutor, o: OrderRecord, at: string): Promise<void> {
  await db.run(`UPDATE orders SET state = ?, hold_reason = ?, promised_by_ms = ?, doc = ?, updated_at = ? WHERE id = ?`, [
    o.state, o.holdReason, o.promisedByMs, JSON.stringify(o.doc), at, o.id,
  ]);
}

/** What the fraud score knows of a customer's and an address's earlier orders. */
export interface CustomerHistory {
  priorOrderCount: number;
  averageOrderValue: number;
  recentOrdersByCustomer: number;
  recentOrdersToAddress: number;
}

type HistoryRow = { n: number; avg: number | null; recent: number | null; to_address: number };

/**
 * The customer's orders through orders_customer, the address's recent ones through orders_address:
 * one statement (each order asks), `extra` columns added to it by newOrderFacts.
 */
const HISTORY_SQL = (extra = '') => `SELECT COUNT(*) AS n, AVG(total) AS avg, SUM(CASE WHEN placed_ms >= ? THEN 1 ELSE 0 END) AS recent,
       (SELECT COUNT(*) FROM orders a WHERE a.address_key = ? AND a.placed_ms >= ? AND a.id <> ?) AS to_address${extra}
     FROM orders WHERE customer_id = ? AND id <> ?`;
const PLAIN_HISTORY_SQL = HISTORY_SQL();
const KNOWN_COLUMN = ',\n       (SELECT COUNT(*) FROM orders k WHERE k.source = ? AND k.external_order_id = ?) AS known';
const NEW_ORDER_FACTS_SQL = HISTORY_SQL(KNOWN_COLUMN);

const toHistory = (c: HistoryRow | undefined): CustomerHistory => ({
  priorOrderCount: Number(c?.n ?? 0),
  averageOrderValue: Number(c?.avg ?? 0),
  recentOrdersByCustomer: Number(c?.recent ?? 0),
  recentOrdersToAddress: Number(c?.to_address ?? 0),
});

/** Prior orders of the customer and to the address, for the fraud score's history and velocity. */
export async function customerHistory(db: SqlExecutor, customerId: string, addressKey: string, nowMs: number, customerWindowMs: number, addressWindowMs: number, excludeId: string): Promise<CustomerHistory> {
  return toHistory(await db.get<HistoryRow>(PLAIN_HISTORY_SQL, [nowMs - customerWindowMs, addressKey, nowMs - addressWindowMs, excludeId, customerId, excludeId]));
}

/**
 * What a newly placed order needs before it is decided, in one statement (on PostgreSQL a statement
 * is a round trip): whether the channel's order is known already (a resend under a new event id),
 * the customer's and address's history as customerHistory gives it, and — given its skus — the
 * stock the router will read (as stockOfSkus; absent when not asked or over 500 skus). Nothing the
 * handler does before routing writes stock, so routing on it sees what it would have read itself.
 */
export async function newOrderFacts(
  db: SqlExecutor, source: string, externalOrderId: string, customerId: string, addressKey: string,
  nowMs: number, customerWindowMs: number, addressWindowMs: number, orderId: string, skus?: readonly string[],
): Promise<{ known: boolean; history: CustomerHistory; stock?: StockLevel[] }> {
  const stock = skus ? stockOfSkusColumn(db, skus) : null;
  const r = await db.get<HistoryRow & { known: number; stock?: string | null }>(stock ? HISTORY_SQL(`${KNOWN_COLUMN},\n       ${stock.sql} AS stock`) : NEW_ORDER_FACTS_SQL, [
    nowMs - customerWindowMs, addressKey, nowMs - addressWindowMs, orderId, // as in customerHistory
    source, externalOrderId, // the known order, if any
    ...(stock?.params ?? []), // the stock of its skus
    customerId, orderId,
  ]);
  return { known: Number(r?.known ?? 0) > 0, history: toHistory(r), ...(stock ? { stock: stockOfSkusFrom(r?.stock) } : {}) };
}

/** A new order a batch will place, as keepNewOrderFacts asks about it. */
export interface NewOrderAsk {
  orderId: string;
  source: string;
  externalOrderId: string;
  customerId: string;
  addressKey: string;
  nowMs: number;
  skus: readonly string[];
}

/**
 * What a batch's new orders will read (newOrderFacts), read ahead in one statement and kept for the
 * transaction (PostgreSQL: each order's own read was one of its round trips): for each order
 * whether it is known, its customer's and address's history, with the same SQL as newOrderFacts;
 * and every location's stock of all their skus (keepOrderStock, kept up to date by the stock
 * writers). An order placed earlier in the batch changes the facts of later orders of its customer,
 * address or identity: those read their own (keptNewOrderFacts answers only for orders no order
 * written since shares any of the three with). SQLite has no round trip to save: nothing is read
 * ahead there.
 */
export async function keepNewOrderFacts(tx: Tx, asks: readonly NewOrderAsk[], customerWindowMs: number, addressWindowMs: number): Promise<void> {
  if (tx.dialect !== 'postgres' || asks.length === 0) return;
  const skus = new Set(asks.flatMap((a) => a.skus));
  if (skus.size > KEEP_ORDER_SKUS) return;
  const columns: unknown[][] = [[], [], [], [], [], [], []];
  for (const a of asks) {
    const values = [a.source, a.externalOrderId, a.customerId, a.addressKey, a.nowMs - customerWindowMs, a.nowMs - addressWindowMs, a.orderId];
    for (let i = 0; i < values.length; i++) columns[i]!.push(values[i]);
  }
  const r = await tx.get<{ facts: string; stock: string }>(KEEP_NEW_ORDER_FACTS_SQL, [...columns, [...skus]]);
  const facts = JSON.parse(r?.facts ?? '[]') as Array<[number, number, number | null, number | null, number, number]>;
  const byOrder = new Map<string, { known: boolean; history: CustomerHistory; nowMs: number }>();
  for (const [n, count, avg, recent, toAddress, known] of facts) {
    const a = asks[n - 1]!;
    byOrder.set(a.orderId, { known: Number(known) > 0, history: toHistory({ n: count, avg, recent, to_address: toAddress }), nowMs: a.nowMs });
  }
  keepOrderStock(tx, skus, stockOfSkusFrom(r?.stock));
  tx.kept.set(NEW_ORDER_FACTS, { customerWindowMs, addressWindowMs, byOrder, written: new Set<string>() } satisfies KeptNewOrderFacts);
}

/** An order's facts from what the batch read ahead (keepNewOrderFacts), or undefined: read them (newOrderFacts). */
export function keptNewOrderFacts(
  db: SqlExecutor, source: string, externalOrderId: string, customerId: string, addressKey: string,
  nowMs: number, customerWindowMs: number, addressWindowMs: number, orderId: string, skus: readonly string[],
): { known: boolean; history: CustomerHistory; stock: StockLevel[] } | undefined {
  const kept = (db as Partial<Tx>).kept?.get(NEW_ORDER_FACTS) as KeptNewOrderFacts | undefined;
  if (!kept || kept.customerWindowMs !== customerWindowMs || kept.addressWindowMs !== addressWindowMs) return undefined;
  const facts = kept.byOrder.get(orderId);
  if (!facts || facts.nowMs !== nowMs) return undefined;
  if (kept.written.has(`c:${customerId}`) || kept.written.has(`a:${addressKey}`) || kept.written.has(`i:${source}\u0000${externalOrderId}`)) return undefined;
  const stock = orderStockAhead(db, skus);
  return stock ? { known: facts.known, history: { ...facts.history }, stock } : undefined;
}

/** An order written: later orders of its customer, address or identity no longer match what was read ahead. */
function noteOrderWritten(db: SqlExecutor, o: OrderRecord): void {
  const kept = (db as Partial<Tx>).kept?.get(NEW_ORDER_FACTS) as KeptNewOrderFacts | undefined;
  if (!kept) return;
  kept.written.add(`c:${o.customerId}`).add(`a:${o.addressKey}`).add(`i:${o.source}\u0000${o.externalOrderId}`);
}

interface KeptNewOrderFacts {
  customerWindowMs: number;
  addressWindowMs: number;
  byOrder: Map<string, { known: boolean; history: CustomerHistory; nowMs: number }>;
  /** Customers (c:), addresses (a:) and identities (i:) of orders written since the read. */
  written: Set<string>;
}
const NEW_ORDER_FACTS = 'new-order-facts';
/** Past this many skus in one batch's orders, each order reads its own facts. */
const KEEP_ORDER_SKUS = 2_000;
const KEEP_NEW_ORDER_FACTS_SQL = `SELECT
  (SELECT COALESCE(json_agg(json_build_array(w.n, h.n, h.avg, h.recent, a.to_address, k.known) ORDER BY w.n), '[]'::json)::text
     FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[]) WITH ORDINALITY
       AS w (source, external_order_id, customer_id, address_key, customer_from, address_from, id, n)
     CROSS JOIN LATERAL (SELECT COUNT(*) AS n, AVG(total) AS avg, SUM(CASE WHEN placed_ms >= w.customer_from THEN 1 ELSE 0 END) AS recent
       FROM orders WHERE customer_id = w.customer_id AND id <> w.id) h
     CROSS JOIN LATERAL (SELECT COUNT(*) AS to_address FROM orders a WHERE a.address_key = w.address_key AND a.placed_ms >= w.address_from AND a.id <> w.id) a
     CROSS JOIN LATERAL (SELECT COUNT(*) AS known FROM orders k WHERE k.source = w.source AND k.external_order_id = w.external_order_id) k) AS facts,
  (SELECT COALESCE(json_agg(json_build_array(sku, location_id, on_hand, reserved, protected, safety_stock)), '[]'::json)::text
     FROM stock WHERE sku = ANY(?::text[])) AS stock`;

export interface FulfilmentRecord {
  id: string;
  orderId: string;
  locationId: string;
  state: FulfilmentState;
  acceptByMs: number;
  shipByMs: number;
  createdMs: number;
  localDay: string;
  lines: Array<{ lineId: string; sku: string; qty: number }>;
  carrier: string | null;
  tracking: string | null;
}

interface RawF {
  id: string; order_id: string; location_id: string; state: string; accept_by_ms: number; ship_by_ms: number; created_ms: number;
  local_day: string; lines: string; carrier: string | null; tracking: string | null;
}
const toF = (r: RawF): FulfilmentRecord => ({
  id: r.id, orderId: r.order_id, locationId: r.location_id, state: r.state as FulfilmentState, acceptByMs: Number(r.accept_by_ms),
  shipByMs: Number(r.ship_by_ms), createdMs: Number(r.created_ms), localDay: r.local_day, lines: JSON.parse(r.lines), carrier: r.carrier, tracking: r.tracking,
});

/**
 * A new fulfilment takes a place of its location's capacity that day. On PostgreSQL both in one
 * statement (a round trip each otherwise); on SQLite two.
 */
/**
 * A fulfilment takes a place of its location's capacity that day, except a sale handed over at a
 * till (`takesCapacity` false): capacity is what the location can work of orders, and a till sale
 * needs no work — counted, a busy store's till would close it to online orders by noon.
 */
export async function insertFulfilment(db: SqlExecutor, f: FulfilmentRecord, at: string, takesCapacity = true): Promise<void> {
  const params = fulfilmentParams(f, at);
  if (!takesCapacity) {
    await db.run(INSERT_FULFILMENT_SQL, params);
    return;
  }
  if (db.dialect === 'postgres') {
    await db.run(INSERT_FULFILMENT_TAKING_CAPACITY_SQL, params);
  } else {
    await db.run(INSERT_FULFILMENT_SQL, params);
    await db.run(TAKE_CAPACITY_PLACE_SQL, [f.locationId, f.localDay]);
  }
  keepCapacityPlace(db, f);
}

const fulfilmentParams = (f: FulfilmentRecord, at: string): unknown[] => [
  f.id, f.orderId, f.locationId, f.state, f.acceptByMs, f.shipByMs, f.createdMs, f.localDay, JSON.stringify(f.lines), f.carrier, f.tracking, at,
];

/** The day's counters kept in this transaction (capacityUsed) move with a fulfilment written. */
function keepCapacityPlace(db: SqlExecutor, f: FulfilmentRecord): void {
  const kept = keptCapacity(db, f.localDay);
  if (kept) kept.set(f.locationId, (kept.get(f.locationId) ?? 0) + 1);
}

const INSERT_FULFILMENTS_SQL = multiRowSql(`INSERT INTO fulfilments (${FCOLS}, updated_at)`, '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
const INSERT_FULFILMENT_SQL = INSERT_FULFILMENTS_SQL(1);
const TAKE_CAPACITY_SQL = 'INSERT INTO location_capacity (location_id, local_day, used)';
const TAKE_CAPACITY_CONFLICT = 'ON CONFLICT (local_day, location_id) DO UPDATE SET used = location_capacity.used + 1';
const TAKE_CAPACITY_PLACE_SQL = `${TAKE_CAPACITY_SQL} VALUES (?, ?, 1) ${TAKE_CAPACITY_CONFLICT}`;
const INSERT_FULFILMENT_TAKING_CAPACITY_SQL = `WITH f AS (${INSERT_FULFILMENT_SQL} RETURNING location_id, local_day)
  ${TAKE_CAPACITY_SQL} SELECT location_id, local_day, 1 FROM f ${TAKE_CAPACITY_CONFLICT}`;

/** States in which a fulfilment no longer takes a place of its location's daily capacity. */
const RELEASES_CAPACITY = new Set<string>(['rejected', 'expired', 'cancelled']);

/**
 * Locked as orderById's row is: a fulfilment's step (on its own partition) decides from the state it
 * reads, and a cancel on the order's may be moving it at the same moment.
 */
export async function fulfilmentById(db: SqlExecutor, id: string): Promise<FulfilmentRecord | undefined> {
  const r = await db.get<RawF>(`SELECT ${FCOLS} FROM fulfilments WHERE id = ?${forUpdateIn(db)}`, [id]);
  return r ? toF(r) : undefined;
}

export async function fulfilmentsOfOrder(db: SqlExecutor, orderId: string): Promise<FulfilmentRecord[]> {
  return (await db.all<RawF>(`SELECT ${FCOLS} FROM fulfilments WHERE order_id = ? ORDER BY created_ms, id`, [orderId])).map(toF);
}

export async function queryFulfilments(db: SqlExecutor, q: { locationId?: string; state?: string; limit: number }): Promise<FulfilmentRecord[]> {
  const { where, params } = whereEquals({ location_id: q.locationId, state: q.state });
  return (await db.all<RawF>(`SELECT ${FCOLS} FROM fulfilments ${where} ORDER BY created_ms, id LIMIT ?`, [...params, q.limit])).map(toF);
}

export async function setFulfilmentState(db: SqlExecutor, id: string, state: FulfilmentState, at: string, extra: { carrier?: string; tracking?: string } = {}): Promise<void> {
  if (RELEASES_CAPACITY.has(state)) {
    const f = await db.get<{ location_id: string; local_day: string; state: string }>('SELECT location_id, local_day, state FROM fulfilments WHERE id = ?', [id]);
    if (f && !RELEASES_CAPACITY.has(f.state)) {
      await db.run('UPDATE location_capacity SET used = CASE WHEN used > 0 THEN used - 1 ELSE 0 END WHERE local_day = ? AND location_id = ?', [f.local_day, f.location_id]);
      const kept = keptCapacity(db, f.local_day);
      if (kept) kept.set(f.location_id, Math.max(0, (kept.get(f.location_id) ?? 0) - 1));
    }
  }
  await db.run(`UPDATE fulfilments SET state = ?, carrier = COALESCE(?, carrier), tracking = COALESCE(?, tracking), updated_at = ? WHERE id = ?`, [
    state, extra.carrier ?? null, extra.tracking ?? null, at, id,
  ]);
}

/** A picked click-and-collect fulfilment waits at its store until then (collectionWatch cancels it after). */
export async function setCollectBy(db: SqlExecutor, fulfilmentId: string, collectByMs: number): Promise<void> {
  await db.run('UPDATE fulfilments SET collect_by_ms = ? WHERE id = ?', [collectByMs, fulfilmentId]);
}

/** Picked click-and-collect fulfilments nobody collected by their time (through fulfilments_collect_by). */
export async function uncollectedFulfilments(db: SqlExecutor, nowMs: number, limit: number): Promise<Array<{ id: string; orderId: string; collectByMs: number }>> {
  const rows = await db.all<{ id: string; order_id: string; collect_by_ms: number | string }>(
    `SELECT id, order_id, collect_by_ms FROM fulfilments WHERE state = 'picked' AND collect_by_ms > 0 AND collect_by_ms < ? ORDER BY collect_by_ms LIMIT ?`,
    [nowMs, limit],
  );
  return rows.map((r) => ({ id: r.id, orderId: r.order_id, collectByMs: Number(r.collect_by_ms) }));
}

/** Fulfilments whose accept (assigned) or ship (accepted, picked) deadline has passed. */
export async function overdueFulfilments(db: SqlExecutor, nowMs: number, limit: number): Promise<FulfilmentRecord[]> {
  return (
    await db.all<RawF>(
      `SELECT ${FCOLS} FROM fulfilments WHERE (state = 'assigned' AND accept_by_ms < ?) OR (state = 'accepted' AND ship_by_ms < ?) ORDER BY accept_by_ms LIMIT ?`,
      [nowMs, nowMs, limit],
    )
  ).map(toF);
}

/**
 * Fulfilments a location took on a local day (its capacity used), excluding failed ones. In a
 * write transaction the day's counters are read once and then kept (`Tx.kept`), moved by the two
 * writers above — routing asks for every order. Every writer of the counters is a handler, and
 * handlers run in dispatch transactions: on SQLite the only writer, on PostgreSQL one at a time
 * per database (one dispatch partition under an advisory lock), so the kept counters stay exact.
 * (Were partitions ever run side by side, capacity would stay what it is anyway, a soft limit: a
 * read per order cannot stop two transactions from taking the last place either.)
 */
export async function capacityUsed(db: SqlExecutor, localDay: string): Promise<Map<string, number>> {
  const kept = keptCapacity(db, localDay);
  if (kept) return new Map(kept);
  const rows = await db.all<{ location_id: string; used: number }>('SELECT location_id, used FROM location_capacity WHERE local_day = ?', [localDay]);
  const used = new Map(rows.map((r) => [r.location_id, Number(r.used)]));
  (db as Partial<Tx>).kept?.set(capacityKey(localDay), new Map(used));
  return used;
}

const capacityKey = (localDay: string) => `orders.capacity:${localDay}`;
const keptCapacity = (db: SqlExecutor, localDay: string) => (db as Partial<Tx>).kept?.get(capacityKey(localDay)) as Map<string, number> | undefined;

export interface ReservationRecord {
  id: string;
  orderId: string;
  lineId: string;
  fulfilmentId: string;
  sku: string;
  locationId: string;
  qty: number;
  status: 'active' | 'released' | 'consumed';
}

/** A routed order's reservations, in multi-row INSERTs; one already there (same fulfilment and line) is left as it is. */
export async function insertReservations(db: SqlExecutor, rows: readonly ReservationRecord[], at: string): Promise<void> {
  for (const chunk of rowChunks(rows, db.dialect)) {
    const params: unknown[] = [];
    for (const r of chunk) params.push(...reservationParams(r, at));
    await db.run(INSERT_RESERVATIONS_SQL(chunk.length), params);
  }
}

const reservationParams = (r: ReservationRecord, at: string): unknown[] => [r.id, r.orderId, r.lineId, r.fulfilmentId, r.sku, r.locationId, r.qty, r.status, at, at];

const INSERT_RESERVATIONS_SQL = multiRowSql(
  'INSERT INTO reservations (id, order_id, line_id, fulfilment_id, sku, location_id, qty, status, created_at, updated_at)',
  '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ' ON CONFLICT (fulfilment_id, line_id) DO NOTHING',
);

export async function reservationsOfOrder(db: SqlExecutor, orderId: string): Promise<ReservationRecord[]> {
  const rows = await db.all<{ id: string; order_id: string; line_id: string; fulfilment_id: string; sku: string; location_id: string; qty: number; status: string }>(
    // Through the order's fulfilments: reservations have no index by order (migration 014).
    `SELECT r.id, r.order_id, r.line_id, r.fulfilment_id, r.sku, r.location_id, r.qty, r.status
     FROM fulfilments f JOIN reservations r ON r.fulfilment_id = f.id WHERE f.order_id = ? ORDER BY r.created_at, r.id`,
    [orderId],
  );
  return rows.map((r) => ({ id: r.id, orderId: r.order_id, lineId: r.line_id, fulfilmentId: r.fulfilment_id, sku: r.sku, locationId: r.location_id, qty: Number(r.qty), status: r.status as ReservationRecord['status'] }));
}

/**
 * The fulfilments still waiting at a location (assigned or accepted, not picked) that hold a sku
 * reserved there, with how much: what a short count can take back (through fulfilments_location).
 */
export async function waitingReservedAt(db: SqlExecutor, locationId: string, sku: string): Promise<OpenReservedFulfilment[]> {
  const rows = await db.all<{ fulfilment_id: string; order_id: string; qty: number; created_ms: number }>(
    `SELECT f.id AS fulfilment_id, f.order_id, SUM(r.qty) AS qty, f.created_ms
     FROM fulfilments f JOIN reservations r ON r.fulfilment_id = f.id
     WHERE f.location_id = ? AND f.state IN ('assigned', 'accepted') AND r.sku = ? AND r.status = 'active'
     GROUP BY f.id, f.order_id, f.created_ms`,
    [locationId, sku],
  );
  return rows.map((r) => ({ fulfilmentId: r.fulfilment_id, orderId: r.order_id, qty: Number(r.qty), createdMs: Number(r.created_ms) }));
}

/**
 * Backordered orders in placed order (placed time, then id; oldest first, through orders_state), at
 * most `limit`: those after `range.after`, or those up to and including `range.upTo` (the backorder
 * retry's queue, continued after its place and wrapped round to the oldest).
 */
export async function backorderedQueue(db: SqlExecutor, limit: number, range: { after?: QueuePlace; upTo?: QueuePlace } = {}): Promise<QueuePlace[]> {
  if (limit <= 0) return [];
  const where = [`state = 'backordered'`];
  const params: Array<string | number> = [];
  if (range.after) { where.push('(placed_ms > ? OR (placed_ms = ? AND id > ?))'); params.push(range.after.ms, range.after.ms, range.after.id); }
  if (range.upTo) { where.push('(placed_ms < ? OR (placed_ms = ? AND id <= ?))'); params.push(range.upTo.ms, range.upTo.ms, range.upTo.id); }
  const rows = await db.all<{ id: string; placed_ms: number | string }>(`SELECT id, placed_ms FROM orders WHERE ${where.join(' AND ')} ORDER BY placed_ms, id LIMIT ?`, [...params, limit]);
  return rows.map((r) => ({ ms: Number(r.placed_ms), id: r.id }));
}

export async function setReservationStatus(db: SqlExecutor, id: string, status: ReservationRecord['status'], at: string): Promise<boolean> {
  const r = await db.run(`UPDATE reservations SET status = ?, updated_at = ? WHERE id = ? AND status = 'active'`, [status, at, id]);
  return r.changes === 1;
}
