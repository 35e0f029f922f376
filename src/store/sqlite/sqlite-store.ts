import Database from 'better-sqlite3';
import { closeSync, fdatasync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { RunResult, SqlExecutor, Store, TransactionOptions, Tx } from '../port.js';
import { MIGRATIONS_TABLE } from '../migrations.js';
import { migrationsFor } from '../schema/index.js';
import { Mutex } from '../mutex.js';
import type { SharedWriteLock } from '../shared-lock.js';
import { appendEvents, EXISTING_EVENT_SQL, eventParams, INSERT_EVENT_SQL, type AppendOutcome, type EventAppender, type NewEventRow } from '../repos/events.js';

export interface SqliteOptions {
  /** File path, or ':memory:' for tests. */
  file: string;
  /** FULL (the default) fsyncs every commit: an acknowledged event survives a power loss. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Shared with the other threads of this process that write the same file (the engine thread). */
  writeLock?: SharedWriteLock;
  /**
   * Where intake groups are appended. 'worker' (the default): on a worker thread with a connection
   * of its own, so the commit's fsync blocks that thread, not the event loop. 'writer': on this
   * store's writer connection — the engine thread's store, whose dispatcher batches then share one
   * connection, and so one page cache, with intake (a commit from another connection makes SQLite
   * drop a connection's whole cache); this connection then also checkpoints. `posted` counts groups
   * another thread has sent this store and that have not run yet: a dispatcher batch yields to them
   * as it yields to a writer waiting for the lock.
   */
  appends?: { on: 'worker' } | { on: 'writer'; posted?: Int32Array; take?: () => PostedGroup[] };
  /**
   * How often a store that appends on its writer ('writer') has the WAL checkpointed by a worker
   * thread (default 500 ms; only after writes). 0: its own commits checkpoint, in this thread.
   */
  checkpointEveryMs?: number;
}

/**
 * An intake group another thread posted to this store (appends 'writer'). `take` hands over, at
 * once, the groups posted and not yet taken: a write transaction about to commit appends them in
 * its own commit (one commit, and one WAL write of the pages both touch, instead of two).
 */
export interface PostedGroup {
  rows: readonly NewEventRow[];
  /**
   * Called once: after the commit that holds the rows, or with the error that kept them out.
   * `unsynced`: the commit was relaxed, so the rows are durable only once the WAL is synced — which
   * the poster does (`SqliteStore.appendThrough`) before it answers anyone.
   */
  settle(outcome: AppendOutcome[] | Error, unsynced?: boolean): void;
}

/**
 * Appends a group somewhere else (the engine thread's store); resolves after the commit that holds
 * it, `unsynced` when that commit was relaxed (the caller syncs the WAL before answering).
 */
export type RemoteAppend = (rows: readonly NewEventRow[]) => Promise<{ out: AppendOutcome[]; unsynced: boolean }>;

type Statement = Database.Statement<unknown[], unknown>;

/** How often the WAL is checkpointed while only the dispatcher writes (intake commits checkpoint too). */
const CHECKPOINT_EVERY_MS = 1000;
/** How often the engine's store has a worker checkpoint the WAL (it grows ~30–70 MB/s under an order load). */
const OFF_THREAD_CHECKPOINT_MS = 500;

/**
 * better-sqlite3 is synchronous, so a transaction holds the single writer connection while its
 * (async) callback runs; a mutex serialises transactions from this process, and busy_timeout lets
 * another process (the CLI beside a running server) wait for the file lock. Reads outside a
 * transaction use their own connection so they never see uncommitted work.
 */
export class SqliteStore implements Store, EventAppender {
  readonly dialect = 'sqlite' as const;
  readonly read: SqlExecutor;
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly writerExec: SqliteExecutor;
  private readonly mutex: { run<T>(fn: () => Promise<T>): Promise<T>; waiting(): number };
  private readonly control: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo' | 'relaxed' | 'durable', Statement>;
  private readonly file: string;
  private readonly synchronous: 'FULL' | 'NORMAL';
  private appender: AppendWorker | null | undefined;
  private remote: RemoteAppend | null = null;
  private readonly posted: Int32Array | undefined;
  private readonly take: (() => PostedGroup[]) | undefined;
  /** The transaction running now commits without an fsync (see transaction()). */
  private relaxedNow = false;
  private walFd: number | undefined;
  /** Settlements of groups whose commit is written and not yet covered by a started WAL sync. */
  private awaitingSync: Array<(error?: Error) => void> = [];
  private syncing: Promise<void> | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private wroteSinceCheckpoint = false;
  /** The worker whose connection checkpoints for a store that appends on its writer (see checkpointOffThread). */
  private checkpointer: AppendWorker | null = null;
  private checkpointing = false;
  private closed = false;
  /** The connection snapshots read on (opened on first use), one snapshot at a time. */
  private snapshotDb: Database.Database | null = null;
  private readonly snapshots = new Mutex();

  constructor(options: SqliteOptions) {
    const memory = options.file === ':memory:';
    // In-thread callers queue on the mutex; with a shared lock, each then queues with the other threads.
    const local = new Mutex();
    const shared = options.writeLock;
    const posted = options.appends?.on === 'writer' ? options.appends.posted : undefined;
    this.posted = posted;
    this.take = options.appends?.on === 'writer' ? options.appends.take : undefined;
    const waiting = shared ? () => local.waiting() + shared.waiting() : () => local.waiting();
    this.mutex = {
      run: shared ? (fn) => local.run(() => shared.run(fn)) : (fn) => local.run(fn),
      waiting: posted ? () => waiting() + Atomics.load(posted, 0) : waiting,
    };
    this.file = options.file;
    this.synchronous = options.synchronous ?? 'FULL';
    // A file database appends intake groups on a worker thread (created on first use, after migrate),
    // unless this store's own writer does (see SqliteOptions.appends).
    this.appender = memory || options.appends?.on === 'writer' ? null : undefined;
    if (!memory) mkdirSync(dirname(options.file), { recursive: true });
    this.writer = new Database(options.file);
    this.writer.pragma('journal_mode = WAL');
    this.writer.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.writer.pragma('busy_timeout = 10000');
    this.writer.pragma('foreign_keys = ON');
    // Statement journals (kept while a multi-row statement runs inside a transaction, so it can be
    // undone alone) and sorter spills go to memory: with the default they spilled past 64 KiB into
    // temporary files — a dispatch batch's multi-row INSERTs opened, wrote and unlinked one such file
    // per statement, as many page writes as the WAL itself got.
    this.writer.pragma('temp_store = MEMORY');
    // Appending here (the engine thread), the WAL is checkpointed by a worker thread's connection
    // (checkpointOffThread): copying ~30 MB into the database file and syncing it took ~5 % of this
    // thread under an order load. With checkpointEveryMs 0, or if that worker cannot run, this
    // connection checkpoints at its commits, every ~32 MB of WAL (as the append worker's does): pages
    // the dispatcher rewrites over and over are copied once per checkpoint.
    if (options.appends?.on === 'writer' && !memory) {
      const every = options.checkpointEveryMs ?? OFF_THREAD_CHECKPOINT_MS;
      this.writer.pragma(`wal_autocheckpoint = ${every > 0 ? 0 : 8000}`);
      if (every > 0) {
        this.checkpointTimer = setInterval(() => void this.checkpointOffThread(), every);
        this.checkpointTimer.unref();
      }
    }
    // A ':memory:' database is private to its connection, so tests read through the writer.
    this.reader = memory ? this.writer : new Database(options.file);
    if (!memory) this.reader.pragma('busy_timeout = 10000');
    this.writerExec = new SqliteExecutor(this.writer);
    this.read = memory ? this.writerExec : new SqliteExecutor(this.reader);
    // Prepared once: a transaction's own statements are on the hot path too. Savepoints share one
    // name — SQLite resolves a name to the innermost savepoint, so nesting stays LIFO-correct.
    this.control = {
      begin: this.writer.prepare('BEGIN IMMEDIATE'),
      commit: this.writer.prepare('COMMIT'),
      rollback: this.writer.prepare('ROLLBACK'),
      savepoint: this.writer.prepare('SAVEPOINT omniops_sp'),
      release: this.writer.prepare('RELEASE omniops_sp'),
      rollbackTo: this.writer.prepare('ROLLBACK TO omniops_sp'),
      relaxed: this.writer.prepare('PRAGMA synchronous = NORMAL'),
      durable: this.writer.prepare(`PRAGMA synchronous = ${this.synchronous}`),
    };
  }

  /**
   * Appends an intake group and resolves once it is durable. With the engine thread (appendThrough)
   * the group rides on the engine connection's next commit and this thread syncs the WAL. Otherwise
   * it is one transaction on the append worker's own connection, under the same mutex as every other
   * write transaction; the worker answers after COMMIT returned — with synchronous=FULL after the
   * WAL fsync — so the fsync blocks the worker thread, not the event loop that parses requests.
   */
  async appendEvents(rows: readonly NewEventRow[]): Promise<AppendOutcome[]> {
    // Another thread's store appends for this one (outside this mutex: that store takes the lock).
    if (this.remote) {
      const { out, unsynced } = await this.remote(rows);
      if (unsynced && this.synchronous === 'FULL') await new Promise<void>((resolve, reject) => this.afterWalSync((e) => (e ? reject(e) : resolve())));
      return out;
    }
    return this.mutex.run(async () => {
      const worker = this.appendWorker();
      if (worker) {
        try {
          return await worker.append(rows);
        } catch (error) {
          if (!(error instanceof WorkerGone)) throw error;
          this.appender = null; // the worker died (not a database error): append in-thread from now on
          this.writer.pragma('wal_autocheckpoint = 1000');
        }
      }
      return this.inTransaction((tx) => appendEvents(tx, rows));
    });
  }

  /**
   * With the engine thread appending, more than one group may be out: the engine takes every group
   * waiting into its next commit and answers after a WAL sync it does not hold the lock for, so a
   * group posted meanwhile rides on the next commit instead of waiting for that sync.
   */
  appendsOverlap(): boolean {
    return this.remote !== null;
  }

  /**
   * Hands this store's intake groups to another thread's store (the engine thread's, which appends
   * them on its writer: SqliteOptions.appends 'writer'). That connection checkpoints, so this one
   * never does: its own commits (API commands) would otherwise checkpoint on the event loop. A
   * group that rode on a relaxed commit (a dispatch batch) is answered here only after an
   * fdatasync of the WAL — what synchronous=FULL would have done at that commit — run on libuv's
   * thread pool with its callback on this (mostly idle) event loop, not the engine's, which is
   * busy with its next batch meanwhile.
   */
  appendThrough(remote: RemoteAppend): void {
    this.remote = remote;
    this.writer.pragma('wal_autocheckpoint = 0');
  }

  /**
   * An intake group another thread posted here (it counted it in `posted` before sending) that no
   * transaction took on its way to commit: appended in a (relaxed) transaction of its own.
   */
  async appendPosted(group: PostedGroup): Promise<void> {
    let carried = false; // from there on the transaction settles the group, whatever happens
    try {
      await this.mutex.run(() => this.relaxed(() => {
        carried = true;
        return this.inTransaction(async () => undefined, [group]);
      }));
    } catch (error) {
      if (!carried) {
        this.uncount([group]);
        group.settle(asError(error));
      }
      throw error;
    }
  }

  /**
   * A checkpoint in two steps on the checkpointer's connection. The bulk runs while this thread goes
   * on writing (a passive checkpoint takes no write lock); then, holding the lock, the frames written
   * meanwhile — few — so that the whole WAL is copied and the next write transaction starts it over.
   * A checkpoint that only ever races writers never catches up, and the WAL then grows without bound.
   * If the worker cannot run, this connection goes back to checkpointing at its commits.
   */
  private async checkpointOffThread(): Promise<void> {
    if (this.checkpointing || !this.wroteSinceCheckpoint || this.closed) return;
    this.checkpointing = true;
    this.wroteSinceCheckpoint = false;
    try {
      this.checkpointer ??= new AppendWorker(this.file, this.synchronous);
      const worker = this.checkpointer;
      await worker.checkpoint();
      if (!this.closed) await this.mutex.run(() => worker.checkpoint());
      if (worker.stopped) throw new WorkerGone('checkpointer stopped');
    } catch {
      if (this.checkpointTimer) clearInterval(this.checkpointTimer);
      this.checkpointTimer = null;
      this.checkpointer = null;
      if (!this.closed) this.writer.pragma('wal_autocheckpoint = 8000');
    } finally {
      this.checkpointing = false;
    }
  }

  private appendWorker(): AppendWorker | null {
    if (this.appender === undefined) {
      try {
        this.appender = new AppendWorker(this.file, this.synchronous);
        // Checkpoints copy WAL pages into the database file and fsync it: the worker thread does
        // them (after its commits, and on a timer while only the dispatcher writes), so they never
        // stall the event loop. Both run under the write mutex: a checkpoint racing a writer never
        // catches up, the WAL is then never restarted, and it grows without bound (every read
        // slowing with it).
        this.writer.pragma('wal_autocheckpoint = 0');
        this.checkpointTimer = setInterval(() => {
          if (!this.wroteSinceCheckpoint || this.closed) return;
          this.wroteSinceCheckpoint = false;
          void this.mutex.run(() => this.appender?.checkpoint() ?? Promise.resolve()).catch(() => undefined);
        }, CHECKPOINT_EVERY_MS);
        this.checkpointTimer.unref();
      } catch {
        this.appender = null;
      }
    }
    return this.appender;
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (options?.durability !== 'relaxed' || this.synchronous === 'NORMAL') return this.mutex.run(() => this.inTransaction(fn));
    // WAL frames are appended in order, so the next FULL commit (an intake group) fsyncs this one too.
    return this.mutex.run(() => this.relaxed(() => this.inTransaction(fn)));
  }

  /** Runs `fn` (a transaction; the caller holds the mutex) with commits that do not wait for the disk. */
  private async relaxed<T>(fn: () => Promise<T>): Promise<T> {
    if (this.synchronous === 'NORMAL') return fn();
    this.control.relaxed.run();
    this.relaxedNow = true;
    try {
      return await fn();
    } finally {
      this.relaxedNow = false;
      this.control.durable.run();
    }
  }

  /**
   * One write transaction on the writer connection; the caller holds the mutex. Intake groups
   * posted to this store (`carried`, and any `take` hands over now) are appended just before the
   * commit, each in a savepoint so a failing group fails alone, and settled after it.
   */
  private async inTransaction<T>(fn: (tx: Tx) => Promise<T>, carried: PostedGroup[] = []): Promise<T> {
    const hooks: Array<() => void> = [];
    const tx = this.makeTx(hooks);
    let result: T;
    let groups = carried;
    let outcomes: Array<AppendOutcome[] | Error> = [];
    try {
      this.control.begin.run();
      this.wroteSinceCheckpoint = true;
      result = await fn(tx);
      const taken = this.take?.() ?? [];
      if (taken.length > 0) groups = [...carried, ...taken];
      if (groups.length > 0) outcomes = await appendGroups(tx, groups);
      this.control.commit.run();
    } catch (error) {
      if (this.writer.open && this.writer.inTransaction) this.control.rollback.run();
      this.uncount(groups);
      settle(groups, groups.map(() => asError(error)));
      throw error;
    }
    this.uncount(groups);
    // A relaxed commit (a dispatch batch) that carries intake groups is not durable yet: the poster
    // syncs the WAL before answering (see appendThrough), so this thread goes on meanwhile.
    settle(groups, outcomes, this.relaxedNow);
    for (const hook of hooks) hook();
    return result;
  }

  /**
   * A deferred read transaction on a connection of its own (not `read`'s: a snapshot held open
   * there would show every other reader of this process an old state). In WAL mode a reader
   * takes no lock the writer waits for, so intake and the dispatcher commit while it reads; the
   * first statement fixes the snapshot, so it runs at once. Each statement yields to the event
   * loop after it: better-sqlite3 is synchronous, and a snapshot of many statements would
   * otherwise hold this thread (the engine thread, which takes intake's groups) from start to end.
   * A ':memory:' database has only its writer: there the snapshot runs under the write lock.
   */
  async snapshot<T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.file === ':memory:') {
      return this.mutex.run(async () => {
        this.writer.prepare('BEGIN DEFERRED').run();
        try {
          return await fn(this.writerExec);
        } finally {
          if (this.writer.inTransaction) this.writer.prepare('ROLLBACK').run();
        }
      });
    }
    return this.snapshots.run(async () => {
      if (this.closed) throw new Error('store closed');
      if (!this.snapshotDb) {
        const db = new Database(this.file);
        db.pragma('busy_timeout = 10000');
        db.pragma('query_only = ON'); // a snapshot never writes
        this.snapshotDb = db;
      }
      const db = this.snapshotDb;
      const exec = new YieldingExecutor(new SqliteExecutor(db));
      db.prepare('BEGIN DEFERRED').run();
      try {
        db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get(); // starts the read: the snapshot is now
        return await fn(exec);
      } finally {
        if (db.inTransaction) db.prepare('ROLLBACK').run();
      }
    });
  }

  /** Groups in a commit (or kept out by its failure) no longer wait for the lock: batches stop yielding to them. */
  private uncount(groups: readonly PostedGroup[]): void {
    if (groups.length > 0 && this.posted) Atomics.sub(this.posted, 0, groups.length);
  }

  private afterWalSync(done: (error?: Error) => void): void {
    this.awaitingSync.push(done);
    if (!this.syncing) this.syncing = this.syncWal();
  }

  /**
   * fdatasync of the WAL through a descriptor of our own (the file SQLite appends to), repeated
   * while commits keep arriving. A failed sync fails the groups it covered — their rows may or may
   * not survive a crash; a resend is then answered as a duplicate — not the transactions.
   */
  private async syncWal(): Promise<void> {
    // Yield first, so `this.syncing` is set before the loop can end (a failed open ends it at once).
    await Promise.resolve();
    while (this.awaitingSync.length > 0) {
      const covered = this.awaitingSync.splice(0);
      let failure: Error | undefined;
      try {
        this.walFd ??= openSync(`${this.file}-wal`, 'r');
        const fd = this.walFd;
        await new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
      } catch (error) {
        failure = asError(error);
      }
      for (const done of covered) done(failure);
    }
    this.syncing = null;
  }

  private makeTx(hooks: Array<() => void>): Tx {
    const exec = this.writerExec;
    const store = this;
    const kept = new Map<string, unknown>();
    return {
      dialect: 'sqlite',
      kept,
      run: (sql, params) => exec.run(sql, params),
      get: (sql, params) => exec.get(sql, params),
      all: (sql, params) => exec.all(sql, params),
      async savepoint<T>(fn: () => Promise<T>): Promise<T> {
        store.control.savepoint.run();
        try {
          const result = await fn();
          store.control.release.run();
          return result;
        } catch (error) {
          store.control.rollbackTo.run();
          store.control.release.run();
          kept.clear();
          throw error;
        }
      },
      afterCommit: (fn) => hooks.push(fn),
      contended: () => store.mutex.waiting() > 0,
    };
  }

  /**
   * Each pending migration in a transaction of its own that takes the write lock first (BEGIN
   * IMMEDIATE) and only then reads whether it is applied: another process migrating the same file
   * (two commands started together on a new data directory) holds the lock meanwhile, so this one
   * waits (busy_timeout) and then finds the migration done instead of running it twice ("table …
   * already exists"). The first read, without the lock, only spares an up-to-date store the lock:
   * a version applied stays applied. SQLite's DDL is transactional, so a migration and its
   * schema_migrations row commit together or not at all.
   */
  async migrate(): Promise<number> {
    return this.mutex.run(async () => {
      this.writer.exec(MIGRATIONS_TABLE); // IF NOT EXISTS, re-checked by SQLite under the write lock
      const seen = new Set(this.writer.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
      const applied = this.writer.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
      const record = this.writer.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
      let count = 0;
      for (const m of migrationsFor('sqlite')) {
        if (seen.has(m.version)) continue;
        this.writer.transaction(() => {
          if (applied.get(m.version) !== undefined) return; // another process applied it meanwhile
          this.writer.exec(m.sql);
          record.run(m.version, m.name, new Date().toISOString());
          count++;
        }).immediate();
      }
      return count;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    await this.mutex.run(async () => {
      await this.appender?.close();
      this.appender = null;
      await this.checkpointer?.close();
      this.checkpointer = null;
      while (this.syncing) await this.syncing;
      if (this.walFd !== undefined) closeSync(this.walFd);
      if (this.reader !== this.writer) this.reader.close();
      await this.snapshots.run(async () => this.snapshotDb?.close());
      this.writer.close();
    });
  }
}

/** Prepared statements are cached per SQL text: the hot path never re-parses SQL. */
class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  private readonly cache = new Map<string, Statement>();
  constructor(private readonly db: Database.Database) {}

  private stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<RunResult> {
    const info = this.stmt(sql).run(...(params as unknown[]));
    return { changes: info.changes };
  }

  async get<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return this.stmt(sql).get(...(params as unknown[])) as T | undefined;
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.stmt(sql).all(...(params as unknown[])) as T[];
  }
}

