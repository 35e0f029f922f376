import client from 'prom-client';
import type { SqlExecutor } from '../../store/port.js';
import { latestReconciliations } from '../../store/repos/kpis.js';

const OUTBOX_COUNT_CAP = 100_000;

/** Delivery measures (issue 7): by destination and result, retries, circuits, dead letters, latency, reconciliation. */
export class DeliveryMetrics {
  readonly deliveries: client.Counter<'destination' | 'result'>;
  readonly retries: client.Counter<'destination'>;
  readonly deadLetters: client.Counter<'destination'>;
  readonly expired: client.Counter<'destination'>;
  readonly superseded: client.Counter<'destination'>;
  readonly latency: client.Histogram<'destination'>;
  readonly circuit: client.Gauge<'destination'>;

  /**
   * `countCap`: the outbox gauge stops counting there. On SQLite a scrape runs on the HTTP thread and
   * a count walks its index entry by entry; rows parked for a destination nobody registered pile up
   * for good, and an uncapped count would stall intake longer with every order (52 ms at 400,000
   * rows on a slow 2-core machine; 11 ms at the cap). At the cap the gauge means "at least"; the deliveries API pages
   * through all of them.
   */
  constructor(registry: client.Registry, read: SqlExecutor, countCap = OUTBOX_COUNT_CAP) {
    const registers = [registry];
    this.deliveries = new client.Counter({ name: 'omniops_deliveries_total', help: 'Delivery attempts by destination and result (delivered, retry, dead, refused)', labelNames: ['destination', 'result'], registers });
    this.retries = new client.Counter({ name: 'omniops_delivery_retries_total', help: 'Deliveries scheduled for another attempt', labelNames: ['destination'], registers });
    this.deadLetters = new client.Counter({ name: 'omniops_delivery_dead_letters_total', help: 'Deliveries dead-lettered', labelNames: ['destination'], registers });
    // By the outbox destination (notify:email), not a registered one: a row expires whether or not any destination takes it.
    this.expired = new client.Counter({ name: 'omniops_deliveries_expired_total', help: 'Outbox rows expired unsent because their send-by time passed, by outbox destination', labelNames: ['destination'], registers });
    this.superseded = new client.Counter({ name: 'omniops_deliveries_superseded_total', help: 'Outbox rows not sent because a newer figure for the same subject went instead (channel availability), by outbox destination', labelNames: ['destination'], registers });
    this.latency = new client.Histogram({
      name: 'omniops_delivery_latency_seconds', help: 'Time from outbox row creation to delivered', labelNames: ['destination'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600], registers,
    });
    this.circuit = new client.Gauge({ name: 'omniops_delivery_circuit_state', help: 'Circuit per destination: 0 closed, 1 half-open, 2 open', labelNames: ['destination'], registers });
    new client.Gauge({
      // Delivered rows are counted by omniops_deliveries_total: counting them here read the whole,
      // ever-growing outbox on every scrape.
      name: 'omniops_outbox_rows', help: `Outbox rows waiting or stopped, by status (pending, dead, unrouted); counted up to ${countCap}`, labelNames: ['status'], registers,
      async collect() {
        const counted = (status: string) => `SELECT '${status}' AS status, COUNT(*) AS n FROM (SELECT 1 FROM outbox WHERE status = '${status}' LIMIT ?) c`;
        const rows = await read.all<{ status: string; n: number | string }>(
          `${counted('pending')} UNION ALL ${counted('dead')} UNION ALL ${counted('unrouted')}`, [countCap, countCap, countCap]);
        this.reset();
        for (const r of rows) this.set({ status: r.status }, Number(r.n));
      },
    });
    new client.Gauge({
      name: 'omniops_stock_discrepancy_rate', help: 'Share of sku × location lines that disagreed with the ERP in the last reconciliation', labelNames: ['destination'], registers,
      async collect() {
        const latest = await latestReconciliations(read);
        this.reset();
        for (const p of latest) this.set({ destination: p.destinationId }, p.compared === 0 ? 0 : p.discrepancies / p.compared);
      },
    });
  }
}
