import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunResult, SqlExecutor, Store, Tx } from '../port.js';
import { MIGRATIONS_TABLE } from '../migrations.js';
import { migrationsFor } from '../schema/index.js';
import { Mutex } from '../mutex.js';

export interface SqliteOptions {
  /** File path, or ':memory:' for tests. */
  file: string;
  /** FULL (the default) fsyncs every commit: an acknowledged event survives a power loss. */
  synchronous?: 'FULL' | 'NORMAL';
}

type Statement = Database.Statement<unknown[], unknown>;

/**
 * better-sqlite3 is synchronous, so a transaction holds the single writer connection while its
 * (async) callback runs; a mutex serialises transactions from this process, and busy_timeout lets
 * another process (the CLI beside a running server) wait for the file lock. Reads outside a
 * transaction use their own connection so they never see uncommitted work.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly read: SqlExecutor;
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly writerExec: SqliteExecutor;
  private readonly mutex = new Mutex();
  private savepointSeq = 0;
  private closed = false;

  constructor(options: SqliteOptions) {
    const memory = options.file === ':memory:';
    if (!memory) mkdirSync(dirname(options.file), { recursive: true });
    this.writer = new Database(options.file);
    this.writer.pragma('journal_mode = WAL');
    this.writer.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.writer.pragma('busy_timeout = 10000');
    this.writer.pragma('foreign_keys = ON');
    // A ':memory:' database is private to its connection, so tests read through the writer.
    this.reader = memory ? this.writer : new Database(options.file);
    if (!memory) this.reader.pragma('busy_timeout = 10000');
    this.writerExec = new SqliteExecutor(this.writer);
    this.read = memory ? this.writerExec : new SqliteExecutor(this.reader);
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      const hooks: Array<() => void> = [];
      const tx = this.makeTx(hooks);
      this.writer.prepare('BEGIN IMMEDIATE').run();
      let result: T;
      try {
        result = await fn(tx);
        this.writer.prepare('COMMIT').run();
      } catch (error) {
        if (this.writer.inTransaction) this.writer.prepare('ROLLBACK').run();
        throw error;
      }
      for (const hook of hooks) hook();
      return result;
    });
  }

  private makeTx(hooks: Array<() => void>): Tx {
    const exec = this.writerExec;
    const store = this;
    return {
      dialect: 'sqlite',
      run: (sql, params) => exec.run(sql, params),
      get: (sql, params) => exec.get(sql, params),
      all: (sql, params) => exec.all(sql, params),
      async savepoint<T>(fn: () => Promise<T>): Promise<T> {
        const name = `sp${++store.savepointSeq}`;
        store.writer.exec(`SAVEPOINT ${name}`);
        try {
          const result = await fn();
          store.writer.exec(`RELEASE ${name}`);
          return result;
        } catch (error) {
          store.writer.exec(`ROLLBACK TO ${name}`);
          store.writer.exec(`RELEASE ${name}`);
          throw error;
        }
      },
      afterCommit: (fn) => hooks.push(fn),
    };
  }

  async migrate(): Promise<number> {
    return this.mutex.run(async () => {
      this.writer.exec(MIGRATIONS_TABLE);
      const applied = new Set(
        (this.writer.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version),
      );
      let count = 0;
      for (const m of migrationsFor('sqlite')) {
        if (applied.has(m.version)) continue;
        this.writer.transaction(() => {
          this.writer.exec(m.sql);
          this.writer
            .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
            .run(m.version, m.name, new Date().toISOString());
        }).immediate();
        count++;
      }
      return count;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.mutex.run(async () => {
      if (this.reader !== this.writer) this.reader.close();
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
