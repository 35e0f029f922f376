import { h, fill, fmt, panel, kpi, lineChart, barChart, breakdown, donut, table, pill, notAvailable, notPermitted, every, STATE_COLORS, empty } from './lib.js';
import { get, session } from './api.js';

function figures(d) {
  const backlogAge = d.events.backlog.oldestAgeSeconds;
  const openExceptions = d.exceptions.open.reduce((a, e) => a + e.count, 0);
  const reservations = d.reservations.byStatus;
  return h('div.kpis',
    kpi('Events in · last hour', fmt.n(d.events.lastHour.received), `${fmt.n(d.events.lastHour.processed)} processed`),
    kpi('Backlog', fmt.n(d.events.backlog.count), backlogAge === null ? 'nothing waiting' : `oldest ${fmt.age(backlogAge)}`, backlogAge > 60 ? 'warn' : ''),
    kpi('Dead letters', fmt.n(d.events.dead), 'events needing replay', d.events.dead > 0 ? 'bad' : 'ok'),
    kpi('Cycle time (median)', fmt.minutes(d.orders.cycleTime.medianMinutes), `p90 ${fmt.minutes(d.orders.cycleTime.p90Minutes)} · ${fmt.n(d.orders.cycleTime.samples)} shipped / 24 h`),
    kpi('SLA breaches · 24 h', fmt.n(d.fulfilments.slaBreaches.last24h), `${fmt.n(d.fulfilments.slaBreaches.total)} fulfilments expired in all`, d.fulfilments.slaBreaches.last24h > 0 ? 'warn' : ''),
    kpi('Open exceptions', fmt.n(openExceptions), `${fmt.n(reservations.active ?? 0)} active reservations`, openExceptions > 0 ? 'warn' : ''),
  );
}

/**
 * SPEC §7's business KPIs over the last day (docs/kpis.md). A figure with nothing to measure yet
 * says why instead of showing 0.
 */
function businessKpis(d) {
  const k = d.kpis;
  if (!k) return null;
  const hours = (x) => (x === null || x === undefined ? '—' : `${x} h`);
  const ret = k.returnResolutionHours;
  const refund = k.refundApprovalMinutes;
  const touches = k.manualTouches;
  const sync = k.channelSync;
  const acc = k.inventoryAccuracy;
  return h('div.kpis.business',
    kpi('Return resolution (median)', ret ? hours(ret.median) : '—', ret ? (ret.count ? `p90 ${hours(ret.p90)} · ${fmt.n(ret.count)} resolved / 24 h` : 'no case resolved in 24 h') : 'no return cases here'),
    kpi('Refund approval (median)', refund ? fmt.minutes(refund.median) : '—',
      refund ? (refund.count ? `p90 ${fmt.minutes(refund.p90)} · ${fmt.n(refund.approved)} approved, ${fmt.n(refund.rejected)} rejected${refund.expired ? `, ${fmt.n(refund.expired)} expired` : ''}` : 'no refund decided in 24 h') : '—',
      refund?.expired ? 'warn' : ''),
    kpi('Manual touches / 1,000 orders', touches?.perThousandOrders === null || touches?.perThousandOrders === undefined ? '—' : fmt.n(touches.perThousandOrders),
      touches ? `${fmt.n(touches.commands)} ${touches.commands === 1 ? 'command' : 'commands'} by people · ${fmt.n(touches.orders)} orders / 24 h` : '—'),
    kpi('Channel sync on time', fmt.pct(sync.rate),
      sync.targetSeconds === null ? 'no target in the availability policy (syncTargetSeconds)' : `within ${sync.targetSeconds} s · ${fmt.n(sync.delivered)} delivered, ${fmt.n(sync.late)} late / 24 h`,
      sync.rate !== null && sync.late > 0 ? 'warn' : ''),
    kpi('Inventory accuracy', fmt.pct(acc.rate), acc.compared ? `${fmt.n(acc.compared - acc.discrepancies)} of ${fmt.n(acc.compared)} lines agree with the ERP` : 'no reconciliation with the ERP yet',
      acc.discrepancies > 0 ? 'warn' : ''),
    kpi('Stockout prevention', fmt.pct(d.replenishment?.stockoutPrevention?.rate), d.replenishment?.stockoutPrevention ? `${fmt.n(d.replenishment.stockoutPrevention.prevented)} of ${fmt.n(d.replenishment.stockoutPrevention.detected)} risks never reached 0 · ${d.replenishment.stockoutPrevention.windowDays} d` : '—'),
  );
}

function throughput(d) {
  const labels = d.events.perMinute.map((p) => fmt.hm(p.t));
  return panel('Event throughput per minute · last hour',
    lineChart({ labels, area: true, series: [
      { label: 'received', color: '#2f6fd0', values: d.events.perMinute.map((p) => p.received) },
      { label: 'processed (of those received)', color: '#1e8a4c', values: d.events.perMinute.map((p) => p.processed) },
    ] }));
}

