/**
 * Versioned migrations, one list per dialect. A migration is applied once, in order, and recorded
 * in schema_migrations inside the same transaction as its DDL (both SQLite and PostgreSQL have
 * transactional DDL), so a crash mid-migration leaves the previous version intact. Several processes
 * may open a new store at once: each store reads what is applied only under its lock (SQLite's
 * write lock, a PostgreSQL advisory lock), so a migration runs once and the others wait, then skip it.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;
