import type { SqlExecutor } from '../port.js';
import { OPEN_FULFILMENT_STATES } from '../../domain/orders/index.js';
import {
  HOLDING_FULFILMENT_STATES, ORDER_STATES_WITH_OPEN_WORK, ORDER_STATES_WITHOUT_OPEN_WORK,
  type ActiveReservationRow, type BooksRows, type Capped, type OpenFulfilmentRow, type OrderWorkRow, type ReservedRow, type StockFiguresRow,
} from '../../domain/checks/index.js';

/**
 * What the books check reads. Every check is ONE statement: it sees one committed state of the
 * store, so a check run beside a working server never catches a transaction half seen (a
 * reservation written but its stock figure not yet). Each aggregates in SQL and returns at most
 * `limit` candidate rows with `COUNT(*) OVER ()`, how many there were in all; the rules that judge
 * them are the pure ones in src/domain/checks (the WHERE clauses narrow by the same rules).
 * Reads only: nothing here writes.
 */
export async function readBooks(db: SqlExecutor, limit: number): Promise<Omit<BooksRows, 'audit'>> {
  // One after the other: the scheduled run reads in its transaction, one PostgreSQL connection, which
  // cannot run two statements at once (pg queued them, and warns that it will stop doing so).
  const reserved = await reservedAgainstReservations(db, limit);
  const reservationsOfClosedWork = await activeReservationsOfClosedWork(db, limit);
  const openFulfilments = await openFulfilmentsShortOfReservations(db, limit);
  const orderWork = await ordersAgainstFulfilments(db, limit);
  const negativeStock = await stockFigures(db, 'on_hand < 0 OR reserved < 0 OR protected < 0', limit);
  const reservedAboveOnHand = await stockFigures(db, 'reserved > on_hand AND on_hand >= 0', limit);
  const deadEvents = await countOf(db, `SELECT COUNT(*) AS n FROM events WHERE status = 'dead'`);
  const deadDeliveries = await countOf(db, `SELECT COUNT(*) AS n FROM outbox WHERE status = 'dead'`);
  return { reserved, reservationsOfClosedWork, openFulfilments, orderWork, negativeStock, reservedAboveOnHand, deadEvents, deadDeliveries };
}

const marks = (values: readonly unknown[]) => values.map(() => '?').join(', ');

function capped<R extends { total: number | string }, T>(rows: R[], map: (r: R) => T): Capped<T> {
  return { rows: rows.map(map), total: rows.length > 0 ? Number(rows[0]!.total) : 0 };
}

async function countOf(db: SqlExecutor, sql: string): Promise<number> {
  return Number((await db.get<{ n: number | string }>(sql))?.n ?? 0);
}

/**
 * Per (sku, location): stock.reserved against the sum of its active reservations and of the transfers
 * leaving from there not shipped yet — rows where they differ, and holds on a sku and location without
 * a stock row. Active reservations are read through reservations_demand (it holds status, sku,
 * location and qty: no table read).
 */
async function reservedAgainstReservations(db: SqlExecutor, limit: number): Promise<Capped<ReservedRow>> {
  const rows = await db.all<{ sku: string; location_id: string; reserved: number | string | null; held: number | string; moving: number | string; total: number | string }>(
    `WITH holds AS (
       SELECT sku, location_id, qty, 0 AS moving FROM reservations WHERE status = 'active'
       UNION ALL
       SELECT sku, from_location_id, qty, qty FROM transfers WHERE state = 'in_transit'
     ),
     held AS (SELECT sku, location_id, SUM(qty) - SUM(moving) AS qty, SUM(moving) AS moving FROM holds GROUP BY sku, location_id),
     differing AS (
       SELECT s.sku, s.location_id, s.reserved, COALESCE(h.qty, 0) AS held, COALESCE(h.moving, 0) AS moving
       FROM stock s LEFT JOIN held h ON h.sku = s.sku AND h.location_id = s.location_id
       WHERE s.reserved <> COALESCE(h.qty, 0) + COALESCE(h.moving, 0)
       UNION ALL
       SELECT h.sku, h.location_id, NULL, h.qty, h.moving FROM held h
       WHERE NOT EXISTS (SELECT 1 FROM stock s WHERE s.sku = h.sku AND s.location_id = h.location_id)
     )
     SELECT sku, location_id, reserved, held, moving, COUNT(*) OVER () AS total FROM differing ORDER BY location_id, sku LIMIT ?`,
    [limit],
  );
  return capped(rows, (r) => ({
    sku: r.sku, locationId: r.location_id, reserved: r.reserved === null ? null : Number(r.reserved), activeReservations: Number(r.held), transfersToShip: Number(r.moving),
  }));
}