function cycle(d) {
  const hourly = d.orders.cycleTime.hourly;
  return panel('Order cycle time placed → shipped · per hour, last 24 h',
    d.orders.cycleTime.samples === 0 ? empty('No order shipped in the last 24 hours') : lineChart({ labels: hourly.map((x) => fmt.hm(x.t)), unit: 'm', series: [
      { label: 'median (min)', color: '#2f6fd0', values: hourly.map((x) => x.medianMinutes) },
      { label: 'p90 (min)', color: '#c98a1b', values: hourly.map((x) => x.p90Minutes) },
    ] }));
}

function breaches(d) {
  const hourly = d.fulfilments.slaBreaches.hourly;
  return panel('SLA breaches (fulfilments expired) · per hour',
    barChart({ labels: hourly.map((x) => fmt.hm(x.t)), values: hourly.map((x) => x.count), color: '#c0392b' }));
}

function ordersPanel(d) {
  const legendRows = Object.entries(d.orders.byState).sort((a, b) => b[1] - a[1]);
  return panel('Orders by state',
    h('div.row', donut(d.orders.byState, (k) => STATE_COLORS[k] ?? '#8a97a8'),
      h('div.spacer', breakdown(d.orders.byState, { colorOf: (k) => STATE_COLORS[k] ?? '#8a97a8', empty: 'No orders yet' }))),
    legendRows.length ? null : null);
}

function exceptionsPanel(d) {
  return panel('Open exceptions by queue',
    table([
      { label: 'Queue', value: (e) => h('a', { href: `#/exceptions?queue=${encodeURIComponent(e.queue)}` }, e.queue.replace(/_/g, ' ')) },
      { label: 'Open', num: true, value: (e) => fmt.n(e.count) },
      { label: 'Unassigned', num: true, value: (e) => fmt.n(e.unassigned) },
      { label: 'Oldest', num: true, value: (e) => fmt.age(e.oldestAgeSeconds) },
    ], d.exceptions.open, { empty: 'No open exceptions', emptyDetail: 'Every queue is clear.' }));
}

function syncPanel(d) {
  const a = d.availability;
  const pendingAge = a.oldestPendingAgeSeconds;
  return panel('Channel availability sync',
    h('dl.facts',
      h('dt', 'Published sku × channel'), h('dd', fmt.n(a.published)),
      h('dt', 'Last publication'), h('dd', fmt.time(a.lastPublishedAt)),
      h('dt', 'Skus waiting to publish'), h('dd', fmt.n(a.pendingSkus), ' ', a.pendingSkus ? pill(pendingAge > 10 ? 'stale' : 'pending', pendingAge === null ? 'pending' : `oldest ${fmt.age(pendingAge)}`) : pill('ok', 'in sync')),
      h('dt', 'Reservations'), h('dd', Object.entries(d.reservations.byStatus).map(([k, v]) => `${v} ${k}`).join(' · ') || '—'),
      h('dt', 'Fulfilments'), h('dd', Object.entries(d.fulfilments.byState).map(([k, v]) => `${v} ${k}`).join(' · ') || '—'),
      d.returns ? [h('dt', 'Return cases'), h('dd', Object.entries(d.returns.byState).map(([k, v]) => `${v} ${k.replace(/_/g, ' ')}`).join(' · ') || '—')] : null,
    ));
}

/** "last 5 min", or "latest 10,000 events" when the window held more than the overview reads. */
const mixWindow = (m) => (m.sampledEvents >= m.atMost ? `latest ${fmt.n(m.atMost)} events` : `last ${m.windowMinutes} min`);

function sources(d) {
  return h('div.grid.g2',
    panel(`Event mix by type · ${mixWindow(d.events.mix)}`, breakdown(d.events.mix.byType, { top: 10, empty: 'No events in the last minutes' })),
    panel(`Events by source · ${mixWindow(d.events.mix)}`, breakdown(d.events.mix.bySource, { top: 10, empty: 'No events in the last minutes' })),
  );
}

export async function overview(ctx) {
  if (ctx.availability === 'missing') return fill(ctx.content, notAvailable('The overview', 'GET /v1/dashboard'));
  if (ctx.availability === 'forbidden') return fill(ctx.content, notPermitted('the overview'));
  const stamp = h('span.faint');
  fill(ctx.actions, stamp, h('button', { onclick: () => draw() }, 'Refresh'));
  const draw = async () => {
    const d = await get('/v1/dashboard');
    if (!ctx.live()) return;
    stamp.textContent = `as of ${fmt.time(d.at)} · refreshes every 5 s`;
    ctx.sub.textContent = 'KPIs of the operation: throughput, backlog, cycle time, SLA, exceptions, sync';
    fill(ctx.content, 
      figures(d),
      businessKpis(d),
      h('div.grid.g2', throughput(d), ordersPanel(d)),
      h('div.grid.g2', cycle(d), breaches(d)),
      h('div.grid.g2', exceptionsPanel(d), syncPanel(d)),
      sources(d),
    );
  };
  fill(ctx.content, h('div.loading', 'Loading the overview…'));
  await draw();
  every(5000, draw, ctx.live);
}
