import type { Dialect } from '../port.js';

/**
 * Splits rows into multi-row INSERT chunks. On SQLite: 64, then 32, 16 … 1. Each distinct chunk
 * size is a distinct SQL text, and prepared statements are cached per text: a handful of sizes
 * keeps that cache small whatever the batch sizes, while a batch of hundreds of rows still costs
 * only a few statements (each row still pays its own index updates; what is saved is the
 * per-statement call, a few µs). On PostgreSQL a statement is a round trip (~0.15–0.25 ms on
 * loopback), which costs more than a prepared statement more per connection: 64-row chunks, then
 * the rest in one (a batch's 3 or 7 audit links one statement, not 2 or 3).
 */
export function* rowChunks<T>(rows: readonly T[], dialect: Dialect = 'sqlite'): Generator<readonly T[]> {
  const largest = 64;
  let start = 0;
  if (dialect === 'postgres') {
    for (; start < rows.length; start += largest) yield rows.slice(start, start + largest);
    return;
  }
  for (let size = largest; size >= 1; size >>= 1) {
    while (rows.length - start >= size) {
      yield rows.slice(start, start + size);
      start += size;
      if (size < largest) break; // below the largest size, each smaller size fits at most once
    }
  }
}

/** `(?, ?, …)` repeated for `rows` rows of `columns` values each. */
function valuesList(rows: number, row: string): string {
  return Array.from({ length: rows }, () => row).join(', ');
}

/**
 * The text of a multi-row statement for each row count, built once. Prepared statements are cached
 * by their text: a text rebuilt for every batch is a new string whose hash (over up to ~4 KB) is
 * computed again at each look-up; the same string object keeps its hash.
 */
export function multiRowSql(head: string, row: string, tail = ''): (rows: number) => string {
  const texts: string[] = [];
  return (rows) => (texts[rows] ??= `${head} VALUES ${valuesList(rows, row)}${tail}`);
}
