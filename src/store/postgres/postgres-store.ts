import pg from 'pg';
import { HeldWriteFailed, isRetryableConflict, type RunResult, type SqlExecutor, type Store, type TransactionOptions, type Tx } from '../port.js';
import { MIGRATIONS_TABLE } from '../migrations.js';
import { isConnectFailure, StoreUnavailable } from '../unavailable.js';
import { Connection, DEFAULT_PG_QUERY_TIMEOUT_MS } from './connection.js';
import { migrationsFor } from '../schema/index.js';
import { toPositional } from './placeholders.js';
import { appendEvents, PG_ROWS_PER_INSERT, type AppendOutcome, type EventAppender, type NewEventRow } from '../repos/events.js';

// BIGINT columns hold epoch milliseconds and sequence numbers, all far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PostgresOptions {
  url: string;
  /** Schema to use (created if missing); lets every test run in a fresh schema. */
  schema?: string;
  poolSize?: number;
  /**
   * How long getting a connection may take — opening one, or waiting for a busy pool to free one —
   * before the operation fails with StoreUnavailable (default 10 s). Without it a server that stops
   * answering (host down, packets dropped) holds every request for the OS's TCP timeout (minutes).
   */
  connectTimeoutMs?: number;
  /**
   * How long one ordinary statement may go unanswered (default 30 s, DEFAULT_PG_QUERY_TIMEOUT_MS; 0:
   * no deadline) before it fails with StoreUnavailable and its connection is closed — a server that
   * goes silent mid-query would otherwise hold it for the kernel's TCP timeout (~15 minutes). Not
   * applied to the long paths: migrate(), snapshot() and `unhurried` (src/store/long-reads.ts).
   */
  queryTimeoutMs?: number;
}

export const DEFAULT_PG_CONNECT_TIMEOUT_MS = 10_000;
export { DEFAULT_PG_QUERY_TIMEOUT_MS };
/** TCP keepalive's first probe after this long idle: finds pooled connections to a host that died. */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000;

const MAX_TX_ATTEMPTS = 5;
/** One round trip: a multi-statement simple query. */
const RELAXED_BEGIN = 'BEGIN; SET LOCAL synchronous_commit = off';

export class PostgresStore implements Store, EventAppender {
  readonly dialect = 'postgres' as const;
  readonly read: SqlExecutor;
  /**
   * Reads without the statement deadline, for the paths that legitimately run long on large data
   * (the books check, the audit chain's verification, the backtest): use `longReads(store)`.
   */
  readonly unhurried: SqlExecutor;
  private readonly pool: pg.Pool;
  private readonly queryTimeoutMs: number;
  private readonly schema: string;
  private readonly url: string;
  private closed = false;

