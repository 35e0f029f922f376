import type { SqlExecutor } from '../port.js';
import type { ReturnCaseState } from '../../domain/returns/case-state.js';
import type { RefundLimitedBy, RefundRefused } from '../../domain/returns/refund-limit.js';
import type { RefundOwedTold } from '../../domain/returns/owed-after-room-freed.js';
import { forUpdateIn } from './row-lock.js';
import type { QueuePlace } from './rule-runs.js';

/** A return case as stored: a few indexed columns plus the document the API shows. */
export interface ReturnCaseRecord {
  id: string;
  orderId: string;
  customerId: string;
  state: ReturnCaseState;
  category: string | null;
  disposition: string | null;
  createdMs: number;
  doc: ReturnCaseDoc;
}

export interface ReturnCaseLine {
  lineId: string;
  sku: string;
  qty: number;
  unitPrice: number;
  /** What this line refunds, exact to the cent over every case of the order line (paidForUnits); absent on older cases. */
  amount?: number;
  condition?: string;
  receivedAt?: number;
  restockedAt?: string;
}

export interface ReturnCaseDoc {
  source: string;
  externalReturnId: string | null;
  orderRef: { source: string; externalOrderId: string };
  reason: string;
  reasonCode: string | null;
  lines: ReturnCaseLine[];
  value: number;
  currency: string;
  deliveredAt: number | null;
  requestedAt: number;
  problems?: unknown[];
  classification?: unknown;
  recommendation?: unknown;
  facts?: unknown;
  decision?: Record<string, unknown>;
  approvals: Array<{ approvalId: string | null; subject: string; required: boolean | 'undecidable'; outcome?: string; reason?: string }>;
  refundId?: string;
  /** Why the case got no refund though it was due one (the order's payment was used up). */
  refundRefused?: RefundRefused;
  /**
   * Finance answered the refusal itself (resolved its reconciliation item: settled another way, or
   * nothing more is owed): from then on the order's freed room tells no more top-ups for this case
   * (refund-owed.ts). When, and the event that recorded it.
   */
  refusalAnswered?: { at: number; eventId: string };
  /** What finance was told this case is owed on top of its refund once the order's room grew (owed-after-room-freed.ts). */
  refundOwed?: RefundOwedTold;
  replacementOrderId?: string;
  claimId?: string;
  history: Array<{ at: number; from: string; to: string; eventId: string; note?: string }>;
}

interface RawCase { id: string; order_id: string; customer_id: string; state: string; category: string | null; disposition: string | null; created_ms: number; doc: string }
const CASE_COLS = 'id, order_id, customer_id, state, category, disposition, created_ms, doc';
const toCase = (r: RawCase): ReturnCaseRecord => ({
  id: r.id, orderId: r.order_id, customerId: r.customer_id, state: r.state as ReturnCaseState, category: r.category, disposition: r.disposition,
  createdMs: Number(r.created_ms), doc: JSON.parse(r.doc) as ReturnCaseDoc,
});

