import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Store } from './store/port.js';
import { openStore } from './store/open.js';
import { buildCatalog } from './domain/events/all.js';
import type { EventCatalog } from './domain/events/catalog.js';
import { buildHandlers, offLockJobs, SCHEDULED_JOBS } from './engine/handlers/all.js';
import { PolicyBook } from './engine/policy-book.js';
import { Scheduler } from './engine/scheduler/scheduler.js';
import { ScheduledReadFailed } from './engine/scheduler/off-lock.js';
import { ReadAbandoned } from './engine/scheduler/read-worker.js';
import { RuleRuntime } from './engine/rules/runtime.js';
import { AvailabilityPublisher } from './engine/availability/publisher.js';
import { AiWorker } from './engine/ai/worker.js';
import { DeliveryWorker } from './engine/delivery/worker.js';
import { DeliveryMetrics } from './engine/delivery/metrics.js';
import { aiFromConfig, type ConfiguredAi } from './engine/ai/provider.js';
import type { HandlerRegistry } from './engine/dispatch/handler.js';
import { Intake } from './engine/intake/intake.js';
import { Dispatcher } from './engine/dispatch/dispatcher.js';
import { EventWaiters } from './engine/dispatch/waiters.js';
import { SecretBox } from './domain/security/secret-box.js';
import { SourceSecrets } from './engine/identity/sources.js';
import { loadSecretKey } from './engine/identity/secret-key.js';
import { Metrics } from './observability/metrics.js';
import { deadLetterException } from './engine/exceptions/open.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Authenticator } from './api/auth.js';
import type { SharedWriteLock } from './store/shared-lock.js';
import type { SqliteOptions } from './store/sqlite/sqlite-store.js';

