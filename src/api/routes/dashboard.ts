import type { App } from '../../app.js';
import type { SqlExecutor } from '../../store/port.js';
import type { Role } from '../../domain/roles.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { backlog } from '../../store/repos/events.js';
import { replenishmentKpis } from '../../engine/replenishment/kpi.js';
import { listDestinations, type DestinationRow } from '../../store/repos/destinations.js';
import { resolveDestination } from '../../domain/integrations/destination.js';
import { SHIPPED_STATE_CHANGE } from '../../store/schema/017-dashboard-indexes.js';
import { businessKpis } from '../../engine/kpis/business.js';
import { percentile, round1 } from '../../domain/kpis/business-kpis.js';

const VIEWERS: Role[] = ['admin', 'operations_manager', 'regional_ops', 'store_manager', 'finance', 'category_manager', 'procurement', 'auditor', 'integrator', 'inventory_control'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type Counts = Record<string, number>;

interface DeliveryGroup { destination: string; kind: string; target: string | null; status: string; n: number | string; last: string | null }

/**
 * Outbox rows per registered destination (the id the console's destination list shows) and status: a
 * row a worker has tried counts for the destination it was sent to (`target`, an alternate carrier
 * included), one not tried yet for the destination its route resolves to now, and one no destination
 * takes (any more) under its outbox destination (`notify:email`).
 */
export function deliveriesByDestination(groups: readonly DeliveryGroup[], registered: readonly DestinationRow[]): Record<string, Record<string, number | string | null>> {
  const out: Record<string, Record<string, number | string | null>> = {};
  for (const g of groups) {
    const key = g.target ?? resolveDestination(registered, g.destination, g.kind)?.id ?? g.destination;
    const d = (out[key] ??= {});
    d[g.status] = Number(d[g.status] ?? 0) + Number(g.n);
    if (g.status === 'delivered' && g.last && (!d.lastDeliveredAt || g.last > String(d.lastDeliveredAt))) d.lastDeliveredAt = g.last;
  }
  return out;
}

async function countsBy(db: SqlExecutor, sql: string, params: unknown[] = []): Promise<Counts> {
  const rows = await db.all<{ k: string; n: number }>(sql, params);
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}

/** A table another capability owns may not exist in this version: its figures are then null, not an error. */
async function optional<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch {
    return null;
  }
}


/**
 * The operations overview (SPEC §7), computed from the store on each call: event throughput per
 * minute over the last hour, backlog and its age, orders by state, cycle time placed → shipped per
 * hour over the last day, SLA breaches, open exceptions by queue, reservations, availability sync.
 */
