/**
 * The store port. Repositories are written once, as parameterised SQL with `?` placeholders, over
 * this small executor interface; each adapter (SQLite, PostgreSQL) runs the same SQL on its driver.
 * Keeping one SQL text for both backends is what makes the contract suite meaningful: a behaviour
 * that only one backend has shows up as a failing contract test, not as a production surprise.
 */
export type Dialect = 'sqlite' | 'postgres';

export interface RunResult {
  changes: number;
}

export interface SqlExecutor {
  readonly dialect: Dialect;
  run(sql: string, params?: readonly unknown[]): Promise<RunResult>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Tx extends SqlExecutor {
  /** Runs fn inside a savepoint: if it throws, only its own writes are rolled back. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /** Registers work to run after a successful commit (never inside the transaction). */
  afterCommit(fn: () => void): void;
  /**
   * Whether another writer waits for this transaction to end (SQLite's single writer: intake in
   * this or another thread). A long batch may go on while nobody waits; absent on PostgreSQL, where
   * writers do not queue behind each other.
   */
  contended?(): boolean;
  /**
   * What repositories keep for the rest of this transaction (rows read again and again, such as the
   * locations while a batch routes orders). Cleared when a savepoint rolls back, so nothing kept
   * outlives the writes it may have seen; each transaction starts with an empty one.
   */
  readonly kept: Map<string, unknown>;
  /** PostgreSQL: the rows of `TransactionOptions.opening`'s statements, one array per statement. */
  readonly opened?: ReadonlyArray<ReadonlyArray<Record<string, unknown>>>;
  /**
   * PostgreSQL: runs `flush` just before this transaction's next statement, savepoint or commit — a
   * write held back so that several go out as one statement (a batch's stock counts, one round trip
   * instead of one each). Every later statement of the transaction still sees it; a savepoint rolled
   * back drops what was held in it. If the flush fails, the statement that set it off fails with
   * HeldWriteFailed (the transaction is lost, and that statement is not at fault). Absent on SQLite,
   * where a statement is no round trip.
   */
  beforeNextStatement?(flush: () => Promise<void>): void;
}

/** A write held back by `Tx.beforeNextStatement` failed when it went out. */
export class HeldWriteFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(`a held-back write failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export interface TransactionOptions {
  /**
   * 'relaxed': the commit returns before it is flushed to disk (SQLite synchronous=NORMAL in WAL
   * mode, PostgreSQL synchronous_commit=off). Only for work that is recomputed from durable input
   * when lost — the dispatcher's processing of logged events. Both logs are sequential, so the next
   * durable commit (an intake group, a delivery mark) flushes every relaxed commit before it: a
   * power loss can only drop a suffix of processing, which replays to the same result.
   */
  durability?: 'durable' | 'relaxed';
  /**
   * PostgreSQL only: statements without parameters (values inlined by the caller, integers only)
   * sent with BEGIN as one multi-statement query — one round trip for what would be one each. Their
   * rows are `tx.opened`. SQLite has no round trips to save and ignores them.
   */
  opening?: readonly string[];
}

export interface Store {
  readonly dialect: Dialect;
  /** Reads outside any transaction: sees committed data only. */
  readonly read: SqlExecutor;
  /** One transaction; PostgreSQL serialization failures and deadlocks are retried by the adapter. */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * A read-only snapshot: every statement `fn` runs sees the same committed state, and none takes
   * the write lock (SQLite: a deferred read transaction on a connection of its own, WAL readers never
   * block the writer; PostgreSQL: REPEATABLE READ READ ONLY on a pooled connection). For long reads
   * whose result is then written by a short transaction (scheduled controls, src/engine/scheduler/off-lock.ts).
   * A ':memory:' SQLite database has only its writer connection: there it runs under the write lock.
   */
  snapshot<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T>;
  /** Applies pending migrations; returns how many were applied. */
  migrate(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A serialization failure or deadlock (PostgreSQL 40001 / 40P01): the transaction left no trace and
 * is safe to run again as a whole. Not the fault of any one event in it.
 */
export function isRetryableConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}
