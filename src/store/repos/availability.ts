import type { SqlExecutor, Tx } from '../port.js';
import { multiRowSql, rowChunks } from './row-chunks.js';

/** The key of a (channel, sku) figure in the maps below. */
export const publishedKey = (channel: string, sku: string): string => `${channel}\u0000${sku}`;

/** What each channel was last told it may sell of these skus, keyed by `publishedKey`. */
export async function publishedOf(db: SqlExecutor, channels: readonly string[], skus: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  // Per channel, so the (channel, sku) key is used; a few hundred skus per statement.
  for (const channel of channels) {
    for (let i = 0; i < skus.length; i += 500) {
      const chunk = skus.slice(i, i + 500);
      const rows = await db.all<{ sku: string; quantity: number | string }>(
        `SELECT sku, quantity FROM availability_published WHERE channel = ? AND sku IN (${chunk.map(() => '?').join(', ')})`, [channel, ...chunk]);
      for (const r of rows) out.set(publishedKey(channel, r.sku), Number(r.quantity));
    }
  }
  return out;
}

const PUT_PUBLISHED_SQL = multiRowSql(
  'INSERT INTO availability_published (channel, sku, quantity, updated_at)',
  '(?, ?, ?, ?)',
  ' ON CONFLICT (channel, sku) DO UPDATE SET quantity = excluded.quantity, updated_at = excluded.updated_at',
);

/** Records the figures just published, in multi-row upserts. */
export async function putPublished(db: SqlExecutor, rows: ReadonlyArray<{ channelId: string; sku: string; quantity: number }>, at: string): Promise<void> {
  for (const chunk of rowChunks(rows, db.dialect)) {
    const params: unknown[] = [];
    for (const r of chunk) params.push(r.channelId, r.sku, r.quantity, at);
    await db.run(PUT_PUBLISHED_SQL(chunk.length), params);
  }
}

// ---- the publisher's queue: skus whose channel figures must be worked out again

const DIRTY_KEY = 'availability.dirty';

/**
 * How a mark of a sku already dirty is written on PostgreSQL (see markAvailabilityDirty); repositories
 * that mark in a statement of their own (stock counts, reservations) end it with this too.
 */
export const PG_REMARK_DIRTY = 'ON CONFLICT (sku) DO UPDATE SET generation = availability_dirty.generation + 1';

/** The skus this write transaction has marked (undefined outside a transaction). */
function markedInTx(db: SqlExecutor): Set<string> | undefined {
  const kept = (db as Partial<Tx>).kept;
  let marked = kept?.get(DIRTY_KEY) as Set<string> | undefined;
  if (kept && !marked) kept.set(DIRTY_KEY, (marked = new Set()));
  return marked;
}

/** Records skus marked by another repository's statement (putCounted, reserveAllIfSellable on PostgreSQL) as marked in this transaction. */
export function noteMarkedDirty(db: SqlExecutor, skus: Iterable<string>): void {
  const marked = markedInTx(db);
  if (marked) for (const sku of skus) marked.add(sku);
}

/**
 * Marks skus whose channel availability must be worked out again (the publisher's queue). A sku
 * marked once in a write transaction is not marked again in it (`Tx.kept`): the row is there, and a
 * dispatch batch of stock counts or orders touches the same skus over and over. On PostgreSQL a mark
 * of a sku already dirty bumps its generation (migration 015): the row lock it takes keeps a
 * publisher round that read the stock before this transaction commits from deleting the mark.
 * SQLite has one writer: a publisher round never overlaps this transaction, and marks cost nothing.
 */
export async function markAvailabilityDirty(db: SqlExecutor, skus: Iterable<string>, nowMs: number): Promise<void> {
  const marked = markedInTx(db);
  const unique = marked ? [...new Set(skus)].filter((sku) => !marked.has(sku)) : [...new Set(skus)];
  for (const sku of unique) marked?.add(sku);
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    await db.run(
      `INSERT INTO availability_dirty (sku, since_ms) VALUES ${chunk.map(() => '(?, ?)').join(', ')} ${
        db.dialect === 'postgres' ? PG_REMARK_DIRTY : 'ON CONFLICT (sku) DO NOTHING'}`,
      chunk.flatMap((sku) => [sku, nowMs]),
    );
  }
}
