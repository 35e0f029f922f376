import type { SqlExecutor, Tx } from '../port.js';
import type { CountedLevel, StockLevel } from '../../domain/inventory/stock.js';
import type { CountTimes } from '../../domain/inventory/count-time.js';
import type { StockVerification } from '../../domain/sourcing/failed-locations.js';
import { multiRowSql, rowChunks } from './row-chunks.js';
import { markAvailabilityDirty, noteMarkedDirty, PG_REMARK_DIRTY } from './availability.js';
import { getLocation } from './masterdata.js';
import { holdRows } from './held-writes.js';

interface StockRow {
  sku: string;
  location_id: string;
  on_hand: number;
  reserved: number;
  protected: number;
  safety_stock: number;
}

const toLevel = (r: StockRow): StockLevel => ({
  sku: r.sku,
  locationId: r.location_id,
  onHand: Number(r.on_hand),
  reserved: Number(r.reserved),
  protected: Number(r.protected),
  safetyStock: Number(r.safety_stock),
});

export async function getStock(db: SqlExecutor, sku: string, locationId: string): Promise<StockLevel | undefined> {
  const r = await db.get<StockRow>('SELECT sku, location_id, on_hand, reserved, protected, safety_stock FROM stock WHERE sku = ? AND location_id = ?', [sku, locationId]);
  return r ? toLevel(r) : undefined;
}

/**
 * What a stock count needs before it writes, in one statement: whether the location is known, and
 * what is held of the counted skus there. On PostgreSQL each statement is a round trip (~0.15–0.25 ms
 * on loopback): asking for the location on its own was one of five per count. The rows come back
 * as one JSON text, as in stockRows.
 */
export async function countedStockAt(db: SqlExecutor, locationId: string, skus: readonly string[]): Promise<{ known: boolean; held: Map<string, StockLevel> }> {
  const { known, held } = await countedRowsAt(db, locationId, skus);
  const levels = new Map<string, StockLevel>();
  for (const [sku, r] of held) levels.set(sku, { sku, locationId: r.locationId, onHand: r.onHand, reserved: r.reserved, protected: r.protected, safetyStock: r.safetyStock });
  return { known, held: levels };
}

/** countedStockAt with each row's count times (count-time.ts): what a count or an adjustment decides on. */
export async function countedRowsAt(db: SqlExecutor, locationId: string, skus: readonly string[]): Promise<{ known: boolean; held: Map<string, CountedRow> }> {
  const unique = [...new Set(skus)];
  const held = new Map<string, CountedRow>();
  const ahead = keptCounts(db, locationId);
  if (ahead && unique.every((sku) => ahead.skus.has(sku))) {
    for (const sku of unique) {
      const level = ahead.held.get(sku);
      if (level) held.set(sku, level);
    }
    return { known: true, held };
  }
  let known = false;
  for (let i = 0; i === 0 || i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    const inList = chunk.length > 0 ? `sku IN (${chunk.map(() => '?').join(', ')})` : '1 = 0';
    const r = await db.get<{ known: number | boolean; rows: string }>(
      `SELECT EXISTS (SELECT 1 FROM locations WHERE id = ?) AS known, ${packedCounted(db)} AS rows FROM stock WHERE location_id = ? AND ${inList}`,
      [locationId, locationId, ...chunk],
    );
    known = Boolean(r?.known);
    if (!known) return { known, held };
    for (const level of unpackCounted(r?.rows)) held.set(level.sku, level);
  }
  return { known, held };
}

/**
 * What a batch's stock counts will read (countedStockAt), read ahead in one statement and kept for
 * the transaction: on PostgreSQL each count's own read was one of its two round trips. Only known
 * locations are kept (an unknown one is read, and refused, by its own count: it may be created by an
 * event earlier in the batch). A count's own write (putCounted; setOnHand through it) updates what is
 * kept of its location (keepWrittenCounts); every other write to a location's stock drops it
 * (forgetCountedAt, called by each writer below), so a count reads what an earlier event of the
 * batch wrote; a savepoint's rollback drops everything kept. Adjustments read the same rows
 * (adjustedStockAt). SQLite has no round
 * trip to save: nothing is read ahead there. Past `KEEP_COUNTED_PAIRS` skus × locations the rest
 * read for themselves (a full count of a large store is one event of its own).
 */
export async function keepCountedStock(tx: Tx, counts: ReadonlyArray<{ locationId: string; skus: readonly string[] }>): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  const wanted = new Map<string, Set<string>>();
  let pairs = 0;
  for (const { locationId, skus } of counts) {
    if (tx.kept.has(COUNTED + locationId)) continue;
    const set = wanted.get(locationId) ?? new Set<string>();
    const before = set.size;
    for (const sku of skus) set.add(sku);
    if (pairs + set.size - before > KEEP_COUNTED_PAIRS) break;
    pairs += set.size - before;
    wanted.set(locationId, set);
  }
  if (wanted.size === 0) return;
  const pairLocations: string[] = [];
  const pairSkus: string[] = [];
  for (const [locationId, skus] of wanted) {
    for (const sku of skus) {
      pairLocations.push(locationId);
      pairSkus.push(sku);
    }
  }
  const r = await tx.get<{ known: string; rows: string }>(KEEP_COUNTED_SQL, [[...wanted.keys()], pairLocations, pairSkus]);
  const known = new Set(JSON.parse(r?.known ?? '[]') as string[]);
  for (const [locationId, skus] of wanted) {
    if (known.has(locationId)) tx.kept.set(COUNTED + locationId, { skus, held: new Map() } satisfies KeptCounts);
  }
  for (const level of unpackCounted(r?.rows)) keptCounts(tx, level.locationId)?.held.set(level.sku, level);
}

/** A stock row as a count reads it: the level, and when its count was taken and its on-hand last moved (count-time.ts). */
export type CountedRow = StockLevel & CountTimes;

