import { MessageChannel, Worker, type Transferable } from 'node:worker_threads';
import client from 'prom-client';
import type { App } from '../../app.js';
import type { Config } from '../../config.js';
import { SharedWriteLock } from '../../store/shared-lock.js';
import { isPostgresUrl, sqliteFile } from '../../store/open.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { AppendOutcome } from '../../store/repos/events.js';
import type { AppendReply, AppendRequest, EngineThreadData, FromEngine, MetricJson, ToEngine } from './messages.js';

/**
 * Whether a server runs its engine on a thread of its own: role all, in-process transport, and a
 * store another thread can open (not ':memory:'). Cluster workers and API-only nodes stay as they are.
 */
export function wantsEngineThread(config: Config): boolean {
  const shareable = isPostgresUrl(config.store) || sqliteFile(config.store, config.dataDir) !== ':memory:';
  return config.engine === 'thread' && config.role === 'all' && config.transport === 'inprocess' && shareable;
}

/** The write lock to share with the engine thread (SQLite only: PostgreSQL locks rows itself). */
export function engineWriteLock(config: Config): SharedWriteLock | undefined {
  return wantsEngineThread(config) && !isPostgresUrl(config.store) ? SharedWriteLock.create() : undefined;
}

/**
 * The engine isolate's heap. Left to V8's defaults (sized for a whole machine), two isolates let
 * their heaps grow to ~80 MB each under load and the server passed its 250 MB memory goal; with an
 * explicit ceiling V8 sizes its collection thresholds from it and the engine's heap stays ~45 MB
 * (live set ~25 MB) at the same throughput. The 512 MB ceiling leaves room for large events and
 * reconciliations; past it the engine thread dies and the process exits (see below).
 * On SQLite the young generation is V8's own default size (48 MB, i.e. 16-MB semi-spaces): a
 * dispatch batch keeps everything it decided alive until its commit, so with 16 MB (5-MB
 * semi-spaces) scavenges ran mid-batch and copied those objects, ~14 % of the engine thread under an
 * order load; 48 MB routed ~9 % more orders/s for ~25 MB more RSS (239 MB in a 60-s event load). On
 * PostgreSQL the engine waits on round trips more than it collects garbage, and the same 25 MB took
 * the server past its 250 MB goal (264 MB in a 20-s event load, 246 MB with 16): it keeps 16 MB.
 */
function engineLimits(config: Config): { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number } {
  return { maxYoungGenerationSizeMb: isPostgresUrl(config.store) ? 16 : 48, maxOldGenerationSizeMb: 512 };
}

/**
 * Compiled, the entry is a sibling .js module. Under tsx (tests, development) it is TypeScript, and a
 * worker does not inherit tsx's loader: a small bootstrap registers it first, then imports the entry.
 */
