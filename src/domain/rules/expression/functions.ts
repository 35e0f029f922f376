/**
 * The whitelist of functions a condition may call. A name not in this table is a syntax error when the
 * rule is saved, so a rule can never reach anything of the host (no eval, no globals, no methods).
 */
export type Value = number | string | boolean | null | readonly Value[] | { readonly [k: string]: Value };

export interface FunctionEnv {
  /** Epoch ms of the evaluation (DecisionContext.now), never the wall clock. */
  now: number;
}

/** Thrown inside the evaluator only; `evaluate` turns it into a returned failure. */
export class EvaluationFault {
  constructor(
    readonly message: string,
    readonly position: number,
  ) {}
}

interface FunctionSpec {
  minArgs: number;
  maxArgs: number;
  call(args: Value[], env: FunctionEnv, pos: number): Value;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const MAX_ROUND_DIGITS = 10;

const TABLE: Record<string, FunctionSpec> = {
  len: {
    minArgs: 1,
    maxArgs: 1,
    call: ([x], _env, pos) => {
      if (x === null) return null;
      if (typeof x === 'string' || Array.isArray(x)) return x.length;
      throw new EvaluationFault(`len() needs a string or a list, got ${typeName(x!)}`, pos);
    },
  },
  lower: { minArgs: 1, maxArgs: 1, call: ([s], _e, pos) => mapString(s!, 'lower', pos, (v) => v.toLowerCase()) },
  upper: { minArgs: 1, maxArgs: 1, call: ([s], _e, pos) => mapString(s!, 'upper', pos, (v) => v.toUpperCase()) },
  contains: {
    minArgs: 2,
    maxArgs: 2,
    call: ([hay, needle], _env, pos) => {
      if (hay === null) return null;
      if (typeof hay === 'string') {
        if (needle === null) return null;
        if (typeof needle !== 'string') throw new EvaluationFault('contains() on a string needs a string to find', pos);
        return hay.includes(needle);
      }
      if (Array.isArray(hay)) return hay.some((item: Value) => valuesEqual(item, needle!));
      throw new EvaluationFault(`contains() needs a string or a list, got ${typeName(hay!)}`, pos);
    },
  },
  startsWith: {
    minArgs: 2,
    maxArgs: 2,
    call: ([s, prefix], _env, pos) => {
      if (s === null || prefix === null) return null;
      if (typeof s !== 'string' || typeof prefix !== 'string') throw new EvaluationFault('startsWith() needs two strings', pos);
      return s.startsWith(prefix);
    },
  },
  abs: { minArgs: 1, maxArgs: 1, call: ([n], _e, pos) => mapNumber(n!, 'abs', pos, Math.abs) },
  round: {
    minArgs: 1,
    maxArgs: 2,
    call: ([n, digits], _env, pos) => {
      if (n === null || digits === null) return null;
      const d = digits === undefined ? 0 : digits;
      if (typeof n !== 'number' || typeof d !== 'number') throw new EvaluationFault('round() needs numbers', pos);
      if (!Number.isInteger(d) || d < 0 || d > MAX_ROUND_DIGITS) {
        throw new EvaluationFault(`round() digits must be an integer 0..${MAX_ROUND_DIGITS}`, pos);
      }
      // Half away from zero, as a till rounds cents (Math.round rounds -2.5 to -2).
      const f = 10 ** d;
      return (Math.sign(n) * Math.round(Math.abs(n) * f)) / f;
    },
  },
  min: { minArgs: 1, maxArgs: 20, call: (args, _e, pos) => numbers(args, 'min', pos, Math.min) },
  max: { minArgs: 1, maxArgs: 20, call: (args, _e, pos) => numbers(args, 'max', pos, Math.max) },
  now: { minArgs: 0, maxArgs: 0, call: (_args, env) => env.now },
  minutesSince: {
    minArgs: 1,
    maxArgs: 1,
    call: ([ts], env, pos) => {
      const t = toEpochMs(ts!, 'minutesSince', pos);
      return t === null ? null : (env.now - t) / MS_PER_MINUTE;
    },
  },
  daysSince: {
    minArgs: 1,
    maxArgs: 1,
    call: ([ts], env, pos) => {
      const t = toEpochMs(ts!, 'daysSince', pos);
      return t === null ? null : (env.now - t) / MS_PER_DAY;
    },
  },
};

/** Null-prototype and frozen: a lookup of `constructor` or `__proto__` finds nothing. */
export const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, FunctionSpec>, TABLE),
);

export function isFunctionName(name: string): boolean {
  return Object.hasOwn(FUNCTIONS, name);
}

export function typeName(v: Value): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** Equality without coercion: 1 == '1' is false; null == null is true; lists/objects are not comparable. */
export function valuesEqual(a: Value, b: Value): boolean {
  return a === b;
}

function mapString(s: Value, name: string, pos: number, f: (v: string) => string): Value {
  if (s === null) return null;
  if (typeof s !== 'string') throw new EvaluationFault(`${name}() needs a string, got ${typeName(s)}`, pos);
  return f(s);
}

function mapNumber(n: Value, name: string, pos: number, f: (v: number) => number): Value {
  if (n === null) return null;
  if (typeof n !== 'number') throw new EvaluationFault(`${name}() needs a number, got ${typeName(n)}`, pos);
  return f(n);
}

function numbers(args: Value[], name: string, pos: number, f: (...v: number[]) => number): Value {
  if (args.some((a) => a === null)) return null;
  for (const a of args) {
    if (typeof a !== 'number') throw new EvaluationFault(`${name}() needs numbers, got ${typeName(a)}`, pos);
  }
  return f(...(args as number[]));
}

/** Timestamps are epoch ms numbers or ISO-8601 strings (what events carry). */
function toEpochMs(ts: Value, name: string, pos: number): number | null {
  if (ts === null) return null;
  if (typeof ts === 'number' && Number.isFinite(ts)) return ts;
  if (typeof ts === 'string') {
    const t = Date.parse(ts);
    if (Number.isFinite(t)) return t;
  }
  throw new EvaluationFault(`${name}() needs a timestamp (epoch ms or ISO-8601), got ${JSON.stringify(ts)}`, pos);
}
