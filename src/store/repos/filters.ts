/**
 * The optional filters of a list query: each given value becomes `column = ?`; absent ones are left
 * out. Returns the WHERE clause (empty when nothing is filtered) and its parameters.
 */
export function whereEquals(filters: Record<string, unknown>): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined || value === null || value === '') continue;
    clauses.push(`${column} = ?`);
    params.push(value);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