export async function insertReturnCase(db: SqlExecutor, c: ReturnCaseRecord, at: string): Promise<boolean> {
  const r = await db.run(
    `INSERT INTO return_cases (${CASE_COLS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    [c.id, c.orderId, c.customerId, c.state, c.category, c.disposition, c.createdMs, JSON.stringify(c.doc), at],
  );
  return r.changes === 1;
}

export async function saveReturnCase(db: SqlExecutor, c: ReturnCaseRecord, at: string): Promise<void> {
  await db.run('UPDATE return_cases SET state = ?, category = ?, disposition = ?, doc = ?, updated_at = ? WHERE id = ?', [c.state, c.category, c.disposition, JSON.stringify(c.doc), at, c.id]);
}

/** In a transaction on PostgreSQL the row is locked until it ends: the caller may write it back (row-lock.ts). */
export async function returnCaseById(db: SqlExecutor, id: string): Promise<ReturnCaseRecord | undefined> {
  const r = await db.get<RawCase>(`SELECT ${CASE_COLS} FROM return_cases WHERE id = ?${forUpdateIn(db)}`, [id]);
  return r ? toCase(r) : undefined;
}

/** Cases by id, one statement (a page of claims shows each claim's case); never locked: for reads. */
export async function returnCasesByIds(db: SqlExecutor, ids: string[]): Promise<Map<string, ReturnCaseRecord>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const rows = await db.all<RawCase>(`SELECT ${CASE_COLS} FROM return_cases WHERE id IN (${unique.map(() => '?').join(', ')})`, unique);
  return new Map(rows.map((r) => { const c = toCase(r); return [c.id, c]; }));
}

/** Locked as returnCaseById's row is (what finance was told is written back on the cases it tells about). */
export async function returnCasesOfOrder(db: SqlExecutor, orderId: string): Promise<ReturnCaseRecord[]> {
  return (await db.all<RawCase>(`SELECT ${CASE_COLS} FROM return_cases WHERE order_id = ? ORDER BY created_ms, id${forUpdateIn(db)}`, [orderId])).map(toCase);
}

/** Newest first; `beforeId` with `beforeMs`: the page goes on after that case (cases share a millisecond). */
export async function queryReturnCases(db: SqlExecutor, q: { state?: string; orderId?: string; beforeMs?: number; beforeId?: string; limit: number }): Promise<ReturnCaseRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.state) { where.push('state = ?'); params.push(q.state); }
  if (q.orderId) { where.push('order_id = ?'); params.push(q.orderId); }
  if (q.beforeMs !== undefined && q.beforeId !== undefined) { where.push('(created_ms < ? OR (created_ms = ? AND id > ?))'); params.push(q.beforeMs, q.beforeMs, q.beforeId); }
  else if (q.beforeMs !== undefined) { where.push('created_ms < ?'); params.push(q.beforeMs); }
  params.push(q.limit);
  return (await db.all<RawCase>(`SELECT ${CASE_COLS} FROM return_cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_ms DESC, id LIMIT ?`, params)).map(toCase);
}

/**
 * Cases in a state, oldest first by (created_ms, id), in a window of a queue (`nextWindow`): after a
 * place, or up to one (inclusive); only those created before `createdBeforeMs` when given. By the
 * state index (004: state, created_ms).
 */
export async function returnCasesQueue(db: SqlExecutor, state: string, limit: number, range: { after?: QueuePlace; upTo?: QueuePlace; createdBeforeMs?: number; withoutRefund?: boolean }): Promise<ReturnCaseRecord[]> {
  if (limit <= 0) return [];
  const where = ['state = ?'];
  const params: unknown[] = [state];
  if (range.createdBeforeMs !== undefined) { where.push('created_ms < ?'); params.push(range.createdBeforeMs); }
  // Cases with no refund row (a refused refund's): a probe of refunds' unique case_id index per case.
  if (range.withoutRefund) where.push('NOT EXISTS (SELECT 1 FROM refunds r WHERE r.case_id = return_cases.id)');
  if (range.after) { where.push('(created_ms > ? OR (created_ms = ? AND id > ?))'); params.push(range.after.ms, range.after.ms, range.after.id); }
  if (range.upTo) { where.push('(created_ms < ? OR (created_ms = ? AND id <= ?))'); params.push(range.upTo.ms, range.upTo.ms, range.upTo.id); }
  return (await db.all<RawCase>(`SELECT ${CASE_COLS} FROM return_cases WHERE ${where.join(' AND ')} ORDER BY created_ms, id LIMIT ?`, [...params, limit])).map(toCase);
}

/** Returns a customer made (cases not rejected), for the return rate. */
export async function customerReturnCount(db: SqlExecutor, customerId: string, excludeCaseId: string): Promise<number> {
  const r = await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM return_cases WHERE customer_id = ? AND state <> 'rejected' AND id <> ?`, [customerId, excludeCaseId]);
  return Number(r?.n ?? 0);
}

// ── refunds ────────────────────────────────────────────────────────────────────────────────────

export type RefundState = 'awaiting_approval' | 'sent' | 'settled' | 'rejected' | 'blocked';

export interface RefundRecord {
  id: string;
  caseId: string;
  orderId: string;
  amount: number;
  currency: string;
  state: RefundState;
  approvalId: string | null;
  createdMs: number;
  doc: {
    lines: Array<{ lineId: string; qty: number; amount: number }>;
    requestedBy: string;
    /** Set when the refund pays less than its lines are worth: what was left of the order's payment. */
    limitedBy?: RefundLimitedBy;
    /** What the payment side named the payment by at the settlement (refund.settled `reference`; free text). */
    reference?: string;
    /**
     * Paid out through the channel: the channel's id of that refund (refund.settled `channelRefundId`) —
     * its echo there (`payment.refunded` with that id) is this money.
     */
    channelRefundId?: string;
    history: Array<{ at: number; to: string; eventId: string; note?: string }>;
  };
}

