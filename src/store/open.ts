import { join } from 'node:path';
import type { Store } from './port.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { PostgresStore } from './postgres/postgres-store.js';
import type { SharedWriteLock } from '../engine/host/shared-lock.js';

export interface StoreSettings {
  /** `sqlite` (file under dataDir) or a postgres:// URL. */
  store: string;
  dataDir: string;
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  pgSchema?: string;
  pgPoolSize?: number;
  /** SQLite: the write lock shared with the engine thread (see SharedWriteLock). */
  writeLock?: SharedWriteLock;
}

export function openStore(s: StoreSettings): Store {
  if (s.store.startsWith('postgres://') || s.store.startsWith('postgresql://')) {
    return new PostgresStore({ url: s.store, schema: s.pgSchema, poolSize: s.pgPoolSize });
  }
  const file = s.store === 'sqlite' ? join(s.dataDir, 'omniops.db') : s.store.replace(/^sqlite:/, '');
  return new SqliteStore({ file, synchronous: s.sqliteSynchronous, writeLock: s.writeLock });
}