/** A snapshot's executor: each statement, then a turn of the event loop (see SqliteStore.snapshot). */
class YieldingExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  constructor(private readonly inner: SqliteExecutor) {}
  private async after<T>(value: T): Promise<T> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return value;
  }
  async run(sql: string, params?: readonly unknown[]): Promise<RunResult> {
    return this.after(await this.inner.run(sql, params));
  }
  async get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.after(await this.inner.get<T>(sql, params));
  }
  async all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.after(await this.inner.all<T>(sql, params));
  }
}

function settle(groups: readonly PostedGroup[], outcomes: ReadonlyArray<AppendOutcome[] | Error>, unsynced = false): void {
  groups.forEach((g, i) => g.settle(outcomes[i]!, unsynced));
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** Appends each group in a savepoint of its own: a group that fails leaves the others and the transaction's work. */
async function appendGroups(tx: Tx, groups: readonly PostedGroup[]): Promise<Array<AppendOutcome[] | Error>> {
  const outcomes: Array<AppendOutcome[] | Error> = [];
  for (const g of groups) {
    try {
      outcomes.push(await tx.savepoint(() => appendEvents(tx, g.rows)));
    } catch (error) {
      outcomes.push(asError(error));
    }
  }
  return outcomes;
}

class WorkerGone extends Error {}

/**
 * The append worker: its own connection to the same file (same pragmas), running the inbox insert
 * of a whole group as BEGIN IMMEDIATE … COMMIT. Plain CommonJS source, so it runs the same from
 * compiled output and from the TypeScript sources under test.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('busy_timeout = 10000');
db.pragma('foreign_keys = ON');
db.pragma('temp_store = MEMORY');
// Checkpoint every ~32 MB of WAL rather than SQLite's 4 MB: pages the dispatcher rewrites over and over
// are copied once per checkpoint, and the write lock is held for fewer, larger copies.
db.pragma('wal_autocheckpoint = 8000');
const insert = db.prepare(workerData.insertSql);
const existing = db.prepare(workerData.existingSql);
const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');
const rollback = db.prepare('ROLLBACK');
parentPort.on('message', (m) => {
  if (m.checkpoint) {
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
    parentPort.postMessage({ id: m.id, out: [] });
    return;
  }
  if (m.close) { db.close(); parentPort.postMessage({ id: m.id, closed: true }); return; }
  try {
    begin.run();
    const out = [];
    for (const p of m.rows) {
      const r = insert.get(...p.params);
      if (r) { out.push({ kind: 'appended', id: p.id, seq: r.seq }); continue; }
      const e = existing.get(p.source, p.sourceEventId);
      if (!e) throw new Error('event conflict without an existing row');
      out.push({ kind: e.payload_hash === p.payloadHash ? 'duplicate' : 'mismatch', id: e.id });
    }
    commit.run();
    parentPort.postMessage({ id: m.id, out });
  } catch (error) {
    try { if (db.inTransaction) rollback.run(); } catch {}
    parentPort.postMessage({ id: m.id, error: { message: String(error && error.message || error), code: error && error.code } });
  }
});
`;

interface WorkerReply {
  id: number;
  out?: AppendOutcome[];
  closed?: boolean;
  error?: { message: string; code?: string };
}

class AppendWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve(r: WorkerReply): void; reject(e: unknown): void }>();
  private nextId = 0;
  private gone = false;

  constructor(file: string, synchronous: 'FULL' | 'NORMAL') {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, synchronous, driver, insertSql: INSERT_EVENT_SQL, existingSql: EXISTING_EVENT_SQL },
    });
    this.worker.unref();
    this.worker.on('message', (m: WorkerReply) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.resolve(m);
    });
    const fail = (e: unknown) => {
      this.gone = true;
      for (const w of this.waiting.values()) w.reject(new WorkerGone(`append worker stopped: ${String(e)}`));
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(`exit ${code}`));
  }

  private call(msg: Record<string, unknown>): Promise<WorkerReply> {
    if (this.gone) return Promise.reject(new WorkerGone('append worker stopped'));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  async append(rows: readonly NewEventRow[]): Promise<AppendOutcome[]> {
    // Statements run while the call is out, so the worker keeps the event loop alive meanwhile.
    this.worker.ref();
    try {
      const reply = await this.call({
        rows: rows.map((r) => ({ id: r.id, source: r.source, sourceEventId: r.sourceEventId, payloadHash: r.payloadHash, params: eventParams(r) })),
      });
      if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {});
      return reply.out!;
    } finally {
      this.worker.unref();
    }
  }

  get stopped(): boolean {
    return this.gone;
  }

  /** A passive checkpoint on the worker's connection. */
  async checkpoint(): Promise<void> {
    this.worker.ref();
    try {
      await this.call({ checkpoint: true });
    } catch {
      // a gone worker has nothing to checkpoint; the next append falls back in-thread
    } finally {
      this.worker.unref();
    }
  }

  async close(): Promise<void> {
    if (this.gone) return;
    this.worker.ref();
    try {
      await this.call({ close: true });
    } catch {
      // already gone
    }
    await this.worker.terminate();
  }
}
