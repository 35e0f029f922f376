import type { SqlExecutor } from '../port.js';
import { INBOUND_STATES, type PurchaseOrder, type PurchaseOrderState } from '../../domain/procurement/purchase-order.js';
import type { InboundSupply, OpenBackorder } from '../../domain/sourcing/index.js';
import type { Supplier, SupplierTermRow } from '../../domain/procurement/supplier.js';
import { termRowsOf } from '../../domain/procurement/supplier.js';
import type { Promotion } from '../../domain/replenishment/promotion.js';
import type { DailyQuantity } from '../../domain/replenishment/history.js';
import type { WapeReport } from '../../domain/replenishment/wape.js';
import { whereEquals } from './filters.js';

// ---------------------------------------------------------------- suppliers

export async function getSupplier(db: SqlExecutor, id: string): Promise<Supplier | undefined> {
  const r = await db.get<{ doc: string }>('SELECT doc FROM suppliers WHERE id = ?', [id]);
  return r ? (JSON.parse(r.doc) as Supplier) : undefined;
}

export async function listSuppliers(db: SqlExecutor, after: string, limit: number): Promise<Supplier[]> {
  const rows = await db.all<{ doc: string }>('SELECT doc FROM suppliers WHERE id > ? ORDER BY id LIMIT ?', [after, limit]);
  return rows.map((r) => JSON.parse(r.doc) as Supplier);
}

/** Replaces the supplier and all its terms. */
export async function putSupplier(db: SqlExecutor, s: Supplier, at: string): Promise<void> {
  await db.run(
    `INSERT INTO suppliers (id, name, lead_time_days, doc, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, lead_time_days = excluded.lead_time_days, doc = excluded.doc, updated_at = excluded.updated_at`,
    [s.id, s.name, s.leadTimeDays, JSON.stringify(s), at],
  );
  await db.run('DELETE FROM supplier_terms WHERE supplier_id = ?', [s.id]);
  for (const t of termRowsOf(s)) {
    await db.run('INSERT INTO supplier_terms (supplier_id, sku, lead_time_days, unit_cost, moq, pack_size, is_primary) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      t.supplierId, t.sku, t.leadTimeDays, t.unitCost, t.moq, t.packSize, t.primary ? 1 : 0,
    ]);
  }
}

export async function allSupplierTerms(db: SqlExecutor): Promise<SupplierTermRow[]> {
  const rows = await db.all<{ supplier_id: string; sku: string; lead_time_days: number; unit_cost: number; moq: number; pack_size: number; is_primary: number }>(
    'SELECT supplier_id, sku, lead_time_days, unit_cost, moq, pack_size, is_primary FROM supplier_terms ORDER BY sku, supplier_id',
  );
  return rows.map((r) => ({ supplierId: r.supplier_id, sku: r.sku, leadTimeDays: Number(r.lead_time_days), unitCost: Number(r.unit_cost), moq: Number(r.moq), packSize: Number(r.pack_size), primary: Number(r.is_primary) === 1 }));
}

export async function supplierTermsOf(db: SqlExecutor, sku: string): Promise<SupplierTermRow[]> {
  return (await allSupplierTerms(db)).filter((t) => t.sku === sku);
}

// ---------------------------------------------------------------- purchase orders

export interface PurchaseOrderApproval {
  reason: 'expedited' | 'above_value' | 'supplier_substitution';
  role: string;
  /** The approvals-policy subject carrying it; null: satisfied by the accepting person's role (above value). */
  subject: string | null;
  approvalId: string | null;
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'satisfied' | 'undecidable';
  note?: string;
}

export interface PurchaseOrderDoc {
  approvals: PurchaseOrderApproval[];
  history: Array<{ at: number; from: string; to: string; eventId: string; note?: string }>;
  requestedBy: string | null;
  delays: Array<{ at: number; from: string; to: string; reason?: string }>;
  /** When the supplier sent the last confirmation or delay the PO took (its clock, ms): older news is stale. */
  supplierSentMs?: number | null;
  /** Goods-receipt numbers already taken in: a resent receipt is not counted twice. */
  receiptIds?: string[];
}

