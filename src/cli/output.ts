import { DomainError } from '../domain/errors.js';

/** Prints a result as JSON (--json) or as readable text. */
export function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => String(r[c] ?? ''))))].join('\n');
}

/** Errors leave as their stable code, never as a stack trace; exit 2 for the caller's mistakes. */
export function fail(error: unknown, json: boolean): never {
  if (error instanceof DomainError) {
    if (json) process.stderr.write(`${JSON.stringify({ code: error.code, message: error.message, errors: error.issues })}\n`);
    else process.stderr.write(`error ${error.code}: ${error.message}\n${(error.issues ?? []).map((i) => `  ${i.path}: ${i.message}\n`).join('')}`);
    process.exit(error.status >= 500 ? 1 : 2);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (json) process.stderr.write(`${JSON.stringify({ code: 'E_INTERNAL', message })}\n`);
  else process.stderr.write(`error E_INTERNAL: ${message}\n`);
  process.exit(1);
}
