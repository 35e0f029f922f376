import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { jsonOf, killChildren, newDataDir, newSecretKey, postSigned, removeDataDirs, runCli, startServe, withDb, type Served } from '../support/cli.js';
import { envelope } from '../support/app.js';
import { PG_URL } from '../support/stores.js';
import { pool, range, waitFor } from '../support/load.js';

/**
 * The order path under `kill -9`: orders are sent in batches, faster than this machine routes them,
 * so at the kill the log holds acknowledged orders not yet routed and the engine is mid-batch (a
 * dispatch transaction that never commits is rolled back at the restart, never half-applied). After
 * a restart and a resend of everything, each order exists once, is routed once, reserves its lines
 * once, and is pushed to the ERP once; stock's reserved figure equals the reservations behind it at
 * every commit. A real server process on a file-backed SQLite store, and on PostgreSQL when
 * OMNIOPS_TEST_PG_URL is set; this test is the channel and reads the database behind the server's back.
 */

const N = 2000;
const BATCH = 50; // orders per request
const CONCURRENCY = 4;
const SKUS = ['K9-A', 'K9-B', 'K9-C', 'K9-D'];
const LOCATIONS = [
  { id: 'k9-dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 100_000, cutoff: '23:59', utcOffsetMinutes: 0, acceptSlaMinutes: 60, shipSlaMinutes: 1440 },
  { id: 'k9-store', name: 'Store', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship'], dailyCapacity: 100_000, cutoff: '23:59', utcOffsetMinutes: 0, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
];
// Enough for every order (≤ 2 units of a sku each) from either location: every order must end allocated.
const ON_HAND = 2 * N;

afterEach(async () => {
  await killChildren();
  removeDataDirs();
});

/** Order i: one or two lines, its own customer and address (no velocity holds), a small value (no fraud hold). */
function orderRaw(i: number): string {
  const lines = [{ lineId: '1', sku: SKUS[i % SKUS.length]!, qty: 1, unitPrice: 20 }];
  if (i % 3 === 0) lines.push({ lineId: '2', sku: SKUS[(i + 1) % SKUS.length]!, qty: 1, unitPrice: 15 });
  return JSON.stringify(envelope({
    sourceEventId: `k9o-${i}`,
    type: 'order.placed',
    payload: {
      externalOrderId: `K9-${i}`,
      customer: { id: `k9-customer-${i}` },
      lines,
      currency: 'EUR',
      shipping: { method: 'standard', address: { country: 'NL', postcode: `K9${i}`, lat: 52.1, lon: 5.1 } },
      payment: { status: 'authorized', amount: lines.reduce((s, l) => s + l.unitPrice * l.qty, 0) },
    },
  }));
}

const linesOf = (i: number) => (i % 3 === 0 ? 2 : 1);

/** Read access to the server's database behind its back, the same questions on either store. */
interface Peek {
  rows(sql: string): Promise<Array<Record<string, unknown>>>;
  /** A JSON field of a TEXT column, as SQL. */
  field(column: string, name: string): string;
  close(): Promise<void>;
}

async function peekSqlite(data: string): Promise<Peek> {
  return {
    rows: async (sql) => withDb(data, (db) => db.prepare(sql).all() as Array<Record<string, unknown>>),
    field: (column, name) => `json_extract(${column}, '$.${name}')`,
    close: async () => undefined,
  };
}

async function peekPostgres(schema: string): Promise<Peek> {
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await client.connect();
  return {
    rows: async (sql) => (await client.query(sql)).rows as Array<Record<string, unknown>>,
    field: (column, name) => `(${column}::jsonb ->> '${name}')`,
    async close() {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

const count = async (db: Peek, sql: string): Promise<number> => Number((await db.rows(sql))[0]?.n ?? 0);

/** What must hold at every commit: stock's reserved figure is the sum of the active reservations behind it. */
async function reservedMismatches(db: Peek): Promise<unknown[]> {
  return db.rows(`
    SELECT s.sku, s.location_id, s.reserved, COALESCE(r.qty, 0) AS reservations
    FROM stock s LEFT JOIN (SELECT sku, location_id, SUM(qty) AS qty FROM reservations WHERE status = 'active' GROUP BY sku, location_id) r
      ON r.sku = s.sku AND r.location_id = s.location_id
    WHERE s.reserved <> COALESCE(r.qty, 0)`);
}

async function send(s: Served, secret: string, raw: string): Promise<{ status: number; body: any } | null> {
  return postSigned(s.url, secret, raw);
}

const stores = ['sqlite', ...(PG_URL ? ['postgres'] : [])] as const;

describe.each(stores)('kill -9 of the server during an order load (%s)', (store) => {
  it(`${N} orders: each acknowledged one survives, and after a resend each is routed, reserved and pushed to the ERP exactly once`, async () => {
    const data = newDataDir('omniops-kill9-orders-');
    const env: Record<string, string> = { OMNIOPS_SECRET_KEY: newSecretKey(), OMNIOPS_LOG_LEVEL: 'warn' };
    const schema = `kill9_orders_${process.pid}_${Date.now().toString(36)}`;
    if (store === 'postgres') Object.assign(env, { OMNIOPS_STORE: PG_URL!, OMNIOPS_PG_SCHEMA: schema });
    const cli = async (...args: string[]) => {
      const r = await runCli([...args, '--data', data, '--json'], { env });
      if (r.code !== 0) throw new Error(`${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
      return jsonOf(r);
    };
    const secret = (await cli('sources', 'add', 'web')).secret as string;
    const db = store === 'postgres' ? await peekPostgres(schema) : await peekSqlite(data);
    try {
      await ordersSurviveTheKill(data, env, secret, db);
    } finally {
      await db.close();
    }
  }, 180_000);
});

async function ordersSurviveTheKill(data: string, env: Record<string, string>, secret: string, db: Peek): Promise<void> {
  const raws = range(N).map(orderRaw);

  const first = await startServe(data, { env });
  for (const l of LOCATIONS) {
    expect((await send(first, secret, JSON.stringify(envelope({ sourceEventId: `k9o-loc-${l.id}`, type: 'location.upserted', payload: l }))))?.status).toBe(202);
    const counts = SKUS.map((sku) => ({ sku, onHand: ON_HAND }));
    expect((await send(first, secret, JSON.stringify(envelope({ sourceEventId: `k9o-stock-${l.id}`, type: 'inventory.snapshot', payload: { locationId: l.id, counts } }))))?.status).toBe(202);
  }

  const acked = new Map<number, string>();
  const unknown: number[] = [];
  const unexpected: string[] = [];
  let killed = false;
  // The kill comes once the engine has routed a quarter of the orders: batches of 50 come in far
  // faster than any machine routes them, so by then many more wait in the log.
  const killer = (async () => {
    const routed = () => count(db, "SELECT COUNT(*) AS n FROM events WHERE type = 'order.placed' AND status = 'processed'");
    await waitFor(routed, (n) => n >= N / 4, 600);
    killed = true;
    process.kill(first.pid, 'SIGKILL');
  })();
  const batches = range(N / BATCH).map((b) => range(BATCH).map((k) => b * BATCH + k));
  await pool(batches, CONCURRENCY, async (batch) => {
    const r = await send(first, secret, `{"events":[${batch.map((i) => raws[i]).join(',')}]}`);
    if (r === null) unknown.push(...batch);
    else if (r.status === 202) {
      batch.forEach((i, k) => {
        const x = r.body.results[k] as { eventId: string; status: string };
        if (x.status === 'accepted') acked.set(i, x.eventId);
        else unexpected.push(`k9o-${i}: ${JSON.stringify(x)}`);
      });
    } else unexpected.push(`batch at k9o-${batch[0]}: ${r.status} ${JSON.stringify(r.body)}`);
  }, () => killed);
  await killer;
  await first.exited;
  expect(first.child.signalCode).toBe('SIGKILL');
  expect(unexpected).toEqual([]);
  const answered = new Set([...acked.keys(), ...unknown]);
  for (const i of range(N)) if (!answered.has(i)) unknown.push(i);

  // After the crash, before anything is resent: every acknowledged order is in the log, and what
  // the engine committed is whole — an order row for each processed order.placed, stock's reserved
  // figure matching its reservations.
  const stored = new Set((await db.rows("SELECT id FROM events WHERE type = 'order.placed'")).map((r) => r.id as string));
  expect([...acked.values()].filter((id) => !stored.has(id))).toEqual([]);
  const atCrash = {
    processed: await count(db, "SELECT COUNT(*) AS n FROM events WHERE type = 'order.placed' AND status = 'processed'"),
    pending: await count(db, "SELECT COUNT(*) AS n FROM events WHERE type = 'order.placed' AND status = 'pending'"),
  };
  expect(await count(db, 'SELECT COUNT(*) AS n FROM orders')).toBe(atCrash.processed);
  expect(await reservedMismatches(db)).toEqual([]);
  // The kill landed mid-way: orders routed, more waiting (otherwise this tests only intake).
  expect(atCrash.processed).toBeGreaterThanOrEqual(N / 4);
  expect(atCrash.pending).toBeGreaterThan(0);

  const second = await startServe(data, { env });
  const problems: string[] = [];
  await pool(range(N), CONCURRENCY, async (i) => {
    const r = await send(second, secret, raws[i]!);
    const ok = acked.has(i)
      ? r?.status === 200 && r.body.status === 'duplicate' && r.body.eventId === acked.get(i)
      : r?.status === 202 || (r?.status === 200 && r.body.status === 'duplicate');
    if (!ok) problems.push(`k9o-${i}${acked.has(i) ? ' (acknowledged)' : ''}: ${r ? `${r.status} ${JSON.stringify(r.body)}` : 'no answer'}`);
  });
  expect(problems.slice(0, 5)).toEqual([]);

  const open = () => count(db, "SELECT COUNT(*) AS n FROM events WHERE status NOT IN ('processed', 'dead')");
  expect(await waitFor(open, (n) => n === 0, 600)).toBe(0);

  expect(await count(db, "SELECT COUNT(*) AS n FROM events WHERE status = 'dead'")).toBe(0);
  expect(await count(db, "SELECT COUNT(*) AS n FROM events WHERE type = 'order.placed'")).toBe(N);
  // One order per channel order, every one allocated.
  const states = (await db.rows('SELECT state, COUNT(*) AS n FROM orders GROUP BY state')).map((r) => ({ state: r.state, n: Number(r.n) }));
  expect(states).toEqual([{ state: 'allocated', n: N }]);
  // Routed once: one order.routed each.
  expect(await count(db, "SELECT COUNT(*) AS n FROM events WHERE type = 'order.routed'")).toBe(N);
  expect(await count(db, `SELECT COUNT(DISTINCT ${db.field('payload', 'orderId')}) AS n FROM events WHERE type = 'order.routed'`)).toBe(N);
  // Reserved once: one active reservation per line, and stock agrees with them.
  const expectedLines = range(N).reduce((sum, i) => sum + linesOf(i), 0);
  expect(await count(db, "SELECT COUNT(*) AS n FROM reservations WHERE status = 'active'")).toBe(expectedLines);
  expect(await count(db, 'SELECT COUNT(*) AS n FROM reservations')).toBe(expectedLines);
  expect(await reservedMismatches(db)).toEqual([]);
  expect(await count(db, 'SELECT SUM(reserved) AS n FROM stock')).toBe(expectedLines);
  // Pushed to the ERP once: one sale_order outbox row per order.
  expect(await count(db, "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'sale_order'")).toBe(N);
  expect(await count(db, `SELECT COUNT(DISTINCT ${db.field('payload', 'pushKey')}) AS n FROM outbox WHERE kind = 'sale_order'`)).toBe(N);
  // Each fulfilment took one place of its location's capacity.
  expect(await count(db, 'SELECT SUM(used) AS n FROM location_capacity')).toBe(await count(db, 'SELECT COUNT(*) AS n FROM fulfilments'));

  // The hash chain survived the kill.
  const verify = await runCli(['audit', 'verify', '--data', data, '--json'], { env });
  expect(verify.code).toBe(0);
  expect(jsonOf(verify)).toMatchObject({ ok: true });
}
