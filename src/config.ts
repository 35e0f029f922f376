import { readFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import { DomainError } from './domain/errors.js';

/**
 * Configuration: defaults < config file (--config or OMNIOPS_CONFIG) < environment < flags.
 * Validated once at start; a bad setting stops the process with a message naming it.
 * Operational settings only — business thresholds are policy documents, not configuration.
 */
export const configSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    dataDir: z.string().min(1).default('./data'),
    store: z
      .string()
      .refine((s) => s === 'sqlite' || s.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(s), 'sqlite, sqlite:<file> or a postgres:// URL')
      .default('sqlite'),
    pgSchema: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('public'),
    pgPoolSize: z.coerce.number().int().min(1).max(200).default(8),
    /**
     * How long getting a PostgreSQL connection may take (opening one, or waiting for a free one in a
     * busy pool) before the operation fails: HTTP 503 E_UNAVAILABLE instead of waiting minutes for the
     * OS's TCP timeout when the server stops answering. Statements have their own deadline, below.
     */
    pgConnectTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(10_000),
    /**
     * How long one PostgreSQL statement may go unanswered before it fails (HTTP 503 E_UNAVAILABLE, the
     * dispatcher retries its batch later) and its connection is closed; 0: no deadline. Client-side,
     * so it fires when the server went silent mid-query (else the kernel's TCP timeout, ~15 minutes).
     * 30 s: far above any hot-path statement, short enough that requests and health checks fail
     * visibly. Migrations, snapshots, the check, audit verification and the backtest are exempt.
     */
    pgQueryTimeoutMs: z.coerce.number().int().refine((n) => n === 0 || (n >= 100 && n <= 3_600_000), '0 (none) or 100 to 3600000').default(30_000),
    sqliteSynchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** base64 32-byte key sealing stored secrets; generated into dataDir when absent (embedded use). */
    secretKey: z.string().optional(),
    environment: z.enum(['development', 'test', 'production']).default('development'),
    /**
     * Addresses or CIDRs of the reverse proxies in front of the API whose X-Forwarded-For names the
     * client (sign-in throttling, logs). Empty (the default): the socket's peer is the client, and a
     * forwarded header is not believed — anyone could otherwise pick the address they are counted under.
     */
    trustedProxies: z.array(z.string().min(1)).default([]),
    /** all: HTTP + workers in one process (the default); api: HTTP intake only; worker: processing only. */
    role: z.enum(['all', 'api', 'worker']).default('all'),
    /**
     * thread (the default): a server with role all runs the engine — dispatcher, scheduler, delivery,
     * availability, AI worker — on a worker thread of its own, so HTTP intake and processing each get
     * a core; inline: everything on the main thread (a ':memory:' store always runs inline).
     */
    engine: z.enum(['thread', 'inline']).default('thread'),
    /**
     * The hourly books check and anomaly scan (docs/checks.md, "Run on a schedule"). on: process (the
     * default) reads and computes each run in a child process of its own, so the engine thread (and
     * intake's acks) never waits for it and its memory goes back when it exits; worker: the same on a
     * worker thread (the server keeps ~20 MB of RSS after it); thread: on the scheduler's own thread
     * (as the CLI and tests do; a ':memory:' store always reads there). deadlineMs: a run that has not
     * answered by then is stopped and fails (E_SCHEDULED_READ); the next slot runs. nice: the
     * read process's niceness, so it yields the cores to the server's threads (0: as the server).
     */
    scheduledReads: z
      .object({
        on: z.enum(['process', 'worker', 'thread']).default('process'),
        deadlineMs: z.coerce.number().int().min(1000).max(3_600_000).default(600_000),
        nice: z.coerce.number().int().min(0).max(19).default(10),
      })
      .strict()
      .prefault({}),
    /** inprocess (the default) or nats://host:port[,nats://…] — cluster mode, PostgreSQL store required. */
    transport: z.string().refine((s) => s === 'inprocess' || s.startsWith('nats://'), 'inprocess or nats://host:port').default('inprocess'),
    cluster: z
      .object({
        partitions: z.coerce.number().int().min(1).max(1024).default(16),
        leaseTtlMs: z.coerce.number().int().min(1000).max(120_000).default(9000),
        sweepMs: z.coerce.number().int().min(100).max(60_000).default(1000),
        fetchBatch: z.coerce.number().int().min(1).max(5000).default(256),
        stream: z.string().regex(/^[A-Za-z0-9_-]+$/).default('OMNIOPS_EVENTS'),
        subjectPrefix: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('omniops.events'),
        replicas: z.coerce.number().int().min(1).max(5).default(1),
        workerId: z.string().min(1).max(100).optional(),
      })
      .default({ partitions: 16, leaseTtlMs: 9000, sweepMs: 1000, fetchBatch: 256, stream: 'OMNIOPS_EVENTS', subjectPrefix: 'omniops.events', replicas: 1 }),
    /** How often channel availability deltas are computed and published (coalescing window). */
    availabilityIntervalMs: z.coerce.number().int().min(50).max(60_000).default(500),
    intake: z
      .object({
        maxBatch: z.coerce.number().int().min(1).max(5000).default(512),
        /**
         * Intake groups out at once where the store allows it (SQLite with the engine thread: each
         * group rides on the engine's next commit and waits for a WAL sync; while it waits, the next
         * group can already ride on the commit after). Elsewhere one at a time.
         */
        groupsInFlight: z.coerce.number().int().min(1).max(64).default(4),
        maxBodyBytes: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
        maxDepth: z.coerce.number().int().min(4).max(512).default(32),
        signatureToleranceSeconds: z.coerce.number().int().min(1).max(3600).default(300),
        secretGraceSeconds: z.coerce.number().int().min(0).max(30 * 86400).default(86400),
      })
      .default({ maxBatch: 512, groupsInFlight: 4, maxBodyBytes: 1024 * 1024, maxDepth: 32, signatureToleranceSeconds: 300, secretGraceSeconds: 86400 }),
    dispatch: z
      .object({
        batchSize: z.coerce.number().int().min(1).max(5000).default(512),
        maxAttempts: z.coerce.number().int().min(1).max(100).default(5),
        backoffBaseMs: z.coerce.number().int().min(1).max(600_000).default(500),
        backoffMaxMs: z.coerce.number().int().min(1).max(3_600_000).default(60_000),
        idlePollMs: z.coerce.number().int().min(5).max(60_000).default(250),
        /** A batch stops taking events after this long, so intake commits and HTTP get their turn. */
        batchBudgetMs: z.coerce.number().int().min(1).max(10_000).default(16),
        /** …unless nobody waits for the write lock (SQLite, engine thread): then it may run on to this. */
        batchMaxMs: z.coerce.number().int().min(1).max(10_000).default(40),
        /** PostgreSQL: how long dispatch waits, in log order, for a transaction still writing to the log. */
        logHorizonMaxWaitMs: z.coerce.number().int().min(0).max(600_000).default(2000),
        /** PostgreSQL: how soon dispatch looks again while visible events wait for such a writer. */
        logHorizonPollMs: z.coerce.number().int().min(1).max(1000).default(2),
      })
      .default({ batchSize: 512, maxAttempts: 5, backoffBaseMs: 500, backoffMaxMs: 60_000, idlePollMs: 250, batchBudgetMs: 16, batchMaxMs: 40, logHorizonMaxWaitMs: 2000, logHorizonPollMs: 2 }),
    /** The AI port: built-in offline classifiers, or an OpenAI-compatible endpoint (built-in when it fails). */
    ai: z
      .object({
        provider: z.enum(['builtin', 'openai']).default('builtin'),
        baseUrl: z.string().url().optional(),
        apiKey: z.string().optional(),
        model: z.string().min(1).optional(),
        /** A model call slower than this counts as "AI unavailable": the rules decide. */
        timeoutMs: z.coerce.number().int().min(10).max(120_000).default(5000),
        /** How often the AI worker looks for cases and tickets to classify. */
        pollMs: z.coerce.number().int().min(5).max(60_000).default(200),
        maxAttempts: z.coerce.number().int().min(1).max(100).default(5),
      })
      .strict()
      .refine((a) => a.provider !== 'openai' || (a.baseUrl !== undefined && a.model !== undefined), 'the openai provider needs baseUrl and model')
      .default({ provider: 'builtin', timeoutMs: 5000, pollMs: 200, maxAttempts: 5 }),
    /** Outbound delivery of outbox rows to registered destinations (issue 7). */
    delivery: z
      .object({
        /** Host names, addresses or CIDRs that may be called although private/loopback (a LAN n8n, tests). */
        allowList: z.array(z.string().min(1)).default([]),
        pollMs: z.coerce.number().int().min(5).max(60_000).default(200),
        batchSize: z.coerce.number().int().min(1).max(1000).default(64),
        timeoutMs: z.coerce.number().int().min(50).max(120_000).default(10_000),
        maxAttempts: z.coerce.number().int().min(1).max(1000).default(12),
        backoffBaseMs: z.coerce.number().int().min(1).max(600_000).default(1000),
        backoffMaxMs: z.coerce.number().int().min(1).max(86_400_000).default(600_000),
        maxRetryAfterMs: z.coerce.number().int().min(1).max(86_400_000).default(3_600_000),
        breakerFailureThreshold: z.coerce.number().int().min(1).max(1000).default(5),
        breakerCooldownMs: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
        /** Delivered, expired and superseded outbox rows are deleted this many days after they were written. */
        keepSettledDays: z.coerce.number().int().min(1).max(3650).default(7),
        /** At most this many of them per minute (one scheduled tick, in the engine's transaction). */
        pruneBatch: z.coerce.number().int().min(1).max(100_000).default(5000),
        /** How long a rotated-out destination secret still signs alongside the new one. */
        secretGraceSeconds: z.coerce.number().int().min(0).max(30 * 86400).default(86400),
      })
      .strict()
      .prefault({}),
    /** Stock bookkeeping. */
    stock: z
      .object({
        /**
         * How long the movements booked after a row's count are kept (the journal a late count is rolled
         * forward by): a count taken longer ago than this arrives too late to be rolled forward and goes
         * to inventory control instead of being applied.
         */
        journalDays: z.coerce.number().int().min(1).max(365).default(14),
        /** At most this many journal rows deleted per minute (one scheduled tick). */
        pruneBatch: z.coerce.number().int().min(1).max(100_000).default(5000),
      })
      .strict()
      .prefault({}),
    /** The operations console's sign-in sessions. */
    console: z
      .object({
        /** A session ends this long after sign-in, whatever happens in between. */
        sessionTtlMinutes: z.coerce.number().int().min(1).max(7 * 24 * 60).default(480),
        /** Behind a TLS-terminating proxy: believe its X-Forwarded-Proto (Secure cookies over https). */
        trustForwardedProto: z.boolean().default(false),
      })
      .strict()
      .default({ sessionTtlMinutes: 480, trustForwardedProto: false }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

const ENV: Record<string, string> = {
  OMNIOPS_HOST: 'host',
  OMNIOPS_PORT: 'port',
  OMNIOPS_DATA_DIR: 'dataDir',
  OMNIOPS_STORE: 'store',
  OMNIOPS_PG_SCHEMA: 'pgSchema',
  OMNIOPS_PG_CONNECT_TIMEOUT_MS: 'pgConnectTimeoutMs',
  OMNIOPS_PG_QUERY_TIMEOUT_MS: 'pgQueryTimeoutMs',
  OMNIOPS_LOG_LEVEL: 'logLevel',
  OMNIOPS_SECRET_KEY: 'secretKey',
  OMNIOPS_ENVIRONMENT: 'environment',
  OMNIOPS_SQLITE_SYNCHRONOUS: 'sqliteSynchronous',
  OMNIOPS_ROLE: 'role',
  OMNIOPS_ENGINE: 'engine',
  OMNIOPS_TRANSPORT: 'transport',
};

/** Settings of the `ai` block from the environment (the key never needs to sit in a file). */
const AI_ENV: Record<string, string> = {
  OMNIOPS_AI_PROVIDER: 'provider',
  OMNIOPS_AI_BASE_URL: 'baseUrl',
  OMNIOPS_AI_API_KEY: 'apiKey',
  OMNIOPS_AI_MODEL: 'model',
  OMNIOPS_AI_TIMEOUT_MS: 'timeoutMs',
};

export function loadConfig(flags: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const file = (flags.config as string | undefined) ?? env.OMNIOPS_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    if (!existsSync(file)) throw new DomainError('E_CONFIG', `config file ${file} does not exist`);
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new DomainError('E_CONFIG', `config file ${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') fromEnv[key] = env[name];
  const fromFlags = Object.fromEntries(Object.entries(flags).filter(([k, v]) => v !== undefined && k !== 'config' && k !== 'json'));
  const aiEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(AI_ENV)) if (env[name] !== undefined && env[name] !== '') aiEnv[key] = env[name];
  const merged: Record<string, unknown> = { ...fromFile, ...fromEnv, ...fromFlags };
  if (Object.keys(aiEnv).length > 0 || fromFlags.ai !== undefined) {
    merged.ai = { ...(fromFile.ai as object | undefined), ...aiEnv, ...(fromFlags.ai as object | undefined) };
  }
  const parsed = configSchema.safeParse(merged);
  if (parsed.success && parsed.data.transport !== 'inprocess' && !/^postgres(ql)?:\/\//.test(parsed.data.store)) {
    throw new DomainError('E_CONFIG', "invalid setting 'transport' (OMNIOPS_TRANSPORT / --transport): cluster mode over NATS needs a postgres:// store");
  }
  if (parsed.success && parsed.data.transport !== 'inprocess' && !parsed.data.secretKey) {
    // Every node must open the same sealed secrets: a key generated per node would not.
    throw new DomainError('E_CONFIG', "invalid setting 'secretKey' (OMNIOPS_SECRET_KEY): cluster mode needs the same key on every node");
  }
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const path = first.path.join('.') || '(root)';
    const envName = Object.entries(ENV).find(([, k]) => k === path)?.[0];
    throw new DomainError('E_CONFIG', `invalid setting '${path}'${envName ? ` (${envName} / --${path})` : ''}: ${first.message}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}