/** Active reservations whose fulfilment no longer holds stock (or is missing), or whose order's work is over. */
async function activeReservationsOfClosedWork(db: SqlExecutor, limit: number): Promise<Capped<ActiveReservationRow>> {
  const rows = await db.all<{ id: string; order_id: string; fulfilment_id: string; sku: string; location_id: string; qty: number | string; f_state: string | null; o_state: string | null; total: number | string }>(
    `SELECT r.id, r.order_id, r.fulfilment_id, r.sku, r.location_id, r.qty, f.state AS f_state, o.state AS o_state, COUNT(*) OVER () AS total
     FROM reservations r LEFT JOIN fulfilments f ON f.id = r.fulfilment_id LEFT JOIN orders o ON o.id = r.order_id
     WHERE r.status = 'active'
       AND (f.id IS NULL OR f.state NOT IN (${marks(HOLDING_FULFILMENT_STATES)}) OR o.id IS NULL OR o.state IN (${marks(ORDER_STATES_WITHOUT_OPEN_WORK)}))
     ORDER BY r.id LIMIT ?`,
    [...HOLDING_FULFILMENT_STATES, ...ORDER_STATES_WITHOUT_OPEN_WORK, limit],
  );
  return capped(rows, (r) => ({
    reservationId: r.id, orderId: r.order_id, fulfilmentId: r.fulfilment_id, sku: r.sku, locationId: r.location_id, qty: Number(r.qty),
    fulfilmentState: r.f_state, orderState: r.o_state,
  }));
}

/**
 * Open fulfilments holding fewer active reservations than they have lines (through fulfilments_accept,
 * by state). The lines are a JSON array: its length is the one dialect difference here.
 */
async function openFulfilmentsShortOfReservations(db: SqlExecutor, limit: number): Promise<Capped<OpenFulfilmentRow>> {
  const lines = db.dialect === 'postgres' ? 'json_array_length(f.lines::json)' : 'json_array_length(f.lines)';
  const rows = await db.all<{ id: string; order_id: string; location_id: string; state: string; lines: number | string; active: number | string; total: number | string }>(
    `SELECT f.id, f.order_id, f.location_id, f.state, ${lines} AS lines, COALESCE(a.n, 0) AS active, COUNT(*) OVER () AS total
     FROM fulfilments f LEFT JOIN (SELECT fulfilment_id, COUNT(*) AS n FROM reservations WHERE status = 'active' GROUP BY fulfilment_id) a ON a.fulfilment_id = f.id
     WHERE f.state IN (${marks(OPEN_FULFILMENT_STATES)}) AND COALESCE(a.n, 0) < ${lines}
     ORDER BY f.id LIMIT ?`,
    [...OPEN_FULFILMENT_STATES, limit],
  );
  return capped(rows, (r) => ({ fulfilmentId: r.id, orderId: r.order_id, locationId: r.location_id, state: r.state, lines: Number(r.lines), activeReservations: Number(r.active) }));
}

/**
 * Orders that should have an open fulfilment and have none (through orders_state), and open
 * fulfilments of orders whose work is over (through fulfilments_accept): both sides are bounded by
 * the work in progress, not by the history.
 */
async function ordersAgainstFulfilments(db: SqlExecutor, limit: number): Promise<Capped<OrderWorkRow>> {
  const open = marks(OPEN_FULFILMENT_STATES);
  const rows = await db.all<{ id: string; source: string; external_order_id: string; state: string; open_n: number | string; total: number | string }>(
    `WITH judged AS (
       SELECT o.id, o.source, o.external_order_id, o.state, 0 AS open_n FROM orders o
       WHERE o.state IN (${marks(ORDER_STATES_WITH_OPEN_WORK)})
         AND NOT EXISTS (SELECT 1 FROM fulfilments f WHERE f.order_id = o.id AND f.state IN (${open}))
       UNION ALL
       SELECT o.id, o.source, o.external_order_id, o.state, COUNT(*) AS open_n FROM fulfilments f JOIN orders o ON o.id = f.order_id
       WHERE f.state IN (${open}) AND o.state IN (${marks(ORDER_STATES_WITHOUT_OPEN_WORK)})
       GROUP BY o.id, o.source, o.external_order_id, o.state
     )
     SELECT id, source, external_order_id, state, open_n, COUNT(*) OVER () AS total FROM judged ORDER BY id LIMIT ?`,
    [...ORDER_STATES_WITH_OPEN_WORK, ...OPEN_FULFILMENT_STATES, ...OPEN_FULFILMENT_STATES, ...ORDER_STATES_WITHOUT_OPEN_WORK, limit],
  );
  return capped(rows, (r) => ({ orderId: r.id, source: r.source, externalOrderId: r.external_order_id, state: r.state, openFulfilments: Number(r.open_n) }));
}

/** Stock rows matching a fixed condition on their figures (a scan of stock: one row per sku and location). */
async function stockFigures(db: SqlExecutor, condition: string, limit: number): Promise<Capped<StockFiguresRow>> {
  const rows = await db.all<{ sku: string; location_id: string; on_hand: number | string; reserved: number | string; protected: number | string; total: number | string }>(
    `SELECT sku, location_id, on_hand, reserved, protected, COUNT(*) OVER () AS total FROM stock WHERE ${condition} ORDER BY location_id, sku LIMIT ?`,
    [limit],
  );
  return capped(rows, (r) => ({ sku: r.sku, locationId: r.location_id, onHand: Number(r.on_hand), reserved: Number(r.reserved), protected: Number(r.protected) }));
}
