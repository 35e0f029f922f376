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

/**
 * The exit code of a DomainError: 2 for the caller's mistakes, 1 for ours (and for what is
 * unavailable). E_CONFIG is a 500 to an HTTP client (the server's settings are not the client's
 * doing), but at the terminal the settings are the caller's: flags, environment, config file.
 */
export function exitCodeOf(error: DomainError): 1 | 2 {
  return error.code === 'E_CONFIG' || error.status < 500 ? 2 : 1;
}

/** Errors leave as their stable code, never as a stack trace; exit 2 for the caller's mistakes. */
export function fail(error: unknown, json: boolean): never {
  if (error instanceof DomainError) {
    if (json) process.stderr.write(`${JSON.stringify({ code: error.code, message: error.message, errors: error.issues })}\n`);
    else process.stderr.write(`error ${error.code}: ${error.message}\n${(error.issues ?? []).map((i) => `  ${i.path}: ${i.message}\n`).join('')}`);
    process.exit(exitCodeOf(error));
  }
  const message = error instanceof Error ? error.message : String(error);
  if (json) process.stderr.write(`${JSON.stringify({ code: 'E_INTERNAL', message })}\n`);
  else process.stderr.write(`error E_INTERNAL: ${message}\n`);
  process.exit(1);
}

/**
 * A command line commander refused (unknown option or command, missing argument, …): E_USAGE, exit 2,
 * with where to read the usage. `help` (text only) follows the hint: what commander printed for a
 * group called without its command. With --json: one JSON line on stderr and nothing else.
 */
export function usageErrorText(message: string, usage: string, json: boolean, help = ''): string {
  if (json) return `${JSON.stringify({ code: 'E_USAGE', message, usage })}\n`;
  return `error E_USAGE: ${message}\nsee: ${usage}\n${help ? `\n${help}` : ''}`;
}
