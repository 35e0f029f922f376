import client from 'prom-client';
import type { DispatchObserver } from '../engine/dispatch/dispatcher.js';
import type { LoggedEvent } from '../store/repos/events.js';
import type { SqlExecutor } from '../store/port.js';
import { backlog } from '../store/repos/events.js';
import { registerReplenishmentGauges } from './replenishment-metrics.js';
import { registerBooksGauges } from './books-metrics.js';
import { registerKpiGauges } from './kpi-metrics.js';
import type { PolicyBook } from '../engine/policy-book.js';
import { approvalCounts } from '../store/repos/approvals.js';
import { exceptionQueueSizes } from '../store/repos/exceptions.js';

/** One registry per app instance, so tests can run several apps in one process. */
export class Metrics implements DispatchObserver {
  readonly registry = new client.Registry();
  readonly received: client.Counter<'source' | 'type' | 'result'>;
  readonly processingSeconds: client.Histogram<'type'>;
  readonly handlerFailures: client.Counter<'type'>;
  readonly retries: client.Counter<'type'>;
  readonly deadLetters: client.Counter<'type'>;
  readonly httpRequests: client.Counter<'route' | 'status'>;
  readonly ruleRuns: client.Counter<'rule' | 'outcome'>;
  /** Approval request → outcome, by subject and outcome (approved, rejected, expired). */
  readonly approvalCycleSeconds: client.Histogram<'subject' | 'outcome'>;
  /** Decisions refused for segregation of duties (own request, same person twice, distinct roles). */
  readonly sodRefusals: client.Counter<'subject' | 'reason'>;
  /** PostgreSQL: dispatch went on past a transaction still writing to the log (LogHorizon's bound). */
  readonly logOrderWaitsGivenUp: client.Counter;
  readonly carefulReruns: client.Counter;