/** Counted rows aggregated into one JSON text (an aggregate over `FROM stock`); read with `unpackCounted`. Routing reads `packedStock`, without the times. */
const packedCounted = (db: SqlExecutor) =>
  db.dialect === 'sqlite'
    ? `json_group_array(json_array(sku, location_id, on_hand, reserved, protected, safety_stock, counted_ms, moved_ms))`
    : `COALESCE(json_agg(json_build_array(sku, location_id, on_hand, reserved, protected, safety_stock, counted_ms, moved_ms)), '[]'::json)::text`;

function unpackCounted(text: string | undefined): CountedRow[] {
  const out: CountedRow[] = [];
  for (const row of JSON.parse(text ?? '[]') as Array<[...PackedStockRow, number | string | null, number | string | null]>) {
    const [sku, locationId, onHand, reserved, protectedQty, safetyStock, countedMs, movedMs] = row;
    out.push({
      sku, locationId, onHand: Number(onHand), reserved: Number(reserved), protected: Number(protectedQty), safetyStock: Number(safetyStock),
      countedMs: countedMs === null ? null : Number(countedMs), movedMs: movedMs === null ? null : Number(movedMs),
    });
  }
  return out;
}

const KEEP_COUNTED_PAIRS = 10_000;
const KEEP_COUNTED_SQL = `SELECT
  (SELECT COALESCE(json_agg(id), '[]'::json)::text FROM locations WHERE id = ANY(?::text[])) AS known,
  (SELECT COALESCE(json_agg(json_build_array(s.sku, s.location_id, s.on_hand, s.reserved, s.protected, s.safety_stock, s.counted_ms, s.moved_ms)), '[]'::json)::text
     FROM unnest(?::text[], ?::text[]) AS w (location_id, sku) JOIN stock s ON s.location_id = w.location_id AND s.sku = w.sku) AS rows`;

/** A location's counted skus as read ahead: which skus were asked for, and the rows of those that exist. */
interface KeptCounts {
  skus: ReadonlySet<string>;
  held: Map<string, CountedRow>;
}
const COUNTED = 'counted-stock:';
const keptCounts = (db: SqlExecutor, locationId: string) => (db as Partial<Tx>).kept?.get(COUNTED + locationId) as KeptCounts | undefined;

/**
 * A count's write, applied to what was read ahead of its location (so the next count there needs no
 * read): on-hand, protected and safety stock as written, reservations as they were (0 for a new row).
 */
function keepWrittenCounts(db: SqlExecutor, locationId: string, levels: readonly CountedLevel[], countedMs: number | null): void {
  const ahead = keptCounts(db, locationId);
  if (!ahead) return;
  for (const l of levels) {
    if (!ahead.skus.has(l.sku)) continue;
    const before = ahead.held.get(l.sku);
    ahead.held.set(l.sku, {
      sku: l.sku, locationId, onHand: l.onHand, reserved: before?.reserved ?? 0, protected: l.protected, safetyStock: l.safetyStock,
      countedMs: countedMs ?? before?.countedMs ?? null, movedMs: before?.movedMs ?? null,
    });
  }
}

/**
 * Called by every other writer of a location's stock: what was read ahead of it is no longer what is
 * held — for counts there, and for the batch's new orders (keepOrderStock) anywhere.
 */
function forgetCountedAt(db: SqlExecutor, locationId: string): void {
  const kept = (db as Partial<Tx>).kept;
  kept?.delete(COUNTED + locationId);
  kept?.delete(ORDER_STOCK);
}

/**
 * A batch's new orders' stock, read ahead with their facts (keepNewOrderFacts, PostgreSQL): every
 * location's row of each sku of the batch's orders, so routing an order reads nothing. A
 * reservation held back on it (reserveAllIfSellable) moves what is kept; every other writer of stock
 * drops it all (forgetCountedAt, putCounted), and orders then read their stock as before. A
 * savepoint's rollback drops it with everything kept.
 */
export function keepOrderStock(tx: Tx, skus: Iterable<string>, levels: readonly StockLevel[]): void {
  const bySku = new Map<string, StockLevel[]>();
  for (const sku of skus) bySku.set(sku, []);
  for (const l of levels) bySku.get(l.sku)?.push({ ...l });
  tx.kept.set(ORDER_STOCK, bySku);
}

/** Every location's stock of these skus as stockOfSkus reads it, from what the batch read ahead; undefined when it does not cover them all. */
export function orderStockAhead(db: SqlExecutor, skus: readonly string[]): StockLevel[] | undefined {
  const kept = keptOrderStock(db);
  if (!kept) return undefined;
  const out: StockLevel[] = [];
  for (const sku of new Set(skus)) {
    const rows = kept.get(sku);
    if (!rows) return undefined;
    for (const l of rows) out.push({ ...l });
  }
  return sortStock(out);
}

const ORDER_STOCK = 'order-stock';
const keptOrderStock = (db: SqlExecutor) => (db as Partial<Tx>).kept?.get(ORDER_STOCK) as Map<string, StockLevel[]> | undefined;


/**
 * What an adjustment needs before it writes: whether the location is known, and its row of the sku
 * (undefined: none yet). From what the batch read ahead when it covers the sku; else on PostgreSQL in
 * one statement (countedStockAt), on SQLite as the location kept for the transaction and a keyed read
 * of the row (cheaper there than the packed read).
 */