interface RawRefund { id: string; case_id: string; order_id: string; amount: number; currency: string; state: string; approval_id: string | null; created_ms: number; doc: string }
const REFUND_COLS = 'id, case_id, order_id, amount, currency, state, approval_id, created_ms, doc';
const toRefund = (r: RawRefund): RefundRecord => ({
  id: r.id, caseId: r.case_id, orderId: r.order_id, amount: Number(r.amount), currency: r.currency, state: r.state as RefundState,
  approvalId: r.approval_id, createdMs: Number(r.created_ms), doc: JSON.parse(r.doc) as RefundRecord['doc'],
});

/**
 * Creates the refund of a case and claims its lines. The unique case id and the (case, line) key
 * make a second request — a duplicate, a replay, a concurrent decision — change nothing: false.
 */
export async function insertRefund(db: SqlExecutor, r: RefundRecord, at: string): Promise<boolean> {
  const res = await db.run(
    `INSERT INTO refunds (${REFUND_COLS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO NOTHING`,
    [r.id, r.caseId, r.orderId, r.amount, r.currency, r.state, r.approvalId, r.createdMs, JSON.stringify(r.doc), at],
  );
  if (res.changes !== 1) return false;
  for (const l of r.doc.lines) {
    const line = await db.run('INSERT INTO refund_lines (case_id, line_id, refund_id, qty, amount) VALUES (?, ?, ?, ?, ?) ON CONFLICT (case_id, line_id) DO NOTHING', [r.caseId, l.lineId, r.id, l.qty, l.amount]);
    if (line.changes !== 1) throw new Error(`return line ${r.caseId}/${l.lineId} already has a refund`);
  }
  return true;
}

export async function refundById(db: SqlExecutor, id: string): Promise<RefundRecord | undefined> {
  const r = await db.get<RawRefund>(`SELECT ${REFUND_COLS} FROM refunds WHERE id = ?`, [id]);
  return r ? toRefund(r) : undefined;
}

export async function refundOfCase(db: SqlExecutor, caseId: string): Promise<RefundRecord | undefined> {
  const r = await db.get<RawRefund>(`SELECT ${REFUND_COLS} FROM refunds WHERE case_id = ?`, [caseId]);
  return r ? toRefund(r) : undefined;
}

/**
 * Every refund of an order, whatever its state, with the channel's id of the refund that paid it out
 * (when it was paid out there): what they add up to bounds the next one, and that id ties a refund to
 * its echo at the channel. Through the order's cases (indexed by order), as refunds have no index of
 * their own on the order. The id is read from the doc (a few refunds per order): no column, no migration.
 */
export async function refundsOfOrder(db: SqlExecutor, orderId: string): Promise<Array<{ id: string; caseId: string; amount: number; currency: string; state: RefundState; createdMs: number; channelRefundId?: string; limitedBy?: RefundLimitedBy }>> {
  const rows = await db.all<{ id: string; case_id: string; amount: number; currency: string; state: string; created_ms: number | string; doc: string }>(
    'SELECT r.id, r.case_id, r.amount, r.currency, r.state, r.created_ms, r.doc FROM return_cases c JOIN refunds r ON r.case_id = c.id WHERE c.order_id = ? ORDER BY r.created_ms, r.id',
    [orderId],
  );
  return rows.map((r) => {
    // limitedBy: a cut refund may be owed more once the order's room grows (owed-after-room-freed.ts).
    const { channelRefundId, limitedBy } = JSON.parse(r.doc) as RefundRecord['doc'];
    return {
      id: r.id, caseId: r.case_id, amount: Number(r.amount), currency: r.currency, state: r.state as RefundState, createdMs: Number(r.created_ms),
      ...(channelRefundId !== undefined ? { channelRefundId } : {}), ...(limitedBy !== undefined ? { limitedBy } : {}),
    };
  });
}

/**
 * The settlement's reference of a refund, for people. Refunds settled before it was kept as data have
 * it only as the note of their `settled` step, which is exactly the reference (the settlement writes
 * nothing else there). It ties nothing: only `channelRefundId` does (refund-echoes.ts says why).
 */
export function settlementReference(doc: RefundRecord['doc']): string | undefined {
  return doc.reference ?? doc.history.find((x) => x.to === 'settled')?.note;
}

