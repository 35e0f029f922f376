import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Store } from './store/port.js';
import { openStore } from './store/open.js';
import { buildCatalog } from './domain/events/all.js';
import type { EventCatalog } from './domain/events/catalog.js';
import { buildHandlers, SCHEDULED_JOBS } from './engine/handlers/all.js';
import { PolicyBook } from './engine/policy-book.js';
import { Scheduler } from './engine/scheduler/scheduler.js';
import { AvailabilityPublisher } from './engine/availability/publisher.js';
import type { HandlerRegistry } from './engine/dispatch/handler.js';
import { Intake } from './engine/intake/intake.js';
import { Dispatcher } from './engine/dispatch/dispatcher.js';
import { EventWaiters } from './engine/dispatch/waiters.js';
import { SecretBox } from './domain/security/secret-box.js';
import { SourceSecrets } from './engine/identity/sources.js';
import { loadSecretKey } from './engine/identity/secret-key.js';
import { Metrics } from './observability/metrics.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Authenticator } from './api/auth.js';

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
  /** Starts the dispatcher, the scheduler and the availability publisher (a worker's loops). */
  startWorkers(): void;
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
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? Date.now;
  const store =
    options.store ??
    openStore({ store: config.store, dataDir: config.dataDir, sqliteSynchronous: config.sqliteSynchronous, pgSchema: config.pgSchema, pgPoolSize: config.pgPoolSize });
  await store.migrate();
  const catalog = buildCatalog();
  const policies = new PolicyBook(store);
  await policies.seedDefaults();
  const handlers = options.handlers ? options.handlers(policies) : buildHandlers({ policies });
  const waiters = new EventWaiters();
  const metrics = new Metrics(store.read);
  const box = new SecretBox(loadSecretKey(config.secretKey, config.dataDir));
  let dispatcher: Dispatcher | undefined;
  const intake = new Intake(store, catalog, { maxBatch: config.intake.maxBatch, clock, onAccepted: () => dispatcher?.wake() });
  dispatcher = new Dispatcher({
    store,
    catalog,
    handlers,
    settings: config.dispatch,
    observer: metrics,
    clock,
    onSettled: (ids) => waiters.notify(ids),
    log: (level, msg, fields) => logger[level](fields, msg),
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
    auth: new Authenticator(store),
    metrics,
    logger,
    clock,
    policies,
    scheduler: new Scheduler(intake, SCHEDULED_JOBS, clock, (e) => logger.error({ err: String(e) }, 'scheduler tick failed')),
    availability: new AvailabilityPublisher(store, policies, clock, (e) => logger.error({ err: String(e) }, 'availability publish failed')),
    startWorkers() {
      app.dispatcher.start();
      app.scheduler.start();
      app.availability.start(config.availabilityIntervalMs);
    },
    async close() {
      await app.http?.close();
      app.scheduler.stop();
      await app.availability.stop();
      await app.dispatcher.stop();
      await store.close();
    },
  };
  return app;
}
