import { createHash } from 'node:crypto';

/**
 * Two texts that differ only in Unicode form, case or spacing are the same question to a model; the
 * digest must not tell them apart, or a replayed case could not be matched to its stored answer.
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** JSON with object keys sorted at every depth, so equal data gives equal bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** sha256 of the task name plus the normalized input: the same input gives the same digest for every provider. */
export function inputDigest(task: string, input: unknown): string {
  const normalized = normalizeInput(input);
  return createHash('sha256').update(task).update('\n').update(canonicalJson(normalized)).digest('hex');
}

function normalizeInput(input: unknown): unknown {
  if (typeof input === 'string') return normalizeText(input);
  if (Array.isArray(input)) return input.map(normalizeInput);
  if (input !== null && typeof input === 'object') {
    return Object.fromEntries(Object.entries(input as Record<string, unknown>).map(([k, v]) => [k, normalizeInput(v)]));
  }
  return input;
}

export function sha256Hex(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}