export interface PurchaseOrderRecord extends PurchaseOrder {
  recommendationId: string | null;
  value: number;
  createdMs: number;
  unitCosts: Record<string, number>;
  doc: PurchaseOrderDoc;
}

interface PoRow {
  id: string; supplier_id: string; location_id: string; state: string; expected_date: string; planned_date: string; promised_date: string | null;
  received_date: string | null; expedite: number; recommendation_id: string | null; value: number; created_ms: number; doc: string;
}
interface PoLineRow { po_id: string; sku: string; qty: number; received_qty: number; unit_cost: number | null }

const PO_COLUMNS = 'id, supplier_id, location_id, state, expected_date, planned_date, promised_date, received_date, expedite, recommendation_id, value, created_ms, doc';

function toPo(r: PoRow, lines: PoLineRow[]): PurchaseOrderRecord {
  return {
    id: r.id, supplierId: r.supplier_id, locationId: r.location_id, state: r.state as PurchaseOrderState,
    expectedDate: r.expected_date, plannedDate: r.planned_date, promisedDate: r.promised_date, receivedDate: r.received_date, expedite: Number(r.expedite) === 1,
    recommendationId: r.recommendation_id, value: Number(r.value), createdMs: Number(r.created_ms),
    lines: lines.map((l) => ({ sku: l.sku, qty: Number(l.qty), receivedQty: Number(l.received_qty) })),
    unitCosts: Object.fromEntries(lines.filter((l) => l.unit_cost !== null).map((l) => [l.sku, Number(l.unit_cost)])),
    doc: JSON.parse(r.doc) as PurchaseOrderDoc,
  };
}

async function withLines(db: SqlExecutor, rows: PoRow[]): Promise<PurchaseOrderRecord[]> {
  if (rows.length === 0) return [];
  const lines = new Map<string, PoLineRow[]>();
  // Chunked: PostgreSQL and SQLite both cap the number of parameters of one statement.
  for (let i = 0; i < rows.length; i += 500) {
    const ids = rows.slice(i, i + 500).map((r) => r.id);
    for (const l of await db.all<PoLineRow>(`SELECT po_id, sku, qty, received_qty, unit_cost FROM purchase_order_lines WHERE po_id IN (${ids.map(() => '?').join(', ')}) ORDER BY po_id, sku`, ids)) {
      const list = lines.get(l.po_id);
      if (list) list.push(l);
      else lines.set(l.po_id, [l]);
    }
  }
  return rows.map((r) => toPo(r, lines.get(r.id) ?? []));
}

export async function purchaseOrderById(db: SqlExecutor, id: string): Promise<PurchaseOrderRecord | undefined> {
  const r = await db.get<PoRow>(`SELECT ${PO_COLUMNS} FROM purchase_orders WHERE id = ?`, [id]);
  return r ? (await withLines(db, [r]))[0] : undefined;
}

/**
 * Newest first (created, then id, both descending). `beforeId` with `beforeMs`: the page goes on
 * after that order — orders created in one dispatch batch share a millisecond, and a time alone
 * skipped those of the last page's millisecond that did not fit on it.
 */
export async function queryPurchaseOrders(db: SqlExecutor, q: { state?: string; supplierId?: string; sku?: string; limit: number; beforeMs?: number; beforeId?: string }): Promise<PurchaseOrderRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.state) { where.push('state = ?'); params.push(q.state); }
  if (q.supplierId) { where.push('supplier_id = ?'); params.push(q.supplierId); }
  if (q.sku) { where.push('id IN (SELECT po_id FROM purchase_order_lines WHERE sku = ?)'); params.push(q.sku); }
  if (q.beforeMs !== undefined && q.beforeId !== undefined) { where.push('(created_ms < ? OR (created_ms = ? AND id < ?))'); params.push(q.beforeMs, q.beforeMs, q.beforeId); }
  else if (q.beforeMs !== undefined) { where.push('created_ms < ?'); params.push(q.beforeMs); }
  params.push(q.limit);
  const rows = await db.all<PoRow>(`SELECT ${PO_COLUMNS} FROM purchase_orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_ms DESC, id DESC LIMIT ?`, params);
  return withLines(db, rows);
}