export async function adjustedStockAt(db: SqlExecutor, locationId: string, sku: string): Promise<{ known: boolean; level: CountedRow | undefined }> {
  if (db.dialect === 'postgres' || keptCounts(db, locationId)?.skus.has(sku)) {
    const { known, held } = await countedRowsAt(db, locationId, [sku]);
    return { known, level: held.get(sku) };
  }
  if (!(await getLocation(db, locationId))) return { known: false, level: undefined };
  const r = await db.get<StockRow & { counted_ms: number | string | null; moved_ms: number | string | null }>(
    'SELECT sku, location_id, on_hand, reserved, protected, safety_stock, counted_ms, moved_ms FROM stock WHERE sku = ? AND location_id = ?', [sku, locationId]);
  if (!r) return { known: true, level: undefined };
  return { known: true, level: { ...toLevel(r), countedMs: r.counted_ms === null ? null : Number(r.counted_ms), movedMs: r.moved_ms === null ? null : Number(r.moved_ms) } };
}

/**
 * Stock rows matching a WHERE clause. On SQLite they come back as one JSON text: each value
 * better-sqlite3 hands over costs more than the read itself (27 rows of 6 columns: ~80 µs as row
 * objects, ~17 µs as one JSON array parsed by V8).
 */
async function stockRows(db: SqlExecutor, where: string, params: unknown[]): Promise<StockLevel[]> {
  if (db.dialect === 'sqlite') {
    const packed = await db.get<{ rows: string }>(`SELECT ${packedStock(db)} AS rows FROM stock WHERE ${where}`, params);
    return unpack(packed?.rows);
  }
  const rows = await db.all<StockRow>(`SELECT sku, location_id, on_hand, reserved, protected, safety_stock FROM stock WHERE ${where}`, params);
  return rows.map(toLevel);
}

/**
 * Every location's stock of some skus, ordered by sku then location. No ORDER BY in SQL: with an IN
 * list SQLite sorts through a temporary b-tree, which costs as much as the read; the order is made
 * here instead (the router reads this for every order).
 */
export async function stockOfSkus(db: SqlExecutor, skus: readonly string[]): Promise<StockLevel[]> {
  const unique = [...new Set(skus)];
  const out: StockLevel[] = [];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    out.push(...(await stockRows(db, `sku IN (${chunk.map(() => '?').join(', ')})`, chunk)));
  }
  return sortStock(out);
}

/** In stockOfSkus' order: by sku, then location. */
const sortStock = (levels: StockLevel[]): StockLevel[] =>
  levels.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0));

/** Stock rows aggregated into one JSON text (an aggregate over `FROM stock`); read with `unpack`. */
const packedStock = (db: SqlExecutor) =>
  db.dialect === 'sqlite'
    ? `json_group_array(json_array(sku, location_id, on_hand, reserved, protected, safety_stock))`
    : `COALESCE(json_agg(json_build_array(sku, location_id, on_hand, reserved, protected, safety_stock)), '[]'::json)::text`;

/**
 * `stockOfSkus` as one column of a bigger statement (a new order's facts read it with its history:
 * one round trip less per order on PostgreSQL), with its parameters; `stockOfSkusFrom` reads the
 * column. At most 500 skus (null beyond: read them with stockOfSkus).
 */
export function stockOfSkusColumn(db: SqlExecutor, skus: readonly string[]): { sql: string; params: string[] } | null {
  const unique = [...new Set(skus)];
  if (unique.length === 0 || unique.length > 500) return null;
  return { sql: `(SELECT ${packedStock(db)} FROM stock WHERE sku IN (${unique.map(() => '?').join(', ')}))`, params: unique };
}

export const stockOfSkusFrom = (column: string | null | undefined): StockLevel[] => sortStock(unpack(column ?? '[]'));

/** A stock row as packed in one JSON text: sku, location, on hand, reserved, protected, safety stock. */
type PackedStockRow = [string, string, number | string, number | string, number | string, number | string];

function unpack(text: string | undefined): StockLevel[] {
  const out: StockLevel[] = [];
  for (const [sku, locationId, onHand, reserved, protectedQty, safetyStock] of JSON.parse(text ?? '[]') as PackedStockRow[]) {
    out.push({ sku, locationId, onHand: Number(onHand), reserved: Number(reserved), protected: Number(protectedQty), safetyStock: Number(safetyStock) });
  }
  return out;
}

export interface StockQuery {
  sku?: string;
  locationId?: string;
  skus?: readonly string[];
  limit: number;
  after?: { sku: string; locationId: string };
}

export async function queryStock(db: SqlExecutor, q: StockQuery): Promise<StockLevel[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.sku) { where.push('sku = ?'); params.push(q.sku); }
  if (q.locationId) { where.push('location_id = ?'); params.push(q.locationId); }
  if (q.skus && q.skus.length > 0) { where.push(`sku IN (${q.skus.map(() => '?').join(', ')})`); params.push(...q.skus); }
  if (q.after) { where.push('(sku > ? OR (sku = ? AND location_id > ?))'); params.push(q.after.sku, q.after.sku, q.after.locationId); }
  params.push(q.limit);
  const rows = await db.all<StockRow>(
    `SELECT sku, location_id, on_hand, reserved, protected, safety_stock FROM stock ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY sku, location_id LIMIT ?`,
    params,
  );
  return rows.map(toLevel);
}

/**
 * Writes a snapshot's counted levels at one location: on-hand, protected and safety stock as given,
 * reservations kept; a new row starts unreserved. With `dirtySinceMs` the written skus are also
 * marked for the availability publisher (markAvailabilityDirty). On SQLite as multi-row upserts and
 * a statement for the marks. On PostgreSQL one statement does both (the upsert's RETURNING feeds the
 * marks, with markAvailabilityDirty's generation bump), and in a transaction it is held back
 * (`Tx.beforeNextStatement`) and goes out with the counts written after it: a batch of counts at
 * different locations costs one round trip for all their writes instead of one each. Anything the
 * transaction sends next — a read, another write, the commit — sends them first, so nothing reads
 * around them.
 */
