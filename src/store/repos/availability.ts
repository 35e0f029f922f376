import type { SqlExecutor } from '../port.js';
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