/**
 * What is on its way of some skus: the outstanding quantity of each line of a placed, confirmed or
 * delayed purchase order, expected at the end of its (latest) expected day, UTC — a backorder is
 * promised no earlier than the day its goods arrive — and the open backorders of those skus with
 * what their last routing decision promised them (`inboundWithRoom` nets the two). Read only when
 * nothing can serve an order, never on the normal routing path. The backorders are found through
 * the state index and a text match of each sku in the document (a cheap prefilter: the decider
 * looks at the promised skus themselves); only their last routing record is sent back.
 */
export async function inboundOfSkus(db: SqlExecutor, skus: readonly string[]): Promise<{ inbound: InboundSupply[]; backorders: OpenBackorder[] }> {
  const unique = [...new Set(skus)];
  if (unique.length === 0) return { inbound: [], backorders: [] };
  const rows = await db.all<{ po_id: string; sku: string; qty: number | string; expected_date: string }>(
    `SELECT po.id AS po_id, l.sku, l.qty - l.received_qty AS qty, po.expected_date
     FROM purchase_orders po JOIN purchase_order_lines l ON l.po_id = po.id
     WHERE po.state IN (${INBOUND_STATES.map(() => '?').join(', ')}) AND l.sku IN (${unique.map(() => '?').join(', ')}) AND l.qty > l.received_qty
     ORDER BY po.id, l.sku`,
    [...INBOUND_STATES, ...unique],
  );
  const inbound = rows.map((r) => ({ poId: r.po_id, sku: r.sku, qty: Number(r.qty), expectedAt: Date.parse(`${r.expected_date.slice(0, 10)}T23:59:59.999Z`) }));
  if (inbound.length === 0) return { inbound, backorders: [] };
  return { inbound, backorders: await openBackordersOfSkus(db, unique) };
}

/**
 * The open backorders of some skus with their last routing record's promise, oldest first (placed
 * time, then id). Also read when nothing of the skus is inbound any more: a promise kept on the shelf
 * after its PO closed (`reviseKeptPromisesWithoutUnits`).
 */