export async function putCounted(db: SqlExecutor, locationId: string, levels: readonly CountedLevel[], at: string, dirtySinceMs?: number, count?: CountWritten): Promise<void> {
  if (levels.length === 0) return;
  const countedMs = count?.takenMs ?? null;
  const marks = (l: CountedLevel) => dirtySinceMs !== undefined && (!count || count.changed.has(l.sku));
  keepWrittenCounts(db, locationId, levels, countedMs);
  (db as Partial<Tx>).kept?.delete(ORDER_STOCK);
  if (db.dialect === 'postgres') {
    const rows = levels.map((l): HeldCount => ({ ...l, locationId, at, since: marks(l) ? dirtySinceMs! : null, countedMs }));
    if (!holdRows(db, 'stock', 'counts', rows, (held) => writeCounted(db, held))) await writeCounted(db, rows);
    // Marked by the time any later statement runs (see above), so later marks of these skus may skip.
    if (dirtySinceMs !== undefined) noteMarkedDirty(db, levels.filter(marks).map((l) => l.sku));
    return;
  }
  for (const chunk of rowChunks(levels, db.dialect)) {
    const params: unknown[] = [];
    for (const l of chunk) params.push(l.sku, locationId, l.onHand, l.protected, l.safetyStock, at, countedMs);
    await db.run(PUT_COUNTED_SQL(chunk.length), params);
    // The journal before the count is in the count: no later count of these rows can need it (an older one is stale).
    if (countedMs !== null) {
      await db.run(`DELETE FROM stock_moves WHERE location_id = ? AND sku IN (${chunk.map(() => '?').join(', ')}) AND moved_ms <= ?`, [locationId, ...chunk.map((l) => l.sku), countedMs]);
    }
  }
  const marked = levels.filter(marks);
  if (dirtySinceMs !== undefined && marked.length > 0) await markAvailabilityDirty(db, marked.map((l) => l.sku), dirtySinceMs);
}

/**
 * A count's write: when it was taken (stored as the rows' `counted_ms`, and the journal up to it
 * pruned), and which skus it changed — a count also writes the lines it only confirmed (their count
 * time must move on, or an older count arriving later would not be seen as stale), but only the
 * changed ones change any channel's availability.
 */
export interface CountWritten {
  takenMs: number;
  changed: ReadonlySet<string>;
}

/** A counted level waiting to be written (PostgreSQL), with its location, time, availability mark time (null: no mark) and count time (null: an adjustment's write, the row's count time kept). */
type HeldCount = CountedLevel & { locationId: string; at: string; since: number | null; countedMs: number | null };

/**
 * PostgreSQL: counted levels, of any number of locations, in one statement, with the result the
 * same writes one after the other would have had: a sku counted twice at one location keeps its last
 * count (one statement may not write a row twice), and a sku's availability mark the time of the
 * first count that marked it (a later mark of a marked sku only bumps its generation).
 */
