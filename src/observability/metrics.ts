import client from 'prom-client';
import type { DispatchObserver } from '../engine/dispatch/dispatcher.js';
import type { LoggedEvent } from '../store/repos/events.js';
import type { SqlExecutor } from '../store/port.js';
import { backlog } from '../store/repos/events.js';

/** One registry per app instance, so tests can run several apps in one process. */
export class Metrics implements DispatchObserver {
  readonly registry = new client.Registry();
  readonly received: client.Counter<'source' | 'type' | 'result'>;
  readonly processingSeconds: client.Histogram<'type'>;
  readonly handlerFailures: client.Counter<'type'>;
  readonly retries: client.Counter<'type'>;
  readonly deadLetters: client.Counter<'type'>;
  readonly httpRequests: client.Counter<'route' | 'status'>;

  constructor(read: SqlExecutor) {
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
    this.httpRequests = new client.Counter({ name: 'omniops_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers });
    new client.Gauge({
      name: 'omniops_backlog_events',
      help: 'Events accepted and not yet processed',
      registers,
      async collect() {
        this.set((await backlog(read)).count);
      },
    });
    new client.Gauge({
      name: 'omniops_backlog_age_seconds',
      help: 'Age of the oldest unprocessed event',
      registers,
      async collect() {
        const b = await backlog(read);
        this.set(b.oldestMs === null ? 0 : Math.max(0, (Date.now() - b.oldestMs) / 1000));
      },
    });
  }

  processed(e: LoggedEvent, latencyMs: number): void {
    this.processingSeconds.observe({ type: e.type }, latencyMs / 1000);
  }

  failed(e: LoggedEvent, _error: unknown, willRetry: boolean): void {
    this.handlerFailures.inc({ type: e.type });
    if (willRetry) this.retries.inc({ type: e.type });
    else this.deadLetters.inc({ type: e.type });
  }
}