  constructor(options: PostgresOptions) {
    this.url = options.url;
    this.schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new Error(`invalid schema name ${this.schema}`);
    this.queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_PG_QUERY_TIMEOUT_MS;
    // The statement deadline is set per statement (Connection), not as the pool's query_timeout:
    // node-postgres lets a query's own query_timeout override the pool's only when it is non-zero, so
    // the long paths (migrations, snapshots, the check and the backtest) could not turn it off. No
    // server-side statement_timeout: it cannot fire when the server is the thing that stopped answering.
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 8,
      options: `-c search_path=${this.schema}`,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_PG_CONNECT_TIMEOUT_MS,
      // An idle pooled connection to a host that died (or a long statement's, once its request is
      // acknowledged) is found by the kernel's probes instead of on its next use.
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    });
    this.pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it on the next checkout.
    });
    this.pool.on('connect', (client) => {
      // A checked-out client has no listener of the pool's: a connection lost mid-query would emit
      // an unhandled 'error' and end the process. The query in flight gets the error anyway.
      client.on('error', () => undefined);
    });
    this.read = new PgExecutor((q) => this.readOne(q as pg.QueryConfig, this.queryTimeoutMs));
    // No deadline: the check, the audit verification and the backtest read the whole log or all the
    // books, which takes longer than any statement deadline would allow on a large database.
    this.unhurried = new PgExecutor((q) => this.readOne(q as pg.QueryConfig, 0));
  }

  /** One statement on a pooled connection, outside any transaction. */
  private async readOne(q: pg.QueryConfig, timeoutMs: number): Promise<pg.QueryResult> {
    const conn = new Connection(await this.checkout(), timeoutMs);
    try {
      const r = await conn.query(q);
      conn.release();
      return r;
    } catch (error) {
      conn.release(error); // as pool.query does: a connection that failed a query is not reused
      throw error;
    }
  }

  /** A pooled connection, or StoreUnavailable when none could be had within the connect timeout. */
  private async checkout(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw isConnectFailure(error) ? new StoreUnavailable(error) : error;
    }
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      // Every statement, BEGIN to COMMIT, has the deadline: a batch or a command is many short ones.
      const client = new Connection(await this.checkout(), this.queryTimeoutMs);
      const hooks: Array<() => void> = [];
      let savepointSeq = 0;
      const exec = new PgExecutor((q) => client.query(q as pg.QueryConfig));
      const kept = new Map<string, unknown>();
      let opened: Array<Array<Record<string, unknown>>> | undefined;
      // Writes held back (Tx.beforeNextStatement), sent before anything else reaches the server.
      const held: Array<() => Promise<void>> = [];
      const release = async (): Promise<void> => {
        for (const flush of held.splice(0)) {
          try {
            await flush();
          } catch (error) {
            held.length = 0;
            if (isRetryableConflict(error)) throw error; // the whole transaction runs again
            throw new HeldWriteFailed(error);
          }
        }
      };
      const released = (): Promise<void> | undefined => (held.length > 0 ? release() : undefined);
      const tx: Tx = {
        dialect: 'postgres',
        kept,
        get opened() {
          return opened;
        },
        run: async (sql, params) => (await released(), exec.run(sql, params)),
        get: async (sql, params) => (await released(), exec.get(sql, params)),
        all: async (sql, params) => (await released(), exec.all(sql, params)),
        async savepoint<R>(inner: () => Promise<R>): Promise<R> {
          const name = `sp${++savepointSeq}`;
          await released();
          await client.query(`SAVEPOINT ${name}`);
          try {
            const r = await inner();
            await released();
            await client.query(`RELEASE SAVEPOINT ${name}`);
            return r;
          } catch (error) {
            held.length = 0; // held inside the savepoint: rolled back with it
            await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
            await client.query(`RELEASE SAVEPOINT ${name}`);
            kept.clear();
            throw error;
          }
        },
        afterCommit: (h) => hooks.push(h),
        beforeNextStatement: (flush) => {
          held.push(flush);
        },
      };
      try {
        // WAL is flushed in order: the next synchronous commit makes a relaxed one durable too.
        const begin = options?.durability === 'relaxed' ? RELAXED_BEGIN : 'BEGIN';
        if (options?.opening?.length) {
          // A multi-statement simple query answers one result per statement: BEGIN's (and SET's) first.
          const results = (await client.query([begin, ...options.opening].join(';\n'))) as unknown as pg.QueryResult[];
          opened = results.slice(results.length - options.opening.length).map((r) => r.rows);
        } else {
          await client.query(begin);
        }
        const result = await fn(tx);
        await released();
        await client.query('COMMIT');
        client.release();
        for (const h of hooks) h();
        return result;
      } catch (error) {
        if (!client.lost) await client.query('ROLLBACK').catch(() => undefined);
        client.release(); // closed, not pooled, if its connection was lost
        // A lost connection fails the transaction as StoreUnavailable whatever `fn` made of the error
        // (the dispatcher would otherwise charge an event an attempt for the database's silence):
        // the caller retries the whole of it later, as it does when no connection could be had.
        if (client.lost) throw client.lost;
        if (isRetryableConflict(error) && attempt < MAX_TX_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /**
   * A read-only REPEATABLE READ transaction on a pooled connection: every statement sees the
   * snapshot its first one took, and it takes no lock a writer waits for. Nothing to retry: a
   * read-only transaction is never a serialization failure's victim at this level.
   */
  async snapshot<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
    // No statement deadline: snapshots are the long reads (the scheduled books check and anomaly
    // scan read whole tables); they run beside the engine and hold nothing a writer waits for.
    const client = new Connection(await this.checkout(), 0);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(new PgExecutor((q) => client.query(q as pg.QueryConfig)));
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      if (!client.lost) await client.query('ROLLBACK').catch(() => undefined);
      client.release(error); // as read does: a connection that failed is not reused
      throw error;
    }
  }

  /**
   * Intake's group commit. A group that fits one multi-row INSERT is that statement alone, outside
   * a transaction: one statement is atomic by itself, so BEGIN and COMMIT would only add two round
   * trips; its commit still waits for the WAL flush (synchronous_commit stays on), so nothing is
   * acknowledged before it is durable. A larger group keeps its transaction: appended whole or not
   * at all. Duplicates are looked up after the insert either way (committed rows, on any connection).
   * No `appendsOverlap`: one group at a time per process. Overlapping groups would be safe for log
   * order (the dispatcher's log horizon), but on two shared cores they took in no more and processed
   * less (docs/performance.md, round 11).
   */
  async appendEvents(rows: readonly NewEventRow[]): Promise<AppendOutcome[]> {
    if (rows.length > PG_ROWS_PER_INSERT) return this.transaction((tx) => appendEvents(tx, rows));
    for (let attempt = 1; ; attempt++) {
      try {
        return await appendEvents(this.read, rows);
      } catch (error) {
        // As transaction() does: two groups inserting the same keys in another order (other
        // processes) may deadlock; the failed statement left nothing, so it simply runs again.
        if (!isRetryableConflict(error) || attempt >= MAX_TX_ATTEMPTS) throw error;
      }
    }
  }

  async migrate(): Promise<number> {
    // No statement deadline: a migration may rewrite a large table, and a process waiting for
    // another's migration waits on its advisory lock for as long as that takes.
    const client = new Connection(await this.checkout(), 0);
    try {
      // One migrator at a time across processes: several API processes (a cluster's workers) may
      // start together. The lock comes before CREATE SCHEMA: IF NOT EXISTS does not make two
      // concurrent creations safe (the second fails on pg_namespace's unique index). Its key names
      // the schema itself, not current_schema(), which is NULL until the schema exists (and a NULL
      // key locks nothing); for an existing schema it is the same key as before. Versions are read
      // after the lock, so a process that waited finds the other's migrations committed. All
      // pending migrations run in this one transaction: PostgreSQL's DDL is transactional.
      await client.query('BEGIN');
      await client.query({ text: 'SELECT pg_advisory_xact_lock(hashtext($1))', values: [`omniops-migrate:${this.schema}`] });
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query(MIGRATIONS_TABLE);
      const applied = new Set((await client.query('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)));
      let count = 0;
      for (const m of migrationsFor('postgres')) {
        if (applied.has(m.version)) continue;
        await client.query(m.sql);
        await client.query({
          text: 'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
          values: [m.version, m.name, new Date().toISOString()],
        });
        count++;
      }
      await client.query('COMMIT');
      return count;
    } catch (error) {
      if (!client.lost) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Drops this store's schema (tests); works after close() too, on a connection of its own. */
  async dropSchema(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
    } finally {
      await client.end();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

type Query = (sql: string | pg.QueryConfig, params: readonly unknown[]) => Promise<pg.QueryResult>;

/**
 * Repository SQL runs as named prepared statements: each connection parses and plans a statement
 * once instead of on every call (most of the server's work for the short keyed statements of the
 * hot path). Names map one-to-one to SQL texts for the life of the process; past the cap (texts
 * built per call) statements go unnamed as before.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 2000;

function statement(sql: string, params: readonly unknown[]): pg.QueryConfig {
  const text = toPositional(sql);
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `omniops_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name === undefined ? { text, values: params as unknown[] } : { name, text, values: params as unknown[] };
}

class PgExecutor implements SqlExecutor {
  readonly dialect = 'postgres' as const;
  constructor(private readonly query: Query) {}

  async run(sql: string, params: readonly unknown[] = []): Promise<RunResult> {
    const r = await this.query(statement(sql, params), params);
    return { changes: r.rowCount ?? 0 };
  }

  async get<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    const r = await this.query(statement(sql, params), params);
    return r.rows[0] as T | undefined;
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const r = await this.query(statement(sql, params), params);
    return r.rows as T[];
  }
}
