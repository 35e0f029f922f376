const cache = new Map<string, string>();

/**
 * Repositories write `?` placeholders (SQLite's); PostgreSQL wants `$1, $2…`. Our SQL never puts
 * a `?` inside a string literal, so a plain scan is enough; the result is cached per SQL text.
 */
export function toPositional(sql: string): string {
  let out = cache.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    cache.set(sql, out);
  }
  return out;
}