/**
 * When the order's last delivered parcel arrived, or null if none did. A fulfilment's `updated_at` is
 * written only when its state moves, and `delivered` is final, so for a delivered one it is the
 * moment of delivery (the decision time of the event that delivered it). Needed when the order as a
 * whole never reached `delivered` (another parcel lost), so its history has no delivery step.
 */
export async function lastParcelDeliveredAt(db: SqlExecutor, orderId: string): Promise<number | null> {
  const r = await db.get<{ at: string | null }>(`SELECT MAX(updated_at) AS at FROM fulfilments WHERE order_id = ? AND state = 'delivered'`, [orderId]);
  return r?.at ? Date.parse(r.at) : null;
}

/** Moves a refund only from the state the caller saw: the one who wins the row does the effect. */
export async function moveRefund(db: SqlExecutor, r: RefundRecord, from: RefundState, to: RefundState, at: string, note: { atMs: number; eventId: string; note?: string }, approvalId?: string | null): Promise<boolean> {
  const doc = { ...r.doc, history: [...r.doc.history, { at: note.atMs, to, eventId: note.eventId, ...(note.note ? { note: note.note } : {}) }] };
  const res = await db.run('UPDATE refunds SET state = ?, approval_id = COALESCE(?, approval_id), doc = ?, updated_at = ? WHERE id = ? AND state = ?', [to, approvalId ?? null, JSON.stringify(doc), at, r.id, from]);
  if (res.changes === 1) {
    r.state = to;
    r.doc = doc;
    if (approvalId) r.approvalId = approvalId;
  }
  return res.changes === 1;
}

// ── supplier claims ───────────────────────────────────────────────────────────────────────────

export async function insertSupplierClaim(db: SqlExecutor, c: { id: string; caseId: string; supplierId: string; amount: number; createdMs: number; doc: Record<string, unknown> }): Promise<boolean> {
  const r = await db.run(`INSERT INTO supplier_claims (id, case_id, supplier_id, amount, state, created_ms, doc) VALUES (?, ?, ?, ?, 'open', ?, ?) ON CONFLICT (case_id) DO NOTHING`, [
    c.id, c.caseId, c.supplierId, c.amount, c.createdMs, JSON.stringify(c.doc),
  ]);
  return r.changes === 1;
}

/** The supplier's answer to a claim (supplier.claim_answered), kept in the claim's document. */
export interface SupplierClaimAnswer {
  outcome: 'accepted' | 'rejected';
  creditAmount?: number;
  creditNoteRef?: string;
  reason?: string;
  /** When the supplier answered (as told), else when it was recorded. */
  answeredAt: number;
  recordedAt: number;
  by: string;
  eventId: string;
}

export interface SupplierClaimRecord {
  id: string;
  caseId: string;
  supplierId: string;
  amount: number;
  /** `open` until the supplier answers, then `accepted` or `rejected`. */
  state: string;
  createdMs: number;
  doc: Record<string, unknown> & { answer?: SupplierClaimAnswer };
}

interface RawClaim { id: string; case_id: string; supplier_id: string; amount: number; state: string; created_ms: number; doc: string }
const CLAIM_COLS = 'id, case_id, supplier_id, amount, state, created_ms, doc';
const toClaim = (r: RawClaim): SupplierClaimRecord => ({ id: r.id, caseId: r.case_id, supplierId: r.supplier_id, amount: Number(r.amount), state: r.state, createdMs: Number(r.created_ms), doc: JSON.parse(r.doc) });

export async function supplierClaimOfCase(db: SqlExecutor, caseId: string): Promise<SupplierClaimRecord | undefined> {
  const r = await db.get<RawClaim>(`SELECT ${CLAIM_COLS} FROM supplier_claims WHERE case_id = ?`, [caseId]);
  return r ? toClaim(r) : undefined;
}

export async function supplierClaimById(db: SqlExecutor, id: string): Promise<SupplierClaimRecord | undefined> {
  const r = await db.get<RawClaim>(`SELECT ${CLAIM_COLS} FROM supplier_claims WHERE id = ?`, [id]);
  return r ? toClaim(r) : undefined;
}

