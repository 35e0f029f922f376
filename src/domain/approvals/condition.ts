import type { ApprovalCondition, ComparisonOp } from './policy.js';
import type { FactRecord, FactValue } from './subjects.js';

export type ConditionResult = { ok: true; holds: boolean } | { ok: false; missingFacts: string[] };

/**
 * Evaluates a policy condition over facts.
 * - A fact that is absent (undefined) or a non-finite number is a caller bug: reported, so the caller
 *   fails closed instead of skipping an approval because a number was NaN.
 * - A fact that is `null` means "not known": a comparison with it does not hold (e.g. a location with no
 *   history has no usual adjustment, so only the absolute write-off threshold applies).
 */
export function evaluateCondition(condition: ApprovalCondition, facts: FactRecord): ConditionResult {
  const missing = new Set<string>();
  const holds = walk(condition, facts, missing);
  return missing.size > 0 ? { ok: false, missingFacts: [...missing].sort() } : { ok: true, holds };
}

function walk(c: ApprovalCondition, facts: FactRecord, missing: Set<string>): boolean {
  switch (c.kind) {
    case 'always':
      return true;
    case 'compare':
      return compare(read(facts, c.fact, missing), c.op, c.value);
    case 'compare_fact': {
      const left = read(facts, c.fact, missing);
      const other = read(facts, c.otherFact, missing);
      if (typeof other !== 'number') return false;
      return compare(left, c.op, other * c.times);
    }
    case 'any': {
      // Evaluate every branch (no short-circuit) so all missing facts are reported at once.
      const results = c.of.map((x) => walk(x, facts, missing));
      return results.some(Boolean);
    }
    case 'all': {
      const results = c.of.map((x) => walk(x, facts, missing));
      return results.every(Boolean);
    }
  }
}

function read(facts: FactRecord, name: string, missing: Set<string>): FactValue {
  const value = Object.hasOwn(facts, name) ? facts[name] : undefined;
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) {
    missing.add(name);
    return null;
  }
  return value;
}

function compare(left: FactValue, op: ComparisonOp, right: FactValue): boolean {
  if (op === 'eq') return left === right;
  if (op === 'neq') return left !== right;
  if (left === null || right === null) return false;
  if (typeof left !== typeof right || typeof left === 'boolean') return false;
  switch (op) {
    case 'gt':
      return left > right;
    case 'gte':
      return left >= right;
    case 'lt':
      return left < right;
    case 'lte':
      return left <= right;
  }
}
