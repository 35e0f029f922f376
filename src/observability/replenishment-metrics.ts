import client from 'prom-client';
import type { SqlExecutor } from '../store/port.js';
import { replenishmentKpis, type ReplenishmentKpis } from '../engine/replenishment/kpi.js';

/**
 * Replenishment gauges (SPEC §7), computed from the store at scrape time. One read serves all of a
 * scrape's gauges: the first collect fetches, the others reuse it for a second.
 */
export function registerReplenishmentGauges(registers: client.Registry[], read: SqlExecutor): void {
  let cached: { at: number; kpis: Promise<ReplenishmentKpis> } | null = null;
  const kpis = () => {
    const now = Date.now();
    if (!cached || now - cached.at > 1000) cached = { at: now, kpis: replenishmentKpis(read, now) };
    return cached.kpis;
  };
  // A store that predates migration 9 has no replenishment tables: the gauges stay empty, the scrape works.
  const safely = async (fn: (k: ReplenishmentKpis) => void) => {
    try {
      fn(await kpis());
    } catch {
      cached = null;
    }
  };
  new client.Gauge({
    name: 'omniops_replenishment_stockout_prevention_rate',
    help: 'Share of stockout risks (episodes, last 90 days) that never reached zero stock; absent until a risk was detected',
    registers,
    async collect() {
      await safely((k) => {
        this.reset();
        if (k.stockoutPrevention.rate !== null) this.set(k.stockoutPrevention.rate);
      });
    },
  });
  new client.Gauge({
    name: 'omniops_replenishment_risks_detected',
    help: 'Stockout risk episodes detected in the last 90 days, by outcome (prevented, reached_zero)',
    labelNames: ['outcome'],
    registers,
    async collect() {
      await safely((k) => {
        this.set({ outcome: 'prevented' }, k.stockoutPrevention.prevented);
        this.set({ outcome: 'reached_zero' }, k.stockoutPrevention.detected - k.stockoutPrevention.prevented);
      });
    },
  });
  new client.Gauge({
    name: 'omniops_replenishment_forecast_wape',
    help: 'Forecast WAPE of the latest daily backtest, by demand class (smooth, erratic, intermittent, lumpy, no_demand, all)',
    labelNames: ['class'],
    registers,
    async collect() {
      await safely((k) => {
        this.reset();
        if (!k.forecastWape) return;
        if (k.forecastWape.overall !== null) this.set({ class: 'all' }, k.forecastWape.overall);
        for (const [c, w] of Object.entries(k.forecastWape.byClass)) if (w !== null) this.set({ class: c }, w);
      });
    },
  });
  new client.Gauge({
    name: 'omniops_replenishment_open',
    help: 'Open stockout risks and open recommendations',
    labelNames: ['kind'],
    registers,
    async collect() {
      await safely((k) => {
        this.set({ kind: 'risks' }, k.openRisks);
        this.set({ kind: 'recommendations' }, k.openRecommendations);
      });
    },
  });
  new client.Gauge({
    name: 'omniops_purchase_orders',
    help: 'Purchase orders by state',
    labelNames: ['state'],
    registers,
    async collect() {
      await safely((k) => {
        this.reset();
        for (const [state, n] of Object.entries(k.purchaseOrders)) this.set({ state }, n);
      });
    },
  });
}
