import type { SqlExecutor, Tx } from '../port.js';
import type { Product, ProductAttributes } from '../../domain/masterdata/product.js';
import type { Location, LocationAttributes } from '../../domain/masterdata/location.js';
import type { Source, SourceAttributes } from '../../domain/masterdata/source.js';

export async function getProduct(db: SqlExecutor, sku: string): Promise<Product | undefined> {
  const r = await db.get<{ sku: string; attrs: string }>('SELECT sku, attrs FROM products WHERE sku = ?', [sku]);
  return r ? { sku: r.sku, ...(JSON.parse(r.attrs) as ProductAttributes) } : undefined;
}

export async function putProduct(db: SqlExecutor, p: Product, at: string, eventId: string): Promise<void> {
  const { sku, ...attrs } = p;
  await db.run(
    `INSERT INTO products (sku, name, category, price, cost, attrs, updated_at, updated_by_event) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (sku) DO UPDATE SET name = excluded.name, category = excluded.category, price = excluded.price,
       cost = excluded.cost, attrs = excluded.attrs, updated_at = excluded.updated_at, updated_by_event = excluded.updated_by_event`,
    [sku, p.name, p.category, p.price, p.cost, JSON.stringify(attrs), at, eventId],
  );
}

export async function listProducts(db: SqlExecutor, afterSku: string, limit: number, category?: string): Promise<Product[]> {
  const rows = category
    ? await db.all<{ sku: string; attrs: string }>('SELECT sku, attrs FROM products WHERE sku > ? AND category = ? ORDER BY sku LIMIT ?', [afterSku, category, limit])
    : await db.all<{ sku: string; attrs: string }>('SELECT sku, attrs FROM products WHERE sku > ? ORDER BY sku LIMIT ?', [afterSku, limit]);
  return rows.map((r) => ({ sku: r.sku, ...(JSON.parse(r.attrs) as ProductAttributes) }));
}

export async function getLocation(db: SqlExecutor, id: string): Promise<Location | undefined> {
  const listed = keptLocations(db);
  if (listed) return listed.find((l) => l.id === id);
  // One location, kept on its own (a batch of stock adjustments looks up each one's location).
  const kept = (db as Partial<Tx>).kept;
  const key = `${KEPT}:${id}`;
  if (kept?.has(key)) return kept.get(key) as Location | undefined;
  const r = await db.get<{ id: string; attrs: string }>('SELECT id, attrs FROM locations WHERE id = ?', [id]);
  const found = r ? Object.freeze({ id: r.id, ...locationAttrs(r.attrs) }) : undefined;
  kept?.set(key, found);
  return found;
}

/**
 * In a write transaction the locations are read once and kept for the rest of it (`Tx.kept`):
 * routing reads the list for every order and a location once or twice more, and a dispatch batch
 * routes dozens of orders; a location looked up alone is kept alone (`getLocation`: a batch of stock
 * adjustments). A write through `putLocation` drops both. On SQLite nobody else can write meanwhile; on
 * PostgreSQL (read committed) a location another process commits during the transaction is seen by
 * its next transaction, as if the first had read a snapshot. Outside a transaction (no `kept`) every
 * call reads.
 */
const KEPT = 'locations';
function keptLocations(db: SqlExecutor): readonly Location[] | undefined {
  return (db as Partial<Tx>).kept?.get(KEPT) as readonly Location[] | undefined;
}

/**
 * Location rows are read for every order routed (a few hundred bytes of JSON each, nine or so per
 * order): the parsed attributes are kept by their exact text, so a changed row is parsed afresh.
 * Frozen, because callers share them.
 */
const parsedLocations = new Map<string, LocationAttributes>();
function locationAttrs(text: string): LocationAttributes {
  let attrs = parsedLocations.get(text);
  if (!attrs) {
    attrs = deepFreeze(JSON.parse(text) as LocationAttributes);
    if (parsedLocations.size >= 10_000) parsedLocations.clear();
    parsedLocations.set(text, attrs);
  }
  return attrs;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export async function putLocation(db: SqlExecutor, l: Location, at: string, eventId: string): Promise<void> {
  const { id, ...attrs } = l;
  await db.run(
    `INSERT INTO locations (id, name, kind, attrs, updated_at, updated_by_event) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, attrs = excluded.attrs,
       updated_at = excluded.updated_at, updated_by_event = excluded.updated_by_event`,
    [id, l.name, l.kind, JSON.stringify(attrs), at, eventId],
  );
  (db as Partial<Tx>).kept?.delete(KEPT);
  (db as Partial<Tx>).kept?.delete(`${KEPT}:${id}`);
}

/** Every location, by id (kept for the rest of a write transaction, see `keptLocations`). */
export async function listLocations(db: SqlExecutor): Promise<Location[]> {
  const kept = keptLocations(db);
  if (kept) return [...kept];
  const rows = await db.all<{ id: string; attrs: string }>('SELECT id, attrs FROM locations ORDER BY id');
  const list = rows.map((r) => Object.freeze({ id: r.id, ...locationAttrs(r.attrs) }));
  (db as Partial<Tx>).kept?.set(KEPT, list);
  return [...list];
}

export async function getSource(db: SqlExecutor, id: string): Promise<Source | undefined> {
  const r = await db.get<{ id: string; attrs: string }>('SELECT id, attrs FROM sources WHERE id = ?', [id]);
  return r ? { id: r.id, ...(JSON.parse(r.attrs) as SourceAttributes) } : undefined;
}

export async function putSource(db: SqlExecutor, s: Source, at: string): Promise<void> {
  const { id, ...attrs } = s;
  await db.run(
    `INSERT INTO sources (id, name, kind, attrs, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, attrs = excluded.attrs, updated_at = excluded.updated_at`,
    [id, s.name, s.kind, JSON.stringify(attrs), at, at],
  );
}

export async function listSources(db: SqlExecutor): Promise<Source[]> {
  const rows = await db.all<{ id: string; attrs: string }>('SELECT id, attrs FROM sources ORDER BY id');
  return rows.map((r) => ({ id: r.id, ...(JSON.parse(r.attrs) as SourceAttributes) }));
}
