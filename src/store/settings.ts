import { join } from 'node:path';
import type { SqliteOptions } from './sqlite/sqlite-store.js';
import type { PostgresOptions } from './postgres/postgres-store.js';
import type { SharedWriteLock } from './shared-lock.js';

/*
 * Which store the settings name and each backend's options, apart from the backends themselves
 * (open.ts opens them): a process that opens one known backend (the scheduled-read process,
 * src/engine/scheduler/read-store.ts) loads only that one's code — SQLite without `pg`.
 */

export interface StoreSettings {
  /** `sqlite` (file under dataDir) or a postgres:// URL. */
  store: string;
  dataDir: string;
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  pgSchema?: string;
  pgPoolSize?: number;
  /** PostgreSQL: how long getting a connection may take (PostgresOptions.connectTimeoutMs). */
  pgConnectTimeoutMs?: number;
  /** PostgreSQL: how long one statement may go unanswered (PostgresOptions.queryTimeoutMs). */
  pgQueryTimeoutMs?: number;
  /** SQLite: the write lock shared with the engine thread (see SharedWriteLock). */
  writeLock?: SharedWriteLock;
  /** SQLite: where intake groups are appended (SqliteOptions.appends). */
  sqliteAppends?: SqliteOptions['appends'];
}

export function isPostgresUrl(store: string): boolean {
  return store.startsWith('postgres://') || store.startsWith('postgresql://');
}

/** The SQLite file a store setting names (':memory:' for a private in-memory database). */
export function sqliteFile(store: string, dataDir: string): string {
  return store === 'sqlite' ? join(dataDir, 'omniops.db') : store.replace(/^sqlite:/, '');
}

export const postgresOptions = (s: StoreSettings): PostgresOptions =>
  ({ url: s.store, schema: s.pgSchema, poolSize: s.pgPoolSize, connectTimeoutMs: s.pgConnectTimeoutMs, queryTimeoutMs: s.pgQueryTimeoutMs });

export const sqliteOptions = (s: StoreSettings): SqliteOptions =>
  ({ file: sqliteFile(s.store, s.dataDir), synchronous: s.sqliteSynchronous, writeLock: s.writeLock, appends: s.sqliteAppends });
