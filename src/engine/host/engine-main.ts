import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { createApp, type App } from '../../app.js';
import { SharedWriteLock } from '../../store/shared-lock.js';
import { SqliteStore, type PostedGroup } from '../../store/sqlite/sqlite-store.js';
import { readScheduledOffThread } from './scheduled-reads.js';
import type { AppendReply, AppendRequest, EngineThreadData, FromEngine, MetricJson, ToEngine } from './messages.js';

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
  // SQLite: intake groups from the HTTP thread. A write transaction about to commit takes the ones
  // waiting (synchronously, off the port) and appends them in its commit; one that arrives while
  // nothing is writing is appended in a transaction of its own.
  const inbox = data.appendPort;
  let wake: () => void = () => undefined;
  const group = (m: AppendRequest): PostedGroup => ({
    rows: m.rows,
    settle(outcome, unsynced) {
      const reply: AppendReply = outcome instanceof Error
        ? { id: m.id, error: { message: outcome.message, code: (outcome as { code?: string }).code } }
        : { id: m.id, out: outcome, unsynced: unsynced === true };
      inbox!.postMessage(reply);
      if (!(outcome instanceof Error) && outcome.some((o) => o.kind === 'appended')) wake();
    },
  });
  const take = (): PostedGroup[] => {
    const groups: PostedGroup[] = [];
    for (let m = receiveMessageOnPort(inbox!); m; m = receiveMessageOnPort(inbox!)) groups.push(group(m.message as AppendRequest));
    return groups;
  };
  const app = await createApp(data.config, {
    ...(data.lockBuffer ? { writeLock: new SharedWriteLock(data.lockBuffer) } : {}),
    ...(data.postedBuffer && inbox ? { sqliteAppends: { on: 'writer', posted: new Int32Array(data.postedBuffer, 0, 1), take } as const } : {}),
  });
  wake = () => app.dispatcher.wake();
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
    else if (m.kind === 'metrics') void ownMetrics(app).then((metrics) => send({ kind: 'metrics', id: m.id, metrics }), () => send({ kind: 'metrics', id: m.id, metrics: [] }));
    else if (m.kind === 'stop') {
      clearInterval(breakers);
      void app.close().finally(() => {
        inbox?.close();
        send({ kind: 'stopped' });
        port.close();
      });
    }
  });
  if (inbox && store) inbox.on('message', (m: AppendRequest) => void store.appendPosted(group(m)).catch(() => undefined));
  readScheduledOffThread(app);
  app.startWorkers();
  send({ kind: 'ready' });
}

main().catch((e: unknown) => send({ kind: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