  constructor(read: SqlExecutor, policies?: PolicyBook) {
    const registers = [this.registry];
    client.collectDefaultMetrics({ register: this.registry, prefix: 'omniops_' });
    this.received = new client.Counter({
      name: 'omniops_events_received_total',
      help: 'Events offered at intake, by source, type and result (accepted, duplicate, rejected)',
      labelNames: ['source', 'type', 'result'],
      registers,
    });
    this.processingSeconds = new client.Histogram({
      name: 'omniops_event_processing_seconds',
      help: 'Time from receipt to processed, by event type',
      labelNames: ['type'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.handlerFailures = new client.Counter({ name: 'omniops_handler_failures_total', help: 'Handler attempts that threw', labelNames: ['type'], registers });
    this.retries = new client.Counter({ name: 'omniops_event_retries_total', help: 'Events scheduled for another attempt', labelNames: ['type'], registers });
    this.deadLetters = new client.Counter({ name: 'omniops_dead_letters_total', help: 'Events dead-lettered after their last attempt', labelNames: ['type'], registers });
    this.ruleRuns = new client.Counter({ name: 'omniops_rule_runs_total', help: 'Automation rule runs by rule and outcome (fired, failed)', labelNames: ['rule', 'outcome'], registers });
    this.approvalCycleSeconds = new client.Histogram({
      name: 'omniops_approval_cycle_seconds',
      help: 'Time from an approval request to its outcome, by subject and outcome',
      labelNames: ['subject', 'outcome'],
      buckets: [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800],
      registers,
    });
    this.sodRefusals = new client.Counter({ name: 'omniops_approval_sod_refusals_total', help: 'Approval decisions refused for segregation of duties', labelNames: ['subject', 'reason'], registers });
    this.logOrderWaitsGivenUp = new client.Counter({
      name: 'omniops_dispatch_log_order_waits_given_up_total',
      help: 'PostgreSQL: times dispatch stopped waiting for a transaction still writing to the event log (events may then run in commit order)',
      registers,
    });
    this.carefulReruns = new client.Counter({
      name: 'omniops_dispatch_careful_reruns_total',
      help: 'Batches run again event by event after their fast run was abandoned (reason: handler_failed, or held_write_failed — on PostgreSQL mostly stock taken by another transaction before a held reservation reached it)',
      labelNames: ['reason'],
      registers,
    });
    // Gauges that come in pairs read their numbers once per scrape, not once each.
    const approvals = oncePerScrape(() => approvalCounts(read));
    const queues = oncePerScrape(() => exceptionQueueSizes(read));
    const pending = oncePerScrape(() => backlog(read));
    new client.Gauge({
      name: 'omniops_approvals_pending', help: 'Approval requests waiting for a decision, by subject', labelNames: ['subject'], registers,
      async collect() {
        this.reset();
        for (const c of await approvals()) this.set({ subject: c.subject }, c.pending);
      },
    });
    new client.Gauge({
      name: 'omniops_approvals_escalated', help: 'Pending approval requests escalated past their first level, by subject', labelNames: ['subject'], registers,
      async collect() {
        this.reset();
        for (const c of await approvals()) this.set({ subject: c.subject }, c.escalated);
      },
    });
    new client.Gauge({
      name: 'omniops_exception_queue_size', help: 'Unresolved exception items by queue', labelNames: ['queue'], registers,
      async collect() {
        this.reset();
        for (const q of await queues()) this.set({ queue: q.queue }, q.open);
      },
    });
    new client.Gauge({
      name: 'omniops_exception_oldest_age_seconds', help: 'Age of the oldest unresolved exception item by queue', labelNames: ['queue'], registers,
      async collect() {
        this.reset();
        for (const q of await queues()) this.set({ queue: q.queue }, q.oldestMs === null ? 0 : Math.max(0, (Date.now() - q.oldestMs) / 1000));
      },
    });
    this.httpRequests = new client.Counter({ name: 'omniops_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers });
    new client.Gauge({
      name: 'omniops_backlog_events',
      help: 'Events accepted and not yet processed',
      registers,
      async collect() {
        this.set((await pending()).count);
      },
    });
    new client.Gauge({
      name: 'omniops_backlog_age_seconds',
      help: 'Age of the oldest unprocessed event',
      registers,
      async collect() {
        const b = await pending();
        this.set(b.oldestMs === null ? 0 : Math.max(0, (Date.now() - b.oldestMs) / 1000));
      },
    });
    registerReplenishmentGauges(registers, read);
    registerBooksGauges(registers, read);
    if (policies) registerKpiGauges(registers, read, policies);
  }

  processed(e: LoggedEvent, latencyMs: number): void {
    this.processingSeconds.observe({ type: e.type }, latencyMs / 1000);
    if (e.type === 'approval.decided') {
      const p = e.payload as { subject?: string; outcome?: string; requestedAt?: number; closedAt?: number };
      if (typeof p.requestedAt === 'number' && typeof p.closedAt === 'number') {
        this.approvalCycleSeconds.observe({ subject: String(p.subject), outcome: String(p.outcome) }, Math.max(0, p.closedAt - p.requestedAt) / 1000);
      }
    } else if (e.type === 'approval.decision_refused') {
      const p = e.payload as { subject?: string | null; code?: string; reason?: string };
      if (p.code === 'E_SOD') this.sodRefusals.inc({ subject: String(p.subject ?? 'unknown'), reason: String(p.reason) });
    }
  }

  horizonForced(): void {
    this.logOrderWaitsGivenUp.inc();
  }

  rerunCarefully(reason: 'handler_failed' | 'held_write_failed'): void {
    this.carefulReruns.inc({ reason });
  }

  failed(e: LoggedEvent, _error: unknown, willRetry: boolean): void {
    this.handlerFailures.inc({ type: e.type });
    if (willRetry) this.retries.inc({ type: e.type });
    else this.deadLetters.inc({ type: e.type });
  }
}

/** One read shared by the gauges of one scrape: the promise is kept for a moment, then read again. */
function oncePerScrape<T>(read: () => Promise<T>, keepMs = 200): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    const now = performance.now();
    if (!last || now - last.at > keepMs) {
      const value = read();
      last = { at: now, value };
      value.catch(() => { last = null; });
    }
    return last.value;
  };
}