/** Records the supplier's answer, only on a claim still open: the one who wins the row does the effects. */
export async function answerSupplierClaim(db: SqlExecutor, c: SupplierClaimRecord, answer: SupplierClaimAnswer): Promise<boolean> {
  const doc = { ...c.doc, answer };
  const res = await db.run(`UPDATE supplier_claims SET state = ?, doc = ? WHERE id = ? AND state = 'open'`, [answer.outcome, JSON.stringify(doc), c.id]);
  if (res.changes === 1) {
    c.state = answer.outcome;
    c.doc = doc;
  }
  return res.changes === 1;
}

/**
 * Claims newest first, by state and supplier, paged by (created_ms, id). By supplier: the
 * supplier_claims_supplier index (004). By state alone no index: a claim is one per claimed case (a
 * few a day), and an index would cost every claim and answer a page for a list people open rarely.
 */
export async function querySupplierClaims(db: SqlExecutor, q: { state?: string; supplierId?: string; beforeMs?: number; beforeId?: string; limit: number }): Promise<SupplierClaimRecord[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.state) { where.push('state = ?'); args.push(q.state); }
  if (q.supplierId) { where.push('supplier_id = ?'); args.push(q.supplierId); }
  if (q.beforeMs !== undefined) {
    if (q.beforeId !== undefined) { where.push('(created_ms < ? OR (created_ms = ? AND id < ?))'); args.push(q.beforeMs, q.beforeMs, q.beforeId); }
    else { where.push('created_ms < ?'); args.push(q.beforeMs); }
  }
  const rows = await db.all<RawClaim>(`SELECT ${CLAIM_COLS} FROM supplier_claims${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_ms DESC, id DESC LIMIT ?`, [...args, q.limit]);
  return rows.map(toClaim);
}

// ── AI work queue ─────────────────────────────────────────────────────────────────────────────

export type AiTask = 'classify_return' | 'triage_ticket';

export async function queueAiWork(db: SqlExecutor, w: { id: string; task: AiTask; subjectRef: string; nowMs: number }): Promise<void> {
  await db.run(`INSERT INTO ai_work (id, task, subject_ref, state, attempts, next_attempt_ms, created_ms) VALUES (?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (task, subject_ref) DO NOTHING`, [
    w.id, w.task, w.subjectRef, w.nowMs, w.nowMs,
  ]);
}

export async function dueAiWork(db: SqlExecutor, nowMs: number, limit: number): Promise<Array<{ id: string; task: AiTask; subjectRef: string; attempts: number }>> {
  const rows = await db.all<{ id: string; task: string; subject_ref: string; attempts: number }>(
    `SELECT id, task, subject_ref, attempts FROM ai_work WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY created_ms, id LIMIT ?`,
    [nowMs, limit],
  );
  return rows.map((r) => ({ id: r.id, task: r.task as AiTask, subjectRef: r.subject_ref, attempts: Number(r.attempts) }));
}

export async function finishAiWork(db: SqlExecutor, id: string): Promise<void> {
  await db.run(`UPDATE ai_work SET state = 'done' WHERE id = ?`, [id]);
}

export async function retryAiWork(db: SqlExecutor, id: string, attempts: number, nextMs: number, error: string, dead: boolean): Promise<void> {
  await db.run('UPDATE ai_work SET attempts = ?, next_attempt_ms = ?, last_error = ?, state = ? WHERE id = ?', [attempts, nextMs, error.slice(0, 2000), dead ? 'failed' : 'pending', id]);
}

// ── tickets ───────────────────────────────────────────────────────────────────────────────────

export interface TicketRecord {
  id: string;
  source: string;
  externalTicketId: string;
  customerId: string | null;
  orderId: string | null;
  caseId: string | null;
  category: string | null;
  priority: string | null;
  state: 'open' | 'triaged';
  createdMs: number;
  doc: Record<string, unknown> & { text: string; history: Array<{ at: number; to: string; eventId: string; note?: string }> };
}

interface RawTicket { id: string; source: string; external_ticket_id: string; customer_id: string | null; order_id: string | null; case_id: string | null; category: string | null; priority: string | null; state: string; created_ms: number; doc: string }
const TICKET_COLS = 'id, source, external_ticket_id, customer_id, order_id, case_id, category, priority, state, created_ms, doc';
const toTicket = (r: RawTicket): TicketRecord => ({
  id: r.id, source: r.source, externalTicketId: r.external_ticket_id, customerId: r.customer_id, orderId: r.order_id, caseId: r.case_id, category: r.category,
  priority: r.priority, state: r.state as TicketRecord['state'], createdMs: Number(r.created_ms), doc: JSON.parse(r.doc) as TicketRecord['doc'],
});

