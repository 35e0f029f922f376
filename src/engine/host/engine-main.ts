import { parentPort, workerData } from 'node:worker_threads';
import { createApp, type App } from '../../app.js';
import { SharedWriteLock } from '../../store/shared-lock.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { EngineThreadData, FromEngine, MetricJson, ToEngine } from './messages.js';

/**
 * The engine thread's entry: the same composition root as a whole server (createApp), minus HTTP.
 * It runs every loop that carries work out and tells the main thread what HTTP needs to know:
 * settled events (long-polls), circuit states, and its counters for /metrics.
 */
const port = parentPort!;
const send = (m: FromEngine) => port.postMessage(m);
const data = workerData as EngineThreadData;

/** Counters and histograms that live in this thread's memory; gauges read from the store (and process metrics) come from the main thread. */
async function ownMetrics(app: App): Promise<MetricJson[]> {
  const metrics = app.metrics.registry.getMetricsAsArray() as unknown as Array<{ collect?: unknown; get(): Promise<MetricJson> }>;
  return Promise.all(metrics.filter((m) => typeof m.collect !== 'function').map((m) => m.get()));
}

async function main(): Promise<void> {
  const app = await createApp(data.config, {
    ...(data.lockBuffer ? { writeLock: new SharedWriteLock(data.lockBuffer) } : {}),
    ...(data.postedBuffer ? { sqliteAppends: { on: 'writer', posted: new Int32Array(data.postedBuffer, 0, 1) } as const } : {}),
  });
  const store = app.store instanceof SqliteStore ? app.store : undefined;
  app.settledListeners.push((ids) => send({ kind: 'settled', ids }));
  let lastBreakers = '[]';
  const breakers = setInterval(() => {
    const entries = app.delivery.breakerSnapshot();
    const text = JSON.stringify(entries);
    if (text === lastBreakers) return;
    lastBreakers = text;
    send({ kind: 'breakers', entries });
  }, 500);
  breakers.unref();
  port.on('message', (m: ToEngine) => {
    if (m.kind === 'wake') (m.loop === 'dispatcher' ? app.dispatcher : app.delivery).wake();
    else if (m.kind === 'append') {
      if (!store) send({ kind: 'appended', id: m.id, error: { message: 'the engine thread appends only to SQLite' } });
      else {
        void store.appendPosted(m.rows).then(
          (out) => {
            send({ kind: 'appended', id: m.id, out });
            if (out.some((o) => o.kind === 'appended')) app.dispatcher.wake();
          },
          (e: unknown) => send({ kind: 'appended', id: m.id, error: { message: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code } }),
        );
      }
    }
    else if (m.kind === 'metrics') void ownMetrics(app).then((metrics) => send({ kind: 'metrics', id: m.id, metrics }), () => send({ kind: 'metrics', id: m.id, metrics: [] }));
    else if (m.kind === 'stop') {
      clearInterval(breakers);
      void app.close().finally(() => {
        send({ kind: 'stopped' });
        port.close();
      });
    }
  });
  app.startWorkers();
  send({ kind: 'ready' });
}

main().catch((e: unknown) => send({ kind: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
