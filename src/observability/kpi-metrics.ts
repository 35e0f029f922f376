import client from 'prom-client';
import type { SqlExecutor } from '../store/port.js';
import type { PolicyBook } from '../engine/policy-book.js';
import { businessKpis, type BusinessKpis } from '../engine/kpis/business.js';

/**
 * SPEC §7's business KPIs over the last day (docs/kpis.md) as gauges. They read a day of rows, so a
 * scrape reuses a result for up to 30 s (the overview's day-long figures are cached as long); a gauge
 * with nothing to measure yet is absent, not 0.
 */
const REUSE_MS = 30_000;

export function registerKpiGauges(registers: client.Registry[], read: SqlExecutor, policies: PolicyBook): void {
  let cached: { at: number; kpis: Promise<BusinessKpis> } | null = null;
  const kpis = () => {
    const now = Date.now();
    if (!cached || now - cached.at > REUSE_MS) cached = { at: now, kpis: businessKpis(read, policies, now) };
    return cached.kpis;
  };
  const safely = async (gauge: client.Gauge, fn: (k: BusinessKpis) => void) => {
    gauge.reset();
    try {
      fn(await kpis());
    } catch {
      cached = null;
    }
  };
  const quantiles = (gauge: client.Gauge, s: { median: number | null; p90: number | null } | null) => {
    if (s?.median != null) gauge.set({ quantile: '0.5' }, s.median);
    if (s?.p90 != null) gauge.set({ quantile: '0.9' }, s.p90);
  };
  new client.Gauge({
    name: 'omniops_kpi_return_resolution_hours',
    help: 'Hours from a return request to its first outcome (refunded, replaced, claimed, rejected, closed), cases resolved in the last 24 h, by quantile',
    labelNames: ['quantile'],
    registers,
    async collect() {
      await safely(this, (k) => quantiles(this, k.returnResolutionHours));
    },
  });
  new client.Gauge({
    name: 'omniops_kpi_refund_approval_minutes',
    help: 'Minutes from a refund approval request to its decision, requests decided in the last 24 h, by quantile',
    labelNames: ['quantile'],
    registers,
    async collect() {
      await safely(this, (k) => quantiles(this, k.refundApprovalMinutes));
    },
  });
  new client.Gauge({
    name: 'omniops_kpi_manual_touches_per_1000_orders',
    help: "People's commands (API and console) per 1,000 orders placed, last 24 h",
    registers,
    async collect() {
      await safely(this, (k) => {
        if (k.manualTouches?.perThousandOrders != null) this.set(k.manualTouches.perThousandOrders);
      });
    },
  });
  new client.Gauge({
    name: 'omniops_kpi_channel_sync_within_target_ratio',
    help: "Share of channel availability figures delivered within the availability policy's syncTargetSeconds, figures made in the last 24 h",
    registers,
    async collect() {
      await safely(this, (k) => {
        if (k.channelSync.rate !== null) this.set(k.channelSync.rate);
      });
    },
  });
  new client.Gauge({
    name: 'omniops_kpi_inventory_accuracy_ratio',
    help: "Share of sku × location lines that agreed with the ERP at each destination's latest reconciliation",
    registers,
    async collect() {
      await safely(this, (k) => {
        if (k.inventoryAccuracy.rate !== null) this.set(k.inventoryAccuracy.rate);
      });
    },
  });
}