function spawnEngine(workerData: EngineThreadData, transferList: Transferable[]): Worker {
  const resourceLimits = engineLimits(workerData.config);
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./engine-main.js', import.meta.url), { workerData, transferList, resourceLimits });
  const tsx = (import.meta as unknown as { resolve(specifier: string): string }).resolve('tsx/esm/api');
  const entry = new URL('./engine-main.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData, transferList, resourceLimits });
}

/**
 * Starts the engine thread beside an app that serves HTTP (and does not start its own loops), and
 * wires the two: accepted events wake the engine's dispatcher, settled events wake HTTP long-polls,
 * circuits are mirrored for the integrations API, and /metrics adds the engine's counters. If the
 * engine thread dies, the process exits: a server that accepts events and never processes them
 * must not look healthy.
 */
export async function startEngineThread(app: App, lock: SharedWriteLock | undefined): Promise<void> {
  // SQLite: intake groups are appended by the engine thread on its writer connection (one connection
  // writes nearly everything, so its page cache survives; see SqliteOptions.appends). `posted` counts
  // the groups sent and not yet run, for the engine's batches to yield to.
  const sqlite = lock && app.store instanceof SqliteStore ? app.store : undefined;
  const postedBuffer = sqlite ? new SharedArrayBuffer(4) : undefined;
  const appends = sqlite ? new MessageChannel() : undefined;
  const data: EngineThreadData = {
    config: app.config,
    ...(lock ? { lockBuffer: lock.buffer } : {}),
    ...(postedBuffer && appends ? { postedBuffer, appendPort: appends.port2 } : {}),
  };
  const worker = spawnEngine(data, appends ? [appends.port2] : []);
  const post = (m: ToEngine) => worker.postMessage(m);
  const pendingMetrics = new Map<number, (m: MetricJson[]) => void>();
  const pendingAppends = new Map<number, { resolve(r: { out: AppendOutcome[]; unsynced: boolean }): void; reject(e: unknown): void }>();
  let nextId = 0;
  let engineGone = false;
  let stopping = false;
  let stopped: () => void = () => undefined;
  const stoppedPromise = new Promise<void>((resolve) => (stopped = resolve));

  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m: FromEngine) => {
      if (m.kind === 'ready') resolve();
      else if (m.kind === 'failed') reject(new Error(`engine thread failed to start: ${m.error}`));
      else if (m.kind === 'settled') app.waiters.notify(m.ids);
      else if (m.kind === 'breakers') app.delivery.mirrorBreakers(m.entries);
      else if (m.kind === 'metrics') {
        pendingMetrics.get(m.id)?.(m.metrics);
        pendingMetrics.delete(m.id);
      } else if (m.kind === 'stopped') stopped();
    });
    worker.on('error', (e) => {
      app.logger.fatal({ err: String(e) }, 'engine thread crashed');
      reject(e);
      if (!stopping) process.exit(1);
    });
    worker.on('exit', (code) => {
      stopped();
      for (const done of pendingMetrics.values()) done([]);
      pendingMetrics.clear();
      engineGone = true;
      for (const waiting of pendingAppends.values()) waiting.reject(new Error(`engine thread exited (${code}) before appending`));
      pendingAppends.clear();
      if (!stopping) {
        app.logger.fatal({ code }, 'engine thread exited');
        process.exit(1);
      }
    });
  });

  if (sqlite && postedBuffer && appends) {
    const posted = new Int32Array(postedBuffer, 0, 1);
    const port = appends.port1;
    port.on('message', (m: AppendReply) => {
      const waiting = pendingAppends.get(m.id);
      pendingAppends.delete(m.id);
      if (m.error) waiting?.reject(Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {}));
      else waiting?.resolve({ out: m.out!, unsynced: m.unsynced === true });
    });
    // Counted before it is sent: the engine's batch yields to it before the message can be read.
    sqlite.appendThrough((rows) => new Promise<{ out: AppendOutcome[]; unsynced: boolean }>((resolve, reject) => {
      if (engineGone) return reject(new Error('the engine thread has stopped: nothing can be appended'));
      const id = ++nextId;
      pendingAppends.set(id, { resolve, reject });
      Atomics.add(posted, 0, 1);
      const request: AppendRequest = { id, rows: [...rows] };
      port.postMessage(request);
    }));
    app.closeHooks.push(async () => port.close());
  }
  app.acceptedListeners.push(() => post({ kind: 'wake', loop: 'dispatcher' }));
  app.wake = { dispatcher: () => post({ kind: 'wake', loop: 'dispatcher' }), delivery: () => post({ kind: 'wake', loop: 'delivery' }) };
  app.metricsText = async () => {
    const engine = await new Promise<MetricJson[]>((resolve) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        pendingMetrics.delete(id);
        resolve([]);
      }, 2000);
      pendingMetrics.set(id, (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      });
      post({ kind: 'metrics', id });
    });
    const own = (await app.metrics.registry.getMetricsAsJSON()) as unknown as MetricJson[];
    // Each counter moves in one thread only, so adding the two sides counts everything once.
    return client.AggregatorRegistry.aggregate([own, engine] as never).metrics();
  };
  app.closeHooks.unshift(async () => {
    stopping = true;
    post({ kind: 'stop' });
    await Promise.race([stoppedPromise, new Promise((r) => setTimeout(r, 30_000))]);
    await worker.terminate();
  });
}
