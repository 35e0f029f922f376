import { join } from 'node:path';
import type { Store } from './port.js';
import { SqliteStore, type SqliteOptions } from './sqlite/sqlite-store.js';
import { PostgresStore } from './postgres/postgres-store.js';
import type { SharedWriteLock } from './shared-lock.js';

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

export function openStore(s: StoreSettings): Store {
  if (isPostgresUrl(s.store)) return new PostgresStore({ url: s.store, schema: s.pgSchema, poolSize: s.pgPoolSize, connectTimeoutMs: s.pgConnectTimeoutMs, queryTimeoutMs: s.pgQueryTimeoutMs });
  return new SqliteStore({ file: sqliteFile(s.store, s.dataDir), synchronous: s.sqliteSynchronous, writeLock: s.writeLock, appends: s.sqliteAppends });
}