async function writeCounted(db: SqlExecutor, rows: readonly HeldCount[]): Promise<void> {
  const last = new Map<string, HeldCount>();
  const since = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.sku}\u0000${r.locationId}`;
    // An adjustment after a count of the row keeps the count's time (as one after the other would).
    const counted = r.countedMs ?? last.get(key)?.countedMs ?? null;
    last.set(key, { ...r, countedMs: counted });
    if (r.since !== null && !since.has(r.sku)) since.set(r.sku, r.since);
  }
  const columns: unknown[][] = [[], [], [], [], [], [], [], []];
  for (const r of last.values()) {
    const values = [r.sku, r.locationId, r.onHand, r.protected, r.safetyStock, r.at, since.get(r.sku) ?? null, r.countedMs];
    for (let i = 0; i < values.length; i++) columns[i]!.push(values[i]);
  }
  await db.run(WRITE_COUNTED_SQL, columns);
}

const WRITE_COUNTED_SQL = `WITH v AS (
    SELECT * FROM unnest(?::text[], ?::text[], ?::int[], ?::int[], ?::int[], ?::text[], ?::bigint[], ?::bigint[])
      AS v (sku, location_id, on_hand, protected, safety_stock, updated_at, since, counted_ms)),
  written AS (
    INSERT INTO stock (sku, location_id, on_hand, reserved, protected, safety_stock, updated_at, counted_ms)
    SELECT sku, location_id, on_hand, 0, protected, safety_stock, updated_at, counted_ms FROM v
    ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = excluded.on_hand, protected = excluded.protected,
      safety_stock = excluded.safety_stock, updated_at = excluded.updated_at, counted_ms = COALESCE(excluded.counted_ms, stock.counted_ms)
    RETURNING sku),
  pruned AS (
    DELETE FROM stock_moves m USING v WHERE v.counted_ms IS NOT NULL AND m.location_id = v.location_id AND m.sku = v.sku AND m.moved_ms <= v.counted_ms)
  INSERT INTO availability_dirty (sku, since_ms)
    SELECT v.sku, MIN(v.since) FROM v WHERE v.since IS NOT NULL AND v.sku IN (SELECT sku FROM written) GROUP BY v.sku
    ${PG_REMARK_DIRTY}`;

const PUT_COUNTED_SQL = multiRowSql(
  'INSERT INTO stock (sku, location_id, on_hand, reserved, protected, safety_stock, updated_at, counted_ms)',
  '(?, ?, ?, 0, ?, ?, ?, ?)',
  ` ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = excluded.on_hand, protected = excluded.protected,
     safety_stock = excluded.safety_stock, updated_at = excluded.updated_at, counted_ms = COALESCE(excluded.counted_ms, stock.counted_ms)`,
);

/**
 * Sets on-hand at one location (an adjustment's result): protected and safety stock kept, a new row
 * starts with 0 of each and unreserved. With `dirtySinceMs` the sku is also marked for the
 * availability publisher. On PostgreSQL, when the batch read the row ahead (keepCountedStock), it is
 * written as a count of it would be — held back and merged with the batch's other counted writes
 * (putCounted) — and what was read ahead moves with it, so the next adjustment of the sku there reads
 * nothing either.
 */
export async function setOnHand(db: SqlExecutor, sku: string, locationId: string, onHand: number, at: string, dirtySinceMs?: number): Promise<void> {
  const ahead = keptCounts(db, locationId);
  if (db.dialect === 'postgres' && ahead?.skus.has(sku) && (db as Partial<Tx>).beforeNextStatement) {
    const before = ahead.held.get(sku);
    await putCounted(db, locationId, [{ sku, onHand, protected: before?.protected ?? 0, safetyStock: before?.safetyStock ?? 0 }], at, dirtySinceMs);
    return;
  }
  forgetCountedAt(db, locationId);
  await db.run(
    `INSERT INTO stock (sku, location_id, on_hand, reserved, protected, safety_stock, updated_at) VALUES (?, ?, ?, 0, 0, 0, ?)
     ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = excluded.on_hand, updated_at = excluded.updated_at`,
    [sku, locationId, onHand, at],
  );
  if (dirtySinceMs !== undefined) await markAvailabilityDirty(db, [sku], dirtySinceMs);
}

/**
 * Reserves qty only if it is sellable right now, in one conditional statement: the database
 * re-checks the condition under the row lock, so concurrent reservations can never oversell.
 */
export async function reserveIfSellable(db: SqlExecutor, sku: string, locationId: string, qty: number, at: string): Promise<boolean> {
  forgetCountedAt(db, locationId);
  const r = await db.run(
    `UPDATE stock SET reserved = reserved + ?, updated_at = ? WHERE sku = ? AND location_id = ? AND on_hand - reserved - protected >= ?`,
    [qty, at, sku, locationId, qty],
  );
  return r.changes === 1;
}

/**
 * Reserves several quantities, each only if it is sellable right now; true when every one was
 * reserved. A false leaves the ones that could be reserved reserved: the caller throws, and its
 * transaction (or savepoint) takes them back, as with reserveIfSellable line by line. Quantities of
 * the same sku and location are added up first, so their sum is what must be sellable. On SQLite a
 * statement per sku and location (each a few µs); on PostgreSQL one conditional UPDATE for all of
 * them (a statement there is a round trip), re-checked under each row's lock as on SQLite. With
 * `dirtySinceMs` the reserved skus are also marked for the availability publisher (on PostgreSQL in
 * the same statement).
 */
export async function reserveAllIfSellable(db: SqlExecutor, wants: ReadonlyArray<{ sku: string; locationId: string; qty: number }>, at: string, dirtySinceMs?: number): Promise<boolean> {
  const byKey = new Map<string, { sku: string; locationId: string; qty: number }>();
  for (const w of wants) {
    const key = `${w.sku}\u0000${w.locationId}`;
    const seen = byKey.get(key);
    if (seen) seen.qty += w.qty;
    else byKey.set(key, { ...w });
  }
  const all = [...byKey.values()];
  if (dirtySinceMs !== undefined && holdReservations(db, all, at, dirtySinceMs)) return true;
  for (const w of all) forgetCountedAt(db, w.locationId);
  if (db.dialect === 'sqlite') {
    for (const w of all) if (!(await reserveIfSellable(db, w.sku, w.locationId, w.qty, at))) return false;
    if (dirtySinceMs !== undefined) await markAvailabilityDirty(db, all.map((w) => w.sku), dirtySinceMs);
    return true;
  }
  for (const chunk of rowChunks(all, db.dialect)) {
    const params: unknown[] = [at];
    for (const w of chunk) params.push(w.sku, w.locationId, w.qty);
    if (dirtySinceMs === undefined) {
      if ((await db.run(RESERVE_ALL_SQL(chunk.length), params)).changes !== chunk.length) return false;
    } else {
      params.push(dirtySinceMs);
      const r = await db.get<{ reserved: number | string }>(RESERVE_ALL_AND_MARK_SQL(chunk.length), params);
      if (Number(r?.reserved) !== chunk.length) return false;
    }
  }
  if (dirtySinceMs !== undefined) noteMarkedDirty(db, all.map((w) => w.sku));
  return true;
}

/**
 * PostgreSQL, in a transaction, when the batch read ahead the stock routing decided on
 * (keepOrderStock) and it shows every quantity sellable: the reservations are held back
 * (`Tx.beforeNextStatement`) and go out with the batch's other held reservations in one conditional
 * statement, and what is kept moves with them — a batch of orders costs one round trip for all their
 * reservations instead of one each. The database still re-checks every row under its lock when they
 * go out: if stock moved meanwhile (another transaction's reservation), that statement fails as
 * HeldWriteFailed and the dispatcher runs the batch again event by event, where the order whose
 * stock moved is retried on fresh stock as before. False: not held (written at once by the caller).
 */
function holdReservations(db: SqlExecutor, wants: ReadonlyArray<{ sku: string; locationId: string; qty: number }>, at: string, dirtySinceMs: number): boolean {
  const tx = db as Partial<Tx>;
  const kept = keptOrderStock(db);
  if (db.dialect !== 'postgres' || !kept || !tx.beforeNextStatement || !tx.kept) return false;
  const levels: StockLevel[] = [];
  for (const w of wants) {
    const level = kept.get(w.sku)?.find((l) => l.locationId === w.locationId);
    if (!level || level.onHand - level.reserved - level.protected < w.qty) return false;
    levels.push(level);
  }
  for (let i = 0; i < wants.length; i++) levels[i]!.reserved += wants[i]!.qty;
  for (const w of wants) tx.kept.delete(COUNTED + w.locationId);
  holdRows(db, 'stock', 'reservations', wants.map((w): HeldReservation => ({ ...w, at, since: dirtySinceMs })), (held) => writeReservations(db, held));
  noteMarkedDirty(db, wants.map((w) => w.sku));
  return true;
}

type HeldReservation = { sku: string; locationId: string; qty: number; at: string; since: number };

/**
 * Held reservations in one statement, with the result the same reservations made one after the
 * other would have had: quantities of one row added up (one statement may not update a row twice)
 * and the sum re-checked as sellable, the row's time the last one's, a sku's availability mark the
 * time of the first reservation that marked it. Throws when any row was not reserved — the
 * transaction is then rolled back (HeldWriteFailed).
 */
async function writeReservations(db: SqlExecutor, rows: readonly HeldReservation[]): Promise<void> {
  const byRow = new Map<string, HeldReservation>();
  const since = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.sku}\u0000${r.locationId}`;
    const seen = byRow.get(key);
    byRow.set(key, seen ? { ...r, qty: seen.qty + r.qty } : { ...r });
    if (!since.has(r.sku)) since.set(r.sku, r.since);
  }
  const columns: unknown[][] = [[], [], [], []];
  for (const r of byRow.values()) {
    columns[0]!.push(r.sku);
    columns[1]!.push(r.locationId);
    columns[2]!.push(r.qty);
    columns[3]!.push(r.at);
  }
  const got = await db.get<{ reserved: number | string }>(WRITE_RESERVATIONS_SQL, [...columns, [...since.keys()], [...since.values()]]);
  if (Number(got?.reserved) !== byRow.size) throw new Error(`stock of ${byRow.size - Number(got?.reserved)} of ${byRow.size} held reservations changed before they were written`);
}

