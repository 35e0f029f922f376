import type { Dialect } from '../port.js';

/** The few type words that differ between the two dialects; everything else is shared SQL. */
const WORDS: Record<Dialect, Record<string, string>> = {
  sqlite: { SERIAL_PK: 'INTEGER PRIMARY KEY AUTOINCREMENT', BIGINT: 'INTEGER', REAL: 'REAL' },
  postgres: { SERIAL_PK: 'BIGSERIAL PRIMARY KEY', BIGINT: 'BIGINT', REAL: 'DOUBLE PRECISION' },
};

export function portable(dialect: Dialect, sql: string): string {
  return sql.replace(/\{\{(\w+)\}\}/g, (_, word: string) => {
    const replacement = WORDS[dialect][word];
    if (!replacement) throw new Error(`unknown portable SQL word ${word}`);
    return replacement;
  });
}
