import { readFileSync } from 'node:fs';
import { DomainError } from '../domain/errors.js';

/**
 * A file the operator named, as text. One that cannot be read (missing, a directory, no permission)
 * is E_NOT_FOUND naming it and why, exit 2 — the operator's mistake, not an internal error.
 */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const why = { ENOENT: 'no such file', EISDIR: 'it is a directory', EACCES: 'permission denied' }[(e as NodeJS.ErrnoException).code ?? ''] ?? 'unreadable';
    throw new DomainError('E_NOT_FOUND', `cannot read ${file}: ${why}`, { issues: [{ path: file, message: why }] });
  }
}