export async function insertTicket(db: SqlExecutor, t: TicketRecord, at: string): Promise<boolean> {
  const r = await db.run(`INSERT INTO tickets (${TICKET_COLS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, external_ticket_id) DO NOTHING`, [
    t.id, t.source, t.externalTicketId, t.customerId, t.orderId, t.caseId, t.category, t.priority, t.state, t.createdMs, JSON.stringify(t.doc), at,
  ]);
  return r.changes === 1;
}

export async function saveTicket(db: SqlExecutor, t: TicketRecord, at: string): Promise<void> {
  await db.run('UPDATE tickets SET customer_id = ?, order_id = ?, case_id = ?, category = ?, priority = ?, state = ?, doc = ?, updated_at = ? WHERE id = ?', [
    t.customerId, t.orderId, t.caseId, t.category, t.priority, t.state, JSON.stringify(t.doc), at, t.id,
  ]);
}

export async function ticketById(db: SqlExecutor, id: string): Promise<TicketRecord | undefined> {
  const r = await db.get<RawTicket>(`SELECT ${TICKET_COLS} FROM tickets WHERE id = ?`, [id]);
  return r ? toTicket(r) : undefined;
}

export async function queryTickets(db: SqlExecutor, q: { category?: string; priority?: string; state?: string; limit: number }): Promise<TicketRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.category) { where.push('category = ?'); params.push(q.category); }
  if (q.priority) { where.push('priority = ?'); params.push(q.priority); }
  if (q.state) { where.push('state = ?'); params.push(q.state); }
  params.push(q.limit);
  return (await db.all<RawTicket>(`SELECT ${TICKET_COLS} FROM tickets ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_ms DESC, id LIMIT ?`, params)).map(toTicket);
}

// ── anomalies ─────────────────────────────────────────────────────────────────────────────────

export interface AnomalyRecord {
  id: string;
  kind: string;
  key: string;
  day: string;
  score: number;
  explanation: string;
  detectedMs: number;
  doc: Record<string, unknown>;
}

/** One finding per (kind, key, day): a rescan of the same history reports nothing new. */
export async function insertAnomaly(db: SqlExecutor, a: AnomalyRecord): Promise<boolean> {
  const r = await db.run(
    'INSERT INTO anomalies (id, kind, anomaly_key, day, score, explanation, detected_ms, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, anomaly_key, day) DO NOTHING',
    [a.id, a.kind, a.key, a.day, a.score, a.explanation, a.detectedMs, JSON.stringify(a.doc)],
  );
  return r.changes === 1;
}

/**
 * Anomalies newest first, and within one scan's findings (one detection time) the highest score first.
 * Paged after a row (`beforeMs` and `beforeId`, the last row shown): the rows after it in that order —
 * older ones, or of its time with a lower score, or its score and a later id. `beforeMs` alone: strictly older.
 */
export async function queryAnomalies(db: SqlExecutor, q: { kind?: string; key?: string; beforeMs?: number; beforeId?: string; limit: number }): Promise<AnomalyRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.kind) { where.push('kind = ?'); params.push(q.kind); }
  if (q.key) { where.push('anomaly_key = ?'); params.push(q.key); }
  if (q.beforeMs !== undefined && q.beforeId !== undefined) {
    // The row's score read back by its id; an id that names no row of that time continues strictly older.
    const score = '(SELECT c.score FROM anomalies c WHERE c.id = ? AND c.detected_ms = ?)';
    where.push(`(detected_ms < ? OR (detected_ms = ? AND (score < ${score} OR (score = ${score} AND id > ?))))`);
    params.push(q.beforeMs, q.beforeMs, q.beforeId, q.beforeMs, q.beforeId, q.beforeMs, q.beforeId);
  } else if (q.beforeMs !== undefined) { where.push('detected_ms < ?'); params.push(q.beforeMs); }
  params.push(q.limit);
  const rows = await db.all<{ id: string; kind: string; anomaly_key: string; day: string; score: number; explanation: string; detected_ms: number; doc: string }>(
    `SELECT id, kind, anomaly_key, day, score, explanation, detected_ms, doc FROM anomalies ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY detected_ms DESC, score DESC, id LIMIT ?`,
    params,
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, key: r.anomaly_key, day: r.day, score: Number(r.score), explanation: r.explanation, detectedMs: Number(r.detected_ms), doc: JSON.parse(r.doc) }));
}
