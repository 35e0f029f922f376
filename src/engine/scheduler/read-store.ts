import type { Store } from '../../store/port.js';
import { isPostgresUrl, postgresOptions, sqliteOptions, type StoreSettings } from '../../store/settings.js';

/**
 * The scheduled-read process's store: what `openStore` opens, loading only the backend the settings
 * name. `openStore`'s module loads both, and `pg` alone is ~30 modules and ~80 ms of CPU that a read
 * of a SQLite store would pay at every start (docs/checks.md, "What the read process loads").
 */
export async function openReadStore(s: StoreSettings): Promise<Store> {
  if (isPostgresUrl(s.store)) {
    const { PostgresStore } = await import('../../store/postgres/postgres-store.js');
    return new PostgresStore(postgresOptions(s));
  }
  const { SqliteStore } = await import('../../store/sqlite/sqlite-store.js');
  return new SqliteStore(sqliteOptions(s));
}