export async function openBackordersOfSkus(db: SqlExecutor, skus: readonly string[]): Promise<OpenBackorder[]> {
  const unique = [...new Set(skus)];
  if (unique.length === 0) return [];
  // The document is JSON.stringify's text: a line's sku appears as "sku":"<sku>" exactly.
  const like = (sku: string) => `%${`"sku":${JSON.stringify(sku)}`.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const last = db.dialect === 'postgres' ? `((doc::jsonb) -> 'routing' -> -1)::text` : `json_extract(doc, '$.routing[#-1]')`;
  const open = await db.all<{ id: string; last: string | null }>(
    `SELECT id, ${last} AS last FROM orders WHERE state = 'backordered' AND (${unique.map(() => `doc LIKE ? ESCAPE '\\'`).join(' OR ')}) ORDER BY placed_ms, id`,
    unique.map(like),
  );
  const backorders: OpenBackorder[] = [];
  for (const r of open) {
    const record = r.last ? (JSON.parse(r.last) as { outcome?: string; shortSkus?: OpenBackorder['shortSkus'] }) : null;
    if (record?.outcome === 'backorder' && Array.isArray(record.shortSkus)) backorders.push({ orderId: r.id, shortSkus: record.shortSkus });
  }
  return backorders;
}

/** Where and when some purchase orders deliver, and whether they still do (their state). */
export async function purchaseOrderDates(db: SqlExecutor, ids: readonly string[]): Promise<Array<{ id: string; state: PurchaseOrderState; locationId: string; expectedDate: string }>> {
  const out: Array<{ id: string; state: PurchaseOrderState; locationId: string; expectedDate: string }> = [];
  const unique = [...new Set(ids)];
  // Chunked: PostgreSQL and SQLite both cap the number of parameters of one statement.
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    const rows = await db.all<{ id: string; state: PurchaseOrderState; location_id: string; expected_date: string }>(
      `SELECT id, state, location_id, expected_date FROM purchase_orders WHERE id IN (${chunk.map(() => '?').join(', ')})`, chunk,
    );
    for (const r of rows) out.push({ id: r.id, state: r.state, locationId: r.location_id, expectedDate: String(r.expected_date).slice(0, 10) });
  }
  return out;
}

/** What planning needs: every PO not cancelled (open ones are supply, received ones reliability history). */
export async function planningPurchaseOrders(db: SqlExecutor, receivedSince: string): Promise<PurchaseOrderRecord[]> {
  const rows = await db.all<PoRow>(
    `SELECT ${PO_COLUMNS} FROM purchase_orders WHERE state IN ('placed', 'confirmed', 'delayed', 'recommended', 'awaiting_approval') OR (state = 'received' AND received_date >= ?) ORDER BY id`,
    [receivedSince],
  );
  return withLines(db, rows);
}

/** Inserts a PO with its lines; false when one with this id (or for this recommendation) exists already. */
export async function insertPurchaseOrder(db: SqlExecutor, po: PurchaseOrderRecord, at: string): Promise<boolean> {
  const r = await db.run(
    `INSERT INTO purchase_orders (${PO_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [po.id, po.supplierId, po.locationId, po.state, po.expectedDate, po.plannedDate, po.promisedDate, po.receivedDate, po.expedite ? 1 : 0, po.recommendationId, po.value, po.createdMs, JSON.stringify(po.doc), at],
  );
  if (r.changes !== 1) return false;
  await writeLines(db, po);
  return true;
}

async function writeLines(db: SqlExecutor, po: PurchaseOrderRecord): Promise<void> {
  await db.run('DELETE FROM purchase_order_lines WHERE po_id = ?', [po.id]);
  for (const l of po.lines) {
    await db.run('INSERT INTO purchase_order_lines (po_id, sku, qty, received_qty, unit_cost) VALUES (?, ?, ?, ?, ?)', [po.id, l.sku, l.qty, l.receivedQty, po.unitCosts[l.sku] ?? null]);
  }
}

/** Saves the PO only if it is still in `expectedState` (a concurrent or replayed step finds it moved). */
export async function savePurchaseOrder(db: SqlExecutor, po: PurchaseOrderRecord, expectedState: PurchaseOrderState, at: string): Promise<boolean> {
  const r = await db.run(
    // planned_date too: an order approved days after its draft goes out later, and supplier reliability
    // is measured against the date it was planned to arrive, not the draft's.
    `UPDATE purchase_orders SET state = ?, expected_date = ?, planned_date = ?, promised_date = ?, received_date = ?, value = ?, doc = ?, updated_at = ? WHERE id = ? AND state = ?`,
    [po.state, po.expectedDate, po.plannedDate, po.promisedDate, po.receivedDate, po.value, JSON.stringify(po.doc), at, po.id, expectedState],
  );
  if (r.changes !== 1) return false;
  await writeLines(db, po);
  return true;
}

export async function countPurchaseOrdersByState(db: SqlExecutor): Promise<Record<string, number>> {
  const rows = await db.all<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM purchase_orders GROUP BY state');
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

// ---------------------------------------------------------------- promotions

export async function putPromotion(db: SqlExecutor, p: Promotion, at: string): Promise<void> {
  await db.run(
    `INSERT INTO promotions (id, uplift, from_date, to_date, doc, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET uplift = excluded.uplift, from_date = excluded.from_date, to_date = excluded.to_date, doc = excluded.doc, updated_at = excluded.updated_at`,
    [p.promotionId, p.uplift, p.from, p.to, JSON.stringify(p), at],
  );
}

export async function getPromotion(db: SqlExecutor, id: string): Promise<Promotion | undefined> {
  const r = await db.get<{ doc: string }>('SELECT doc FROM promotions WHERE id = ?', [id]);
  return r ? (JSON.parse(r.doc) as Promotion) : undefined;
}

/** Promotions whose window ends on or after `since` (past ones deflate history, future ones lift the forecast). */
export async function promotionsSince(db: SqlExecutor, since: string): Promise<Promotion[]> {
  const rows = await db.all<{ doc: string }>('SELECT doc FROM promotions WHERE to_date >= ? ORDER BY id', [since]);
  return rows.map((r) => JSON.parse(r.doc) as Promotion);
}

// ---------------------------------------------------------------- demand

/**
 * Daily demand per sku × location since `sinceIso`: units of order lines by the location the order
 * was reserved at (reservations not released: a reroute moves demand, a cancel removes it), on the
 * UTC day the reservation was made.
 */
export async function dailyDemand(db: SqlExecutor, sinceIso: string): Promise<Map<string, DailyQuantity[]>> {
  // Summed here rather than with GROUP BY: the rows come off a covering index in created_at order,
  // and a temporary B-tree for the grouping costs more than the addition.
  const rows = await db.all<{ sku: string; location_id: string; created_at: string; qty: number }>(
    `SELECT sku, location_id, created_at, qty FROM reservations WHERE created_at >= ? AND status <> 'released'`,
    [sinceIso],
  );
  const byPosition = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const k = positionKey(r.sku, r.location_id);
    const day = r.created_at.slice(0, 10);
    let days = byPosition.get(k);
    if (!days) byPosition.set(k, (days = new Map()));
    days.set(day, (days.get(day) ?? 0) + Number(r.qty));
  }
  // Imported history (the ERP's record of the days before omniops) wins for the days it covers.
  const imported = await db.all<{ sku: string; location_id: string; day: string; qty: number }>('SELECT sku, location_id, day, qty FROM demand_imported WHERE day >= ?', [sinceIso.slice(0, 10)]);
  for (const r of imported) {
    const k = positionKey(r.sku, r.location_id);
    let days = byPosition.get(k);
    if (!days) byPosition.set(k, (days = new Map()));
    days.set(r.day, Number(r.qty));
  }
  const out = new Map<string, DailyQuantity[]>();
  for (const [k, days] of byPosition) out.set(k, [...days].map(([date, quantity]) => ({ date, quantity })));
  return out;
}

export async function importDemand(db: SqlExecutor, sku: string, locationId: string, days: ReadonlyArray<{ date: string; quantity: number }>): Promise<void> {
  for (const d of days) {
    await db.run('INSERT INTO demand_imported (sku, location_id, day, qty) VALUES (?, ?, ?, ?) ON CONFLICT (sku, location_id, day) DO UPDATE SET qty = excluded.qty', [sku, locationId, d.date, d.quantity]);
  }
}

export function positionKey(sku: string, locationId: string): string {
  return `${sku}\u0000${locationId}`;
}

// ---------------------------------------------------------------- risks

export interface RiskRecord {
  id: string;
  sku: string;
  locationId: string;
  state: 'open' | 'resolved';
  detectedMs: number;
  detectedDate: string;
  breachDate: string;
  daysOfCover: number;
  watchTo: string;
  reachedZeroDate: string | null;
  revision: number;
  doc: Record<string, unknown>;
}

interface RiskRow { id: string; sku: string; location_id: string; state: string; detected_ms: number; detected_date: string; breach_date: string; days_of_cover: number; watch_to: string; reached_zero_date: string | null; revision: number; doc: string }
const RISK_COLUMNS = 'id, sku, location_id, state, detected_ms, detected_date, breach_date, days_of_cover, watch_to, reached_zero_date, revision, doc';
const toRisk = (r: RiskRow): RiskRecord => ({
  id: r.id, sku: r.sku, locationId: r.location_id, state: r.state as RiskRecord['state'], detectedMs: Number(r.detected_ms), detectedDate: r.detected_date,
  breachDate: r.breach_date, daysOfCover: Number(r.days_of_cover), watchTo: r.watch_to, reachedZeroDate: r.reached_zero_date, revision: Number(r.revision), doc: JSON.parse(r.doc) as Record<string, unknown>,
});

export async function openRisks(db: SqlExecutor): Promise<Map<string, RiskRecord>> {
  const rows = await db.all<RiskRow>(`SELECT ${RISK_COLUMNS} FROM replenishment_risks WHERE state = 'open'`);
  return new Map(rows.map((r) => [positionKey(r.sku, r.location_id), toRisk(r)]));
}

export async function riskById(db: SqlExecutor, id: string): Promise<RiskRecord | undefined> {
  const r = await db.get<RiskRow>(`SELECT ${RISK_COLUMNS} FROM replenishment_risks WHERE id = ?`, [id]);
  return r ? toRisk(r) : undefined;
}

export async function queryRisks(db: SqlExecutor, q: { state?: string; sku?: string; locationId?: string; limit: number }): Promise<RiskRecord[]> {
  const { where, params } = whereEquals({ state: q.state, sku: q.sku, location_id: q.locationId });
  const rows = await db.all<RiskRow>(`SELECT ${RISK_COLUMNS} FROM replenishment_risks ${where} ORDER BY breach_date, sku, location_id LIMIT ?`, [...params, q.limit]);
  return rows.map(toRisk);
}

export async function upsertRisk(db: SqlExecutor, r: RiskRecord, at: string): Promise<void> {
  await db.run(
    `INSERT INTO replenishment_risks (${RISK_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, breach_date = excluded.breach_date, days_of_cover = excluded.days_of_cover,
       watch_to = excluded.watch_to, reached_zero_date = excluded.reached_zero_date, revision = excluded.revision, doc = excluded.doc, updated_at = excluded.updated_at`,
    [r.id, r.sku, r.locationId, r.state, r.detectedMs, r.detectedDate, r.breachDate, r.daysOfCover, r.watchTo, r.reachedZeroDate, r.revision, JSON.stringify(r.doc), at],
  );
}

/** Risks still watched on `today` (KPI: did the stockout they warned about happen?). */
export async function watchedRisks(db: SqlExecutor, today: string): Promise<Array<{ id: string; sku: string; locationId: string }>> {
  const rows = await db.all<{ id: string; sku: string; location_id: string }>(
    'SELECT id, sku, location_id FROM replenishment_risks WHERE watch_to >= ? AND detected_date <= ? AND reached_zero_date IS NULL',
    [today, today],
  );
  return rows.map((r) => ({ id: r.id, sku: r.sku, locationId: r.location_id }));
}

export async function markReachedZero(db: SqlExecutor, id: string, date: string): Promise<void> {
  await db.run('UPDATE replenishment_risks SET reached_zero_date = ? WHERE id = ? AND reached_zero_date IS NULL', [date, id]);
}

/** Watches and zero-stock days of every risk detected since `since` (the stockout prevention KPI). */
export async function riskOutcomes(db: SqlExecutor, since: string): Promise<Array<{ sku: string; locationId: string; from: string; to: string; reachedZeroDate: string | null }>> {
  const rows = await db.all<{ sku: string; location_id: string; detected_date: string; watch_to: string; reached_zero_date: string | null }>(
    'SELECT sku, location_id, detected_date, watch_to, reached_zero_date FROM replenishment_risks WHERE detected_date >= ?',
    [since],
  );
  return rows.map((r) => ({ sku: r.sku, locationId: r.location_id, from: r.detected_date, to: r.watch_to, reachedZeroDate: r.reached_zero_date }));
}

// ---------------------------------------------------------------- recommendations

export type RecommendationState = 'open' | 'accepted' | 'dismissed' | 'converted';

export interface RecommendationRecord {
  id: string;
  sku: string;
  locationId: string;
  riskId: string | null;
  state: RecommendationState;
  expedite: boolean;
  createdMs: number;
  decidedBy: string | null;
  poId: string | null;
  transferId: string | null;
  doc: Record<string, unknown>;
}

interface RecRow { id: string; sku: string; location_id: string; risk_id: string | null; state: string; expedite: number; created_ms: number; decided_by: string | null; po_id: string | null; transfer_id: string | null; doc: string }
const REC_COLUMNS = 'id, sku, location_id, risk_id, state, expedite, created_ms, decided_by, po_id, transfer_id, doc';
const toRec = (r: RecRow): RecommendationRecord => ({
  id: r.id, sku: r.sku, locationId: r.location_id, riskId: r.risk_id, state: r.state as RecommendationState, expedite: Number(r.expedite) === 1, createdMs: Number(r.created_ms),
  decidedBy: r.decided_by, poId: r.po_id, transferId: r.transfer_id, doc: JSON.parse(r.doc) as Record<string, unknown>,
});

/** False when the position already has an open recommendation (the partial unique index says so). */
export async function insertRecommendation(db: SqlExecutor, r: RecommendationRecord, at: string): Promise<boolean> {
  const res = await db.run(
    `INSERT INTO replenishment_recommendations (${REC_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [r.id, r.sku, r.locationId, r.riskId, r.state, r.expedite ? 1 : 0, r.createdMs, r.decidedBy, r.poId, r.transferId, JSON.stringify(r.doc), at],
  );
  return res.changes === 1;
}

export async function recommendationById(db: SqlExecutor, id: string): Promise<RecommendationRecord | undefined> {
  const r = await db.get<RecRow>(`SELECT ${REC_COLUMNS} FROM replenishment_recommendations WHERE id = ?`, [id]);
  return r ? toRec(r) : undefined;
}

export async function queryRecommendations(db: SqlExecutor, q: { state?: string; sku?: string; locationId?: string; limit: number }): Promise<RecommendationRecord[]> {
  const { where, params } = whereEquals({ state: q.state, sku: q.sku, location_id: q.locationId });
  const rows = await db.all<RecRow>(`SELECT ${REC_COLUMNS} FROM replenishment_recommendations ${where} ORDER BY created_ms DESC, id LIMIT ?`, [...params, q.limit]);
  return rows.map(toRec);
}

/** Moves a recommendation only from `from`: the second of two accepts finds it moved and does nothing. */
export async function moveRecommendation(db: SqlExecutor, id: string, from: RecommendationState, to: RecommendationState, set: { decidedBy?: string; poId?: string | null; transferId?: string | null; doc: Record<string, unknown> }, at: string): Promise<boolean> {
  const r = await db.run(
    `UPDATE replenishment_recommendations SET state = ?, decided_by = COALESCE(CAST(? AS TEXT), decided_by), po_id = COALESCE(CAST(? AS TEXT), po_id), transfer_id = COALESCE(CAST(? AS TEXT), transfer_id), doc = ?, updated_at = ?
     WHERE id = ? AND state = ?`,
    [to, set.decidedBy ?? null, set.poId ?? null, set.transferId ?? null, JSON.stringify(set.doc), at, id, from],
  );
  return r.changes === 1;
}

/**
 * Positions the check must not recommend for again: an open recommendation, or a PO draft not yet
 * placed (recommended / awaiting approval) — drafts are not supply, so the projection still falls short.
 */
export async function blockedPositions(db: SqlExecutor): Promise<Set<string>> {
  const rows = await db.all<{ sku: string; location_id: string }>(
    `SELECT sku, location_id FROM replenishment_recommendations WHERE state = 'open'
     UNION SELECT l.sku, p.location_id FROM purchase_orders p JOIN purchase_order_lines l ON l.po_id = p.id WHERE p.state IN ('recommended', 'awaiting_approval')`,
  );
  return new Set(rows.map((r) => positionKey(r.sku, r.location_id)));
}

// ---------------------------------------------------------------- transfers

export interface TransferRecord {
  id: string;
  recommendationId: string | null;
  sku: string;
  fromLocationId: string;
  toLocationId: string;
  qty: number;
  /** in_transit: asked of the source, which holds the units reserved; shipped: left the source (doc.shippedQty, doc.shippedMs). */
  state: 'in_transit' | 'shipped' | 'received' | 'cancelled';
  expectedDate: string;
  createdMs: number;
  doc: Record<string, unknown>;
}

interface TransferRow { id: string; recommendation_id: string | null; sku: string; from_location_id: string; to_location_id: string; qty: number; state: string; expected_date: string; created_ms: number; doc: string }
const TRANSFER_COLUMNS = 'id, recommendation_id, sku, from_location_id, to_location_id, qty, state, expected_date, created_ms, doc';
const toTransfer = (r: TransferRow): TransferRecord => ({
  id: r.id, recommendationId: r.recommendation_id, sku: r.sku, fromLocationId: r.from_location_id, toLocationId: r.to_location_id, qty: Number(r.qty),
  state: r.state as TransferRecord['state'], expectedDate: r.expected_date, createdMs: Number(r.created_ms), doc: JSON.parse(r.doc) as Record<string, unknown>,
});

export async function insertTransfer(db: SqlExecutor, t: TransferRecord, at: string): Promise<boolean> {
  const r = await db.run(`INSERT INTO transfers (${TRANSFER_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, [
    t.id, t.recommendationId, t.sku, t.fromLocationId, t.toLocationId, t.qty, t.state, t.expectedDate, t.createdMs, JSON.stringify(t.doc), at,
  ]);
  return r.changes === 1;
}

export async function transferById(db: SqlExecutor, id: string): Promise<TransferRecord | undefined> {
  const r = await db.get<TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE id = ?`, [id]);
  return r ? toTransfer(r) : undefined;
}

/** Transfers still to arrive: not yet shipped (the source holds them) or on the road. */
export async function transfersInTransit(db: SqlExecutor): Promise<TransferRecord[]> {
  return (await db.all<TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE state IN ('in_transit', 'shipped') ORDER BY id`)).map(toTransfer);
}

/** What a transfer will bring: what left the source once it shipped, else what it asked for. */
export const transferQtyOnItsWay = (t: TransferRecord): number => (t.state === 'shipped' && typeof t.doc.shippedQty === 'number' ? t.doc.shippedQty : t.qty);

/** Transfers newest first, by state and by a location at either end; paged by (created_ms, id) below `before`. */
export async function queryTransfers(db: SqlExecutor, q: { state?: string; locationId?: string; sku?: string; limit: number; beforeMs?: number; beforeId?: string }): Promise<TransferRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.state) { where.push('state = ?'); params.push(q.state); }
  if (q.locationId) { where.push('(from_location_id = ? OR to_location_id = ?)'); params.push(q.locationId, q.locationId); }
  if (q.sku) { where.push('sku = ?'); params.push(q.sku); }
  if (q.beforeMs !== undefined && q.beforeId !== undefined) { where.push('(created_ms < ? OR (created_ms = ? AND id < ?))'); params.push(q.beforeMs, q.beforeMs, q.beforeId); }
  else if (q.beforeMs !== undefined) { where.push('created_ms < ?'); params.push(q.beforeMs); }
  params.push(q.limit);
  const rows = await db.all<TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM transfers ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_ms DESC, id DESC LIMIT ?`, params);
  return rows.map(toTransfer);
}

export async function moveTransfer(db: SqlExecutor, id: string, from: TransferRecord['state'], to: TransferRecord['state'], doc: Record<string, unknown>, at: string): Promise<boolean> {
  const r = await db.run('UPDATE transfers SET state = ?, doc = ?, updated_at = ? WHERE id = ? AND state = ?', [to, JSON.stringify(doc), at, id, from]);
  return r.changes === 1;
}

// ---------------------------------------------------------------- forecast error

/** The number of series the day's backtest covered; undefined when it has not run that day. */
export async function forecastErrorSeries(db: SqlExecutor, day: string): Promise<number | undefined> {
  const r = await db.get<{ report: string }>('SELECT report FROM replenishment_forecast_error WHERE day = ?', [day]);
  return r ? (JSON.parse(r.report) as WapeReport).overall.series : undefined;
}

export async function putForecastError(db: SqlExecutor, day: string, computedMs: number, policyVersion: string, report: WapeReport): Promise<void> {
  await db.run(`INSERT INTO replenishment_forecast_error (day, computed_ms, policy_version, report) VALUES (?, ?, ?, ?)
     ON CONFLICT (day) DO UPDATE SET computed_ms = excluded.computed_ms, policy_version = excluded.policy_version, report = excluded.report`, [day, computedMs, policyVersion, JSON.stringify(report)]);
}

export async function latestForecastError(db: SqlExecutor): Promise<{ day: string; policyVersion: string; report: WapeReport } | undefined> {
  const r = await db.get<{ day: string; policy_version: string; report: string }>('SELECT day, policy_version, report FROM replenishment_forecast_error ORDER BY day DESC LIMIT 1');
  return r ? { day: r.day, policyVersion: r.policy_version, report: JSON.parse(r.report) as WapeReport } : undefined;
}