const WRITE_RESERVATIONS_SQL = `WITH v AS (
    SELECT * FROM unnest(?::text[], ?::text[], ?::int[], ?::text[]) AS v (sku, location_id, qty, updated_at)),
  reserved AS (
    UPDATE stock AS s SET reserved = s.reserved + v.qty, updated_at = v.updated_at FROM v
    WHERE s.sku = v.sku AND s.location_id = v.location_id AND s.on_hand - s.reserved - s.protected >= v.qty
    RETURNING s.sku),
  marked AS (
    INSERT INTO availability_dirty (sku, since_ms)
    SELECT m.sku, m.since FROM unnest(?::text[], ?::bigint[]) AS m (sku, since) WHERE m.sku IN (SELECT sku FROM reserved)
    ${PG_REMARK_DIRTY})
  SELECT COUNT(*) AS reserved FROM reserved`;

const RESERVE_ALL_HEAD = 'UPDATE stock AS s SET reserved = s.reserved + v.qty, updated_at = ? FROM (';
const RESERVE_ALL_ROW = '(?, ?, CAST(? AS INTEGER))';
const RESERVE_ALL_TAIL = `) AS v (sku, location_id, qty)
   WHERE s.sku = v.sku AND s.location_id = v.location_id AND s.on_hand - s.reserved - s.protected >= v.qty`;
const RESERVE_ALL_SQL = multiRowSql(RESERVE_ALL_HEAD, RESERVE_ALL_ROW, RESERVE_ALL_TAIL);
/**
 * PostgreSQL: the reservations and the availability marks of their skus (markAvailabilityDirty's
 * generation bump) in one statement; it answers how many rows were reserved. When not all were,
 * the caller throws and its transaction takes the marks back with the reservations.
 */
const RESERVE_ALL_AND_MARK_SQL = multiRowSql(`WITH reserved AS (${RESERVE_ALL_HEAD}`, RESERVE_ALL_ROW, `${RESERVE_ALL_TAIL} RETURNING s.sku),
  marked AS (INSERT INTO availability_dirty (sku, since_ms) SELECT DISTINCT sku, CAST(? AS BIGINT) FROM reserved ${PG_REMARK_DIRTY})
  SELECT COUNT(*) AS reserved FROM reserved`);

/**
 * Reserves qty of which `protectedQty` comes out of the protected quantity (released by an approval):
 * one conditional statement, like reserveIfSellable — the protected part must still be protected and
 * the rest still sellable, re-checked under the row lock.
 */
export async function reserveIncludingProtected(db: SqlExecutor, sku: string, locationId: string, qty: number, protectedQty: number, at: string): Promise<boolean> {
  forgetCountedAt(db, locationId);
  const r = await db.run(
    `UPDATE stock SET reserved = reserved + ?, protected = protected - ?, updated_at = ?
     WHERE sku = ? AND location_id = ? AND protected >= ? AND on_hand - reserved - protected >= ?`,
    [qty, protectedQty, at, sku, locationId, protectedQty, qty - protectedQty],
  );
  return r.changes === 1;
}

/**
 * Takes units off the shelf (written off, or sold at the till), only if they are not promised to an
 * order: on_hand − reserved stays ≥ 0 (one conditional statement). `movedMs`: when the units left
 * (default: `at`), journaled and kept as the row's last movement at that time. Only on a row whose
 * count was not taken after it: that count already saw them gone (the till sale decides that on the
 * row it read, movementSuperseded; a count written since makes this false, and it is retried on
 * fresh stock). False: not enough unreserved stock, or counted since, nothing changed.
 */
export async function takeOffShelf(db: SqlExecutor, sku: string, locationId: string, qty: number, at: string, movedMs?: number): Promise<boolean> {
  const ms = movedMs ?? movedAt(at);
  // Only a movement timed by the caller can be older than the row's count (see consumeReserved).
  const counted = movedMs === undefined ? '' : ' AND (counted_ms IS NULL OR counted_ms <= CAST(? AS BIGINT))';
  const r = await moveOnHand(
    db,
    // Protected stock stays within what is left unreserved (on_hand − qty − reserved ≥ 0 by the
    // condition): above it, approved reallocations of protected stock there could never be reserved.
    `UPDATE stock SET on_hand = on_hand - ?, protected = CASE WHEN protected > on_hand - ? - reserved THEN on_hand - ? - reserved ELSE protected END, updated_at = ?, ${MOVED}
     WHERE sku = ? AND location_id = ? AND on_hand - reserved >= ?${counted}`,
    [qty, qty, qty, at, ms, ms, sku, locationId, qty, ...(movedMs === undefined ? [] : [movedMs])],
    { sku, locationId, delta: -qty, ms },
  );
  return r.changed;
}