/** Everything one omniops process holds, wired once here (the composition root). */
export interface App {
  config: Config;
  store: Store;
  catalog: EventCatalog;
  handlers: HandlerRegistry;
  intake: Intake;
  dispatcher: Dispatcher;
  waiters: EventWaiters;
  policies: PolicyBook;
  scheduler: Scheduler;
  availability: AvailabilityPublisher;
  /** Asks the AI port outside transactions and appends its answers as events. */
  aiWorker: AiWorker;
  /** Delivers outbox rows to registered destinations (webhooks, Odoo, carriers…). */
  delivery: DeliveryWorker;
  /** Starts the dispatcher, the scheduler and the availability publisher (a worker's loops). */
  startWorkers(): void;
  /** Called with the ids of newly accepted events after each intake commit (cluster mode publishes them). */
  acceptedListeners: Array<(ids: string[]) => void>;
  /** Called with the ids of events the dispatcher settled (the engine thread forwards them to HTTP's waiters). */
  settledListeners: Array<(ids: string[]) => void>;
  /** Nudges the loops that carry work out: local ones, or the engine thread's when it runs them. */
  wake: { dispatcher(): void; delivery(): void };
  /** The Prometheus exposition of this process (with the engine thread's counters when it has one). */
  metricsText(): Promise<string>;
  /** Cluster mode replaces the in-process dispatcher loop with partition-owning consumers. */
  clusterWorker?: { start(): Promise<void>; stop(): Promise<void> };
  /** Extra resources to release on close (NATS connections…), in order. */
  closeHooks: Array<() => Promise<void>>;
  box: SecretBox;
  sourceSecrets: SourceSecrets;
  auth: Authenticator;
  metrics: Metrics;
  logger: Logger;
  clock: () => number;
  http?: FastifyInstance;
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  clock?: () => number;
  /** Tests pass an already-open store (e.g. a fresh PostgreSQL schema). */
  store?: Store;
  /** Replaces the handlers (tests add a failing one: `buildHandlers({policies}).register(…)`). */
  handlers?: (policies: PolicyBook) => HandlerRegistry;
  /** The AI the worker asks (tests pass fakes); from `config.ai` otherwise. */
  ai?: ConfiguredAi;
  /** SQLite: the write lock shared with the other thread of this process (see engine/host). */
  writeLock?: SharedWriteLock;
  /** SQLite: where intake groups are appended (the engine thread appends them on its writer; see engine/host). */
  sqliteAppends?: SqliteOptions['appends'];
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? Date.now;
  const store =
    options.store ??
    openStore({ store: config.store, dataDir: config.dataDir, sqliteSynchronous: config.sqliteSynchronous, pgSchema: config.pgSchema, pgPoolSize: config.pgPoolSize, pgConnectTimeoutMs: config.pgConnectTimeoutMs, pgQueryTimeoutMs: config.pgQueryTimeoutMs, writeLock: options.writeLock, sqliteAppends: options.sqliteAppends });
  await store.migrate();
  const catalog = buildCatalog();
  const policies = new PolicyBook(store);
  await policies.seedDefaults();
  const rules = new RuleRuntime(policies, catalog, { ruleRun: (rule, outcome) => metrics.ruleRuns.inc({ rule, outcome }) });
  const handlers = options.handlers ? options.handlers(policies) : buildHandlers({ policies, rules, outboxRetention: config.delivery, stockJournal: config.stock });
  const waiters = new EventWaiters();
  const metrics = new Metrics(store.read, policies);
  const box = new SecretBox(loadSecretKey(config.secretKey, config.dataDir));
  let dispatcher: Dispatcher | undefined;
  const acceptedListeners: Array<(ids: string[]) => void> = [];
  const settledListeners: Array<(ids: string[]) => void> = [];
  const intake = new Intake(store, catalog, {
    maxBatch: config.intake.maxBatch,
    groupsInFlight: config.intake.groupsInFlight,
    clock,
    onAccepted: (ids) => {
      dispatcher?.wake();
      for (const listener of acceptedListeners) listener(ids);
    },
  });
  dispatcher = new Dispatcher({
    store,
    catalog,
    handlers,
    // Long batches only where HTTP runs on another thread (the engine thread holds the shared lock):
    // inline, a batch blocks this thread's sockets for as long as it runs, whether or not intake waits.
    settings: options.writeLock ? config.dispatch : { ...config.dispatch, batchMaxMs: config.dispatch.batchBudgetMs },
    observer: metrics,
    clock,
    onSettled: (ids) => {
      waiters.notify(ids);
      for (const listener of settledListeners) listener(ids);
    },
    log: (level, msg, fields) => logger[level](fields, msg),
    afterHandlers: (ctx) => rules.afterEvent(ctx),
    actsOn: async (type, payload, tx) => handlers.for(type).some((h) => !h.wants || h.wants(payload)) || (await rules.listensTo(type, tx)),
    onDeadLetter: deadLetterException,
  });
  const app: App = {
    config,
    store,
    catalog,
    handlers,
    intake,
    dispatcher,
    waiters,
    box,
    sourceSecrets: new SourceSecrets(store, box),
    auth: new Authenticator(store, 3000, clock),
    metrics,
    logger,
    clock,
    policies,
    scheduler: new Scheduler(intake, SCHEDULED_JOBS, clock, (e) => {
      // A scheduled read stopped by shutdown is expected (its slot is offered again by the next start).
      if (e instanceof ScheduledReadFailed && e.cause instanceof ReadAbandoned) logger.info({ job: e.job }, 'scheduled read abandoned at shutdown');
      else logger.error({ err: String(e) }, 'scheduler tick failed');
    }, { dueSlots: (now) => rules.dueSlots(store.read, now) }, { store, jobs: offLockJobs(policies) }),
    availability: new AvailabilityPublisher(store, policies, clock, (e) => logger.error({ err: String(e) }, 'availability publish failed')),
    delivery: new DeliveryWorker({
      store, intake, box, settings: config.delivery, environment: config.environment, metrics: new DeliveryMetrics(metrics.registry, store.read), clock,
      log: (level, msg, fields) => logger[level](fields, msg),
    }),
    aiWorker: new AiWorker(store, intake, options.ai ?? aiFromConfig(config.ai), config.ai, clock, (e) => logger.warn({ err: String(e) }, 'ai work failed')),
    acceptedListeners,
    settledListeners,
    wake: {
      dispatcher: () => app.dispatcher.wake(),
      delivery: () => app.delivery.wake(),
    },
    metricsText: () => metrics.registry.metrics(),
    closeHooks: [],
    startWorkers() {
      if (app.clusterWorker) void app.clusterWorker.start().catch((e) => logger.error({ err: String(e) }, 'cluster worker failed to start'));
      else app.dispatcher.start();
      app.scheduler.start();
      app.availability.start(config.availabilityIntervalMs);
      app.aiWorker.start();
      app.delivery.start();
    },
    async close() {
      await app.http?.close();
      app.scheduler.stop();
      await app.availability.stop();
      await app.aiWorker.stop();
      await app.delivery.stop();
      await app.clusterWorker?.stop();
      await app.dispatcher.stop();
      for (const hook of app.closeHooks) await hook().catch(() => undefined);
      await store.close();
    },
  };
  return app;
}
