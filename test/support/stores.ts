import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/store/port.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';

export const PG_URL = process.env.OMNIOPS_TEST_PG_URL;

export interface StoreFactory {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated, empty store; dispose drops it. */
  open(): Promise<{ store: Store; dispose(): Promise<void> }>;
}

export function tempDir(prefix = 'omniops-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const sqlite: StoreFactory = {
  name: 'sqlite',
  async open() {
    // A real file (WAL needs one), so reader and writer connections behave as in production.
    const store = new SqliteStore({ file: join(tempDir(), 'omniops.db') });
    await store.migrate();
    return { store, dispose: () => store.close() };
  },
};

const postgres: StoreFactory = {
  name: 'postgres',
  async open() {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const store = new PostgresStore({ url: PG_URL!, schema, poolSize: 10 });
    await store.migrate();
    return {
      store,
      async dispose() {
        await store.dropSchema();
        await store.close();
      },
    };
  },
};

/** SQLite always; PostgreSQL when OMNIOPS_TEST_PG_URL is set (CI sets it). */
export function storeFactories(): StoreFactory[] {
  return PG_URL ? [sqlite, postgres] : [sqlite];
}