export async function releaseReserved(db: SqlExecutor, sku: string, locationId: string, qty: number, at: string): Promise<void> {
  forgetCountedAt(db, locationId);
  await db.run(
    `UPDATE stock SET reserved = CASE WHEN reserved >= ? THEN reserved - ? ELSE 0 END, updated_at = ? WHERE sku = ? AND location_id = ?`,
    [qty, qty, at, sku, locationId],
  );
}

/**
 * A shipment takes reserved units off the shelf: on-hand and reserved both drop by qty. `movedMs`:
 * when the units left (default: `at`). A row whose count was taken after that already saw them
 * gone: only the reservation is consumed (it is over either way), on-hand stays, nothing is
 * journaled — decided in the statement, under the row's lock. Answers that count's time, or null
 * when on-hand moved.
 */
export async function consumeReserved(db: SqlExecutor, sku: string, locationId: string, qty: number, at: string, movedMs?: number): Promise<number | null> {
  const ms = movedMs ?? movedAt(at);
  const r = await moveOnHand(
    db,
    `UPDATE stock SET on_hand = CASE WHEN counted_ms > CAST(? AS BIGINT) THEN on_hand WHEN on_hand >= ? THEN on_hand - ? ELSE 0 END,
       reserved = CASE WHEN reserved >= ? THEN reserved - ? ELSE 0 END, updated_at = ?, ${MOVED} WHERE sku = ? AND location_id = ?`,
    // Untimed (`at` only): applied as booked, as always.
    [movedMs ?? null, qty, qty, qty, qty, at, ms, ms, sku, locationId],
    { sku, locationId, delta: -qty, ms },
  );
  return movedMs === undefined ? null : r.supersededBy;
}

/**
 * Receipts (a purchase order's, a transfer in) add to on-hand in one statement (no read-modify-write
 * across concurrent receipts). The row keeps when units last came in (`received_ms`): someone had the
 * goods in hand there, so a location that failed an order for them may be asked again (failedLocationsNow).
 * `movedMs`: when the goods came in (default: `at`); a row whose count was taken after that already
 * holds them, and is not added to again (decided in the statement). Answers that count's time, or null
 * when on-hand moved. `received_ms` is set either way, at `at`: someone had the goods in hand.
 */
export async function addOnHand(db: SqlExecutor, sku: string, locationId: string, qty: number, at: string, movedMs?: number): Promise<number | null> {
  const ms = movedMs ?? movedAt(at);
  const received = movedAt(at) ?? ms;
  const r = await moveOnHand(
    db,
    `INSERT INTO stock (sku, location_id, on_hand, reserved, protected, safety_stock, updated_at, moved_ms, received_ms) VALUES (?, ?, ?, 0, 0, 0, ?, ?, ?)
     ON CONFLICT (sku, location_id) DO UPDATE SET
       on_hand = CASE WHEN stock.counted_ms > CAST(? AS BIGINT) THEN stock.on_hand ELSE stock.on_hand + excluded.on_hand END, updated_at = excluded.updated_at,
       moved_ms = CASE WHEN stock.moved_ms IS NULL OR stock.moved_ms < excluded.moved_ms THEN excluded.moved_ms ELSE stock.moved_ms END,
       received_ms = CASE WHEN stock.received_ms IS NULL OR stock.received_ms < excluded.received_ms THEN excluded.received_ms ELSE stock.received_ms END`,
    // Untimed (`at` only): applied as booked, as always.
    [sku, locationId, qty, at, ms, received, movedMs ?? null],
    { sku, locationId, delta: qty, ms },
  );
  return movedMs === undefined ? null : r.supersededBy;
}

/**
 * When some locations' stock of some skus was last counted and last received (not when it last moved:
 * a shipment is no look at the shelf), in one statement: what decides whether a location that failed
 * an order may be asked again. Read only for orders some location failed.
 */
export async function stockVerifiedAt(db: SqlExecutor, wants: ReadonlyArray<{ locationId: string; skus: readonly string[] }>): Promise<StockVerification[]> {
  const where: string[] = [];
  const params: string[] = [];
  for (const w of wants) {
    if (w.skus.length === 0) continue;
    where.push(`(location_id = ? AND sku IN (${w.skus.map(() => '?').join(', ')}))`);
    params.push(w.locationId, ...w.skus);
  }
  if (where.length === 0) return [];
  const rows = await db.all<{ location_id: string; sku: string; counted_ms: number | string | null; received_ms: number | string | null }>(
    `SELECT location_id, sku, counted_ms, received_ms FROM stock WHERE ${where.join(' OR ')}`, params);
  return rows.map((r) => ({
    locationId: r.location_id, sku: r.sku,
    countedMs: r.counted_ms === null ? null : Number(r.counted_ms), receivedMs: r.received_ms === null ? null : Number(r.received_ms),
  }));
}

/**
 * Sets a row's last on-hand movement time (and the row's updated time is not touched). Ties and
 * reorderings keep the latest: movements of one row from different partitions may commit out of
 * time order. Two parameters: the movement's time, twice.
 */
const MOVED = 'moved_ms = CASE WHEN moved_ms IS NULL OR moved_ms < CAST(? AS BIGINT) THEN CAST(? AS BIGINT) ELSE moved_ms END';

