import { DomainError } from '../domain/errors.js';

/**
 * Option and argument values as the operator typed them → what the command needs, or E_SCHEMA
 * naming the option (exit 2). `Number('abc')` is NaN and `Number('-1')` a limit the store reads as
 * "no limit": neither may reach the store or a date.
 */
function refuse(option: string, message: string, value: string): never {
  throw new DomainError('E_SCHEMA', `${option}: ${message} (got '${value}')`, { issues: [{ path: option, message }] });
}

/** A whole number within [min, max] (digits only: no sign, exponent or fraction). */
export function wholeNumber(value: string, option: string, range: { min?: number; max?: number } = {}): number {
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const message = max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`;
  const n = /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) refuse(option, message, value);
  return n;
}

/** A number within (0, max], fractions allowed (a rate). */
export function positiveNumber(value: string, option: string, max: number): number {
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > max) refuse(option, `a number above 0, at most ${max}`, value);
  return n;
}

/** One of the given words. */
export function oneOf<T extends string>(value: string, option: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) refuse(option, `one of ${allowed.join(', ')}`, value);
  return value as T;
}
