import { DomainError } from '../domain/errors.js';

/**
 * Rejects bodies nested deeper than `maxDepth` before JSON.parse and schema validation walk them:
 * a 100,000-deep array is a cheap way to exhaust a recursive validator's stack.
 */
export function checkDepth(raw: Buffer, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw new DomainError('E_TOO_DEEP', `JSON nested deeper than ${maxDepth} levels`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

export function parseJsonBody(raw: Buffer, maxDepth: number): unknown {
  if (raw.length === 0) throw new DomainError('E_MALFORMED_JSON', 'empty body');
  checkDepth(raw, maxDepth);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new DomainError('E_MALFORMED_JSON', `body is not valid JSON: ${(e as Error).message}`.slice(0, 300));
  }
}
