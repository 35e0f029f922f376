import type { Expr } from './ast.js';
import { EvaluationFault, FUNCTIONS, typeName, valuesEqual, type FunctionEnv, type Value } from './functions.js';

export type EvaluationError = { message: string; position: number };
export type Evaluation = { ok: true; value: Value } | { ok: false; error: EvaluationError };

/**
 * Evaluates a parsed expression over plain data. Never throws: type errors, division by zero and any
 * unexpected fault come back as a value with the position of the part that failed.
 *
 * Null semantics (documented in README.md): a missing path is `null`; a path through `null` is `null`;
 * arithmetic and ordering with `null` give `null`; `==`/`!=` treat `null` as a value (`x == null` is the
 * presence test); `and`/`or`/`not` are three-valued (Kleene): `null and false` is false, `null or true` is
 * true, otherwise `null` stays `null`. A condition whose result is `null` does not fire.
 */
export function evaluate(ast: Expr, scope: Readonly<Record<string, unknown>>, env: FunctionEnv): Evaluation {
  try {
    return { ok: true, value: evalNode(ast, scope, env) };
  } catch (e) {
    if (e instanceof EvaluationFault) return { ok: false, error: { message: e.message, position: e.position } };
    return { ok: false, error: { message: `evaluation failed: ${e instanceof Error ? e.message : String(e)}`, position: ast.pos } };
  }
}

function evalNode(e: Expr, scope: Readonly<Record<string, unknown>>, env: FunctionEnv): Value {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'list':
      return e.items.map((item) => evalNode(item, scope, env));
    case 'path':
      return readPath(scope, e.root, e.segments);
    case 'call': {
      const spec = FUNCTIONS[e.fn];
      if (spec === undefined) throw new EvaluationFault(`unknown function '${e.fn}'`, e.pos);
      return spec.call(
        e.args.map((a) => evalNode(a, scope, env)),
        env,
        e.pos,
      );
    }
    case 'unary': {
      const v = evalNode(e.operand, scope, env);
      if (v === null) return null;
      if (e.op === 'not') return !asBoolean(v, 'not', e.pos);
      return -asNumber(v, '-', e.pos);
    }
    case 'binary':
      return evalBinary(e, scope, env);
  }
}

function evalBinary(e: Extract<Expr, { kind: 'binary' }>, scope: Readonly<Record<string, unknown>>, env: FunctionEnv): Value {
  if (e.op === 'and' || e.op === 'or') {
    const decisive = e.op === 'or'; // `true or …` is true, `false and …` is false, whatever follows
    const l = evalNode(e.left, scope, env);
    if (l !== null && asBoolean(l, e.op, e.pos) === decisive) return decisive;
    const r = evalNode(e.right, scope, env);
    if (r !== null && asBoolean(r, e.op, e.pos) === decisive) return decisive;
    return l === null || r === null ? null : !decisive;
  }
  const l = evalNode(e.left, scope, env);
  const r = evalNode(e.right, scope, env);
  switch (e.op) {
    case '==':
    case '!=': {
      if (isComposite(l) || isComposite(r)) throw new EvaluationFault(`'${e.op}' compares single values, not lists or objects`, e.pos);
      return valuesEqual(l, r) === (e.op === '==');
    }
    case 'in': {
      if (r === null) return null;
      if (!Array.isArray(r)) throw new EvaluationFault(`'in' needs a list on the right, got ${typeName(r)}`, e.pos);
      return (r as Value[]).some((item) => valuesEqual(l, item));
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (l === null || r === null) return null;
      const bothNumbers = typeof l === 'number' && typeof r === 'number';
      const bothStrings = typeof l === 'string' && typeof r === 'string';
      if (!bothNumbers && !bothStrings) throw new EvaluationFault(`cannot compare ${typeName(l)} ${e.op} ${typeName(r)}`, e.pos);
      const a = l as number | string;
      const b = r as number | string;
      return e.op === '<' ? a < b : e.op === '<=' ? a <= b : e.op === '>' ? a > b : a >= b;
    }
    case '+':
      if (l === null || r === null) return null;
      if (typeof l === 'string' && typeof r === 'string') return l + r;
      return asNumber(l, '+', e.pos) + asNumber(r, '+', e.pos);
    case '-':
    case '*':
    case '/': {
      if (l === null || r === null) return null;
      const a = asNumber(l, e.op, e.pos);
      const b = asNumber(r, e.op, e.pos);
      if (e.op === '-') return a - b;
      if (e.op === '*') return a * b;
      if (b === 0) throw new EvaluationFault('division by zero', e.pos);
      return a / b;
    }
  }
}

/**
 * Reads data only: own properties of plain objects and in-range indexes of arrays. Anything else
 * (functions, class instances, prototype members, symbols) reads as null, so a scope that accidentally
 * carries host objects exposes nothing of them.
 */
function readPath(scope: Readonly<Record<string, unknown>>, root: string, segments: ReadonlyArray<string | number>): Value {
  let current: unknown = Object.hasOwn(scope, root) ? scope[root] : undefined;
  for (const seg of segments) {
    if (Array.isArray(current)) {
      current = typeof seg === 'number' && seg < current.length ? current[seg] : undefined;
    } else if (isPlainObject(current) && typeof seg === 'string' && Object.hasOwn(current, seg)) {
      current = current[seg];
    } else {
      return null;
    }
  }
  return toValue(current);
}

function toValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v) || isPlainObject(v)) return v as Value;
  return null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isComposite(v: Value): boolean {
  return typeof v === 'object' && v !== null;
}

function asBoolean(v: Value, op: string, pos: number): boolean {
  if (typeof v !== 'boolean') throw new EvaluationFault(`'${op}' needs true/false, got ${typeName(v)}`, pos);
  return v;
}

function asNumber(v: Value, op: string, pos: number): number {
  if (typeof v !== 'number') throw new EvaluationFault(`'${op}' needs numbers, got ${typeName(v)}`, pos);
  return v;
}