/** As MOVED, for when units were last received or put on the shelf (`received_ms`). */
const RECEIVED = 'received_ms = CASE WHEN received_ms IS NULL OR received_ms < CAST(? AS BIGINT) THEN CAST(? AS BIGINT) ELSE received_ms END';

/**
 * A write that moves on-hand (a shipment, a till sale, a write-off, a receipt): the row's
 * `moved_ms` goes with it (in `write`, see MOVED), and when the row was counted before the movement
 * the movement is journaled, so a count taken before it and arriving after it can add it
 * (docs/orders.md, "Stock counts"). The movement's time is when it happened (the caller's
 * `movedMs`), not when it was booked: a movement booked after a count but made before it is no
 * later than that count — `write` leaves such a row's on-hand alone, and it is not journaled. On
 * PostgreSQL the journal row goes in the same statement (no round trip more); on SQLite it is a
 * second statement only for rows that were counted (a few µs). A row never counted journals nothing:
 * there is no count to roll forward from.
 */
async function moveOnHand(db: SqlExecutor, write: string, params: unknown[], move: Move): Promise<Written> {
  forgetCountedAt(db, move.locationId);
  return writeAndJournal(db, write, params, move);
}

/** A movement's time; null when `at` is no time (nothing is then journaled, and the row's moved time stays). */
type Move = { sku: string; locationId: string; delta: number; ms: number | null };

/**
 * What a movement's write did: whether it changed a row (a conditional write may not), and the time
 * of the row's count when that count was taken after the movement (so already saw it), else null.
 */
type Written = { changed: boolean; supersededBy: number | null };

function movedAt(at: string): number | null {
  const ms = Date.parse(at);
  return Number.isFinite(ms) ? ms : null;
}

const supersededBy = (counted: number | string | null | undefined, ms: number | null): number | null =>
  counted !== null && counted !== undefined && ms !== null && Number(counted) > ms ? Number(counted) : null;

async function writeAndJournal(db: SqlExecutor, write: string, params: unknown[], move: Move): Promise<Written> {
  if (db.dialect === 'postgres') {
    const r = await db.get<{ n: number | string; counted: number | string | null }>(
      `WITH u AS (${write} RETURNING location_id, sku, counted_ms),
         j AS (INSERT INTO stock_moves (location_id, sku, moved_ms, delta) SELECT location_id, sku, CAST(? AS BIGINT), CAST(? AS INTEGER) FROM u WHERE counted_ms < CAST(? AS BIGINT))
       SELECT COUNT(*) AS n, MAX(counted_ms) AS counted FROM u`,
      [...params, move.ms, move.delta, move.ms],
    );
    return { changed: Number(r?.n) > 0, supersededBy: supersededBy(r?.counted, move.ms) };
  }
  const r = await db.get<{ counted_ms: number | string | null }>(`${write} RETURNING counted_ms`, params);
  if (!r) return { changed: false, supersededBy: null };
  if (r.counted_ms !== null && move.ms !== null && Number(r.counted_ms) < move.ms) await journalMove(db, move);
  return { changed: true, supersededBy: supersededBy(r.counted_ms, move.ms) };
}

const journalMove = (db: SqlExecutor, move: Move) =>
  db.run('INSERT INTO stock_moves (location_id, sku, moved_ms, delta) VALUES (?, ?, ?, ?)', [move.locationId, move.sku, move.ms, move.delta]);

/**
 * An adjustment's movement, after its write (putCounted or setOnHand): the row's `moved_ms`, and the
 * journal when the row was counted before it (as moveOnHand). What a batch read ahead of the row
 * moves with it, so the next count or adjustment there still reads nothing.
 * Units added (a positive delta: found, put back, booked in) also set `received_ms`, in the same
 * statement, as a receipt does: someone had those units in hand on that shelf, so a location that
 * failed an order for the sku may be asked again (failedLocationsNow). A loss does not: it says the
 * record was too high, not what is there now.
 */
export async function noteMoved(db: SqlExecutor, sku: string, locationId: string, delta: number, ms: number): Promise<void> {
  const set = delta > 0 ? `${MOVED}, ${RECEIVED}` : MOVED;
  const params = delta > 0 ? [ms, ms, ms, ms, sku, locationId] : [ms, ms, sku, locationId];
  await writeAndJournal(db, `UPDATE stock SET ${set} WHERE sku = ? AND location_id = ?`, params, { sku, locationId, delta, ms });
  const kept = keptCounts(db, locationId)?.held.get(sku);
  if (kept && (kept.movedMs === null || kept.movedMs < ms)) kept.movedMs = ms;
}

/** Net on-hand moved at a location per sku after `sinceMs` (the journal: counted rows only, see moveOnHand). */
export async function movedSince(db: SqlExecutor, locationId: string, skus: readonly string[], sinceMs: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < skus.length; i += 500) {
    const chunk = skus.slice(i, i + 500);
    const rows = await db.all<{ sku: string; moved: number | string }>(
      `SELECT sku, SUM(delta) AS moved FROM stock_moves WHERE location_id = ? AND sku IN (${chunk.map(() => '?').join(', ')}) AND moved_ms > ? GROUP BY sku`,
      [locationId, ...chunk, sinceMs],
    );
    for (const r of rows) out.set(r.sku, Number(r.moved));
  }
  return out;
}

/** Journal rows of movements before `beforeMs`, at most `limit` (oldest first): what the retention job deletes. */
export async function pruneStockMoves(db: SqlExecutor, beforeMs: number, limit: number): Promise<number> {
  const r = await db.run(`DELETE FROM stock_moves WHERE id IN (SELECT id FROM stock_moves WHERE moved_ms < ? ORDER BY moved_ms LIMIT ?)`, [beforeMs, limit]);
  return r.changes;
}
