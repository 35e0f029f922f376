import type { Store } from './port.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { isPostgresUrl, postgresOptions, sqliteOptions, type StoreSettings } from './settings.js';

export { isPostgresUrl, sqliteFile, type StoreSettings } from './settings.js';

export function openStore(s: StoreSettings): Store {
  if (isPostgresUrl(s.store)) return new PostgresStore(postgresOptions(s));
  return new SqliteStore(sqliteOptions(s));
}