async function dashboard(app: App) {
  const db = app.store.read;
  const now = app.clock();
  const hourAgo = now - HOUR;
  const firstMinute = Math.floor(hourAgo / MINUTE) + 1;

  // Received per minute from the received-time index alone (no row read: the hour can hold millions of
  // events on a peak day, and this runs every 5 s per open console); processed = received − those still
  // pending or dead, which their own partial indexes hold (the backlog and the dead letters, few).
  const since = firstMinute * MINUTE;
  const [minutes, unprocessed, mix, dead, pending, orders, fulfilments, reservations, exceptions, published, dirty, returns] = await Promise.all([
    db.all<{ m: number; n: number }>(`SELECT received_ms / 60000 AS m, COUNT(*) AS n FROM events WHERE received_ms >= ? GROUP BY received_ms / 60000`, [since]),
    db.all<{ m: number; n: number }>(
      // `+received_ms`: not through the received-time index (SQLite picked it for the dead rows: a read of every row of the hour).
      `SELECT received_ms / 60000 AS m, COUNT(*) AS n FROM events WHERE status = 'pending' AND +received_ms >= ? GROUP BY received_ms / 60000
       UNION ALL SELECT received_ms / 60000 AS m, COUNT(*) AS n FROM events WHERE status = 'dead' AND +received_ms >= ? GROUP BY received_ms / 60000`,
      [since, since],
    ),
    db.all<{ type: string; source: string; n: number }>(
      'SELECT type, source, COUNT(*) AS n FROM (SELECT type, source FROM events WHERE received_ms >= ? ORDER BY received_ms DESC LIMIT ?) latest GROUP BY type, source',
      [now - MIX_WINDOW, MIX_MAX_EVENTS],
    ),
    db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status = 'dead'`),
    backlog(db),
    countsBy(db, 'SELECT state AS k, COUNT(*) AS n FROM orders GROUP BY state'),
    countsBy(db, 'SELECT state AS k, COUNT(*) AS n FROM fulfilments GROUP BY state'),
    countsBy(db, 'SELECT status AS k, COUNT(*) AS n FROM reservations GROUP BY status'),
    db.all<{ queue: string; n: number; oldest: number | null; unassigned: number }>(
      `SELECT queue, COUNT(*) AS n, MIN(opened_ms) AS oldest, SUM(CASE WHEN assignee IS NULL THEN 1 ELSE 0 END) AS unassigned FROM exceptions WHERE state <> 'resolved' GROUP BY queue ORDER BY queue`,
    ),
    db.get<{ n: number; last: string | null }>('SELECT COUNT(*) AS n, MAX(updated_at) AS last FROM availability_published'),
    db.get<{ n: number; oldest: number | null }>('SELECT COUNT(*) AS n, MIN(since_ms) AS oldest FROM availability_dirty'),
    optional(() => countsBy(db, 'SELECT state AS k, COUNT(*) AS n FROM return_cases GROUP BY state')),
  ]);
  const daily = await dailyFigures(app, now);

  const byMinute = new Map(minutes.map((r) => [Number(r.m), Number(r.n)]));
  const notDone = new Map<number, number>();
  for (const r of unprocessed) notDone.set(Number(r.m), (notDone.get(Number(r.m)) ?? 0) + Number(r.n));
  const perMinute = Array.from({ length: 60 }, (_, i) => {
    const m = firstMinute + i;
    const received = byMinute.get(m) ?? 0;
    return { t: new Date(m * MINUTE).toISOString(), received, processed: received - (notDone.get(m) ?? 0) };
  });
  const byType: Counts = {};
  const bySource: Counts = {};
  for (const r of mix) {
    byType[r.type] = (byType[r.type] ?? 0) + Number(r.n);
    bySource[r.source] = (bySource[r.source] ?? 0) + Number(r.n);
  }

  return {
    at: new Date(now).toISOString(),
    events: {
      dead: Number(dead?.n ?? 0),
      perMinute,
      lastHour: { received: perMinute.reduce((a, p) => a + p.received, 0), processed: perMinute.reduce((a, p) => a + p.processed, 0) },
      /** The event mix of the last few minutes, or of the latest `sampledEvents` of them when there are more (each is a row read). */
      mix: { windowMinutes: MIX_WINDOW / MINUTE, sampledEvents: mix.reduce((a, r) => a + Number(r.n), 0), atMost: MIX_MAX_EVENTS, byType, bySource },
      backlog: { count: pending.count, oldestAgeSeconds: pending.oldestMs === null ? null : Math.max(0, Math.round((now - pending.oldestMs) / 1000)) },
    },
    orders: { total: Object.values(orders).reduce((a, b) => a + b, 0), byState: orders, cycleTime: daily.cycleTime },
    fulfilments: { byState: fulfilments, slaBreaches: { total: fulfilments.expired ?? 0, ...daily.slaBreaches } },
    reservations: { byStatus: reservations },
    exceptions: {
      open: exceptions.map((e) => ({ queue: e.queue, count: Number(e.n), unassigned: Number(e.unassigned ?? 0), oldestAgeSeconds: e.oldest == null ? null : Math.max(0, Math.round((now - Number(e.oldest)) / 1000)) })),
    },
    availability: {
      published: Number(published?.n ?? 0),
      lastPublishedAt: published?.last ?? null,
      pendingSkus: Number(dirty?.n ?? 0),
      oldestPendingAgeSeconds: dirty?.oldest == null ? null : Math.max(0, Math.round((now - Number(dirty.oldest)) / 1000)),
    },
    returns: returns === null ? null : { byState: returns },
    /**
     * Outbound deliveries per registered destination: what waits now (pending, dead), and what became of
     * the last 24 hours' rows (delivered, expired, superseded); rows no destination takes, counted apart
     * (up to a cap: they pile up for good where nobody registers a destination for them).
     */
    deliveries: { byDestination: daily.deliveries, unrouted: daily.unrouted, asOf: daily.asOf },
    /**
     * SPEC §7's business KPIs over the last day (docs/kpis.md): return resolution time, refund approval
     * turnaround, manual touches per 1,000 orders, channel sync reliability, inventory accuracy.
     */
    kpis: daily.kpis,
    /** Stockout prevention rate, forecast WAPE by demand class, open risks and recommendations, POs by state. */
    replenishment: await optional(() => replenishmentKpis(db, now)),
  };
}

const MIX_WINDOW = 5 * MINUTE;
/** The mix reads at most this many of the window's latest events: a peak day's five minutes hold millions. */
const MIX_MAX_EVENTS = 10_000;
/** Unrouted outbox rows are counted up to here (the count walks an index entry by entry). */
const UNROUTED_COUNT_CAP = 100_000;
/** The day-long figures scan a day of rows: computed at most this often per process, shared by every viewer. */
const DAILY_TTL_MS = 30_000;
const dailyCache = new WeakMap<App, { at: number; value: Promise<DailyFigures> }>();

type DailyFigures = Awaited<ReturnType<typeof computeDaily>>;

function dailyFigures(app: App, now: number): Promise<DailyFigures> {
  const hit = dailyCache.get(app);
  if (hit && Math.abs(now - hit.at) < DAILY_TTL_MS) return hit.value;
  const value = computeDaily(app, now);
  dailyCache.set(app, { at: now, value });
  value.catch(() => dailyCache.delete(app));
  return value;
}

/** Cycle time placed → shipped and SLA breaches per hour over the last day; deliveries per destination. */
async function computeDaily(app: App, now: number) {
  const db = app.store.read;
  const dayAgo = now - 24 * HOUR;
  const firstHour = Math.floor(dayAgo / HOUR) + 1;
  const [shippedRows, expiredRows, deliveryRows, unrouted, kpis] = await Promise.all([
    db.all<{ received_ms: number; payload: string }>(
      `SELECT received_ms, payload FROM events WHERE ${SHIPPED_STATE_CHANGE} AND received_ms >= ? ORDER BY received_ms DESC LIMIT 5000`, [dayAgo]),
    db.all<{ updated_at: string }>(`SELECT updated_at FROM fulfilments WHERE state = 'expired' AND updated_at >= ?`, [new Date(dayAgo).toISOString()]),
    db.all<DeliveryGroup>(
      `SELECT destination, kind, target, status, COUNT(*) AS n, NULL AS last FROM outbox WHERE status IN ('pending', 'dead') GROUP BY destination, kind, target, status
       UNION ALL
       SELECT destination, kind, target, status, COUNT(*) AS n, MAX(delivered_at) AS last FROM outbox
       WHERE status IN ('delivered', 'expired', 'superseded') AND created_at >= ? GROUP BY destination, kind, target, status`,
      [new Date(dayAgo).toISOString()],
    ),
    db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM outbox WHERE status = 'unrouted' LIMIT ?) u`, [UNROUTED_COUNT_CAP]),
    businessKpis(db, app.policies, now),
  ]);
  const registered = await listDestinations(db);

  const shipped = shippedRows.map((r) => ({ at: Number(r.received_ms), orderId: (JSON.parse(r.payload) as { orderId: string }).orderId }));
  const placedOf = new Map<string, number>();
  const ids = [...new Set(shipped.map((x) => x.orderId))];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.all<{ id: string; placed_ms: number }>(`SELECT id, placed_ms FROM orders WHERE id IN (${chunk.map(() => '?').join(', ')})`, chunk);
    for (const r of rows) placedOf.set(r.id, Number(r.placed_ms));
  }
  const cycles = shipped.filter((x) => placedOf.has(x.orderId)).map((x) => ({ at: x.at, minutes: (x.at - placedOf.get(x.orderId)!) / MINUTE }));
  const hours = Array.from({ length: 24 }, (_, i) => (firstHour + i) * HOUR);
  const hourly = hours.map((h) => {
    const xs = cycles.filter((c) => c.at >= h && c.at < h + HOUR).map((c) => c.minutes).sort((a, b) => a - b);
    return { t: new Date(h).toISOString(), count: xs.length, medianMinutes: round1(percentile(xs, 0.5)), p90Minutes: round1(percentile(xs, 0.9)) };
  });
  const all = cycles.map((c) => c.minutes).sort((a, b) => a - b);
  const expired = expiredRows.map((r) => Date.parse(r.updated_at));

  const deliveries = deliveriesByDestination(deliveryRows, registered);
  const unroutedRows = Number(unrouted?.n ?? 0);
  return {
    asOf: new Date(now).toISOString(),
    cycleTime: { samples: all.length, medianMinutes: round1(percentile(all, 0.5)), p90Minutes: round1(percentile(all, 0.9)), hourly },
    slaBreaches: { last24h: expired.length, hourly: hours.map((h) => ({ t: new Date(h).toISOString(), count: expired.filter((x) => x >= h && x < h + HOUR).length })) },
    deliveries,
    unrouted: { rows: unroutedRows, atLeast: unroutedRows >= UNROUTED_COUNT_CAP },
    kpis,
  };
}

export function dashboardRoutes(app: App): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET', url: '/v1/dashboard', tag: 'dashboard',
      summary: 'Operations overview (SPEC §7): event throughput per minute (last hour), backlog and age, orders by state, cycle time placed→shipped, SLA breaches, open exceptions by queue, reservations, availability sync, and the business KPIs of the last day (return resolution time, refund approval turnaround, manual touches per 1,000 orders, channel sync reliability, inventory accuracy).',
      access: VIEWERS,
      async handler() {
        return dashboard(app);
      },
    }),
  ];
}
