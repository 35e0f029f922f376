import type { DecisionContext } from '../decision-context.js';
import { evaluate } from './expression/evaluate.js';
import type { Value } from './expression/functions.js';
import { FORBIDDEN_NAMES, parseExpression } from './expression/parse.js';
import type { AutomationRule, PayloadTemplate, RuleAction } from './rule.js';
import { scopeOf, targetOf, triggerMatches, type TriggerInput } from './trigger.js';

/** An action with its payload template filled in, ready for the engine to carry out via the outbox. */
export type ResolvedAction =
  | Exclude<RuleAction, { kind: 'emit_event' } | { kind: 'call_webhook' }>
  | { kind: 'emit_event'; type: string; payload: Record<string, Value> }
  | { kind: 'call_webhook'; destination: string; payload: Record<string, Value> | null };

export interface ActionIntent {
  ruleId: string;
  ruleVersion: number;
  /** The object the trigger was about (order id, fulfilment id, ...), null for schedules. */
  target: string | null;
  action: ResolvedAction;
}

export interface RuleFailure {
  stage: 'condition_syntax' | 'condition_evaluation' | 'condition_not_boolean' | 'action_template' | 'internal';
  message: string;
  /** Offset in the failing expression, when known. */
  position?: number;
  expression?: string;
}

export type RuleOutcome =
  | { outcome: 'fired'; ruleId: string; ruleVersion: number; intents: ActionIntent[] }
  | { outcome: 'skipped'; ruleId: string; ruleVersion: number; reason: 'disabled' | 'trigger_mismatch' | 'condition_false' }
  /** The rule is broken (for this input): the engine records it in the failed_rule queue. */
  | { outcome: 'failed'; ruleId: string; ruleVersion: number; failure: RuleFailure };

/**
 * Decides what one rule wants done for one trigger input. Never throws: a broken rule must not take
 * the event handler down with it, so every failure is a value the caller can queue.
 */
export function evaluateRule(rule: AutomationRule, input: TriggerInput, ctx: DecisionContext): RuleOutcome {
  const head = { ruleId: rule.id, ruleVersion: rule.version };
  try {
    if (!rule.enabled) return { ...head, outcome: 'skipped', reason: 'disabled' };
    if (!triggerMatches(rule.trigger, input, ctx.now)) return { ...head, outcome: 'skipped', reason: 'trigger_mismatch' };
    const scope = scopeOf(input, ctx.now);

    if (rule.condition !== undefined && rule.condition.trim() !== '') {
      const result = runExpression(rule.condition, scope, ctx.now);
      if (!result.ok) return { ...head, outcome: 'failed', failure: { ...result.failure, expression: rule.condition } };
      if (result.value !== true && result.value !== null && result.value !== false) {
        return {
          ...head,
          outcome: 'failed',
          failure: { stage: 'condition_not_boolean', message: `condition gave ${JSON.stringify(result.value)}, not true/false`, expression: rule.condition },
        };
      }
      // null (an unknown) does not fire: acting on missing data is how automations do damage.
      if (result.value !== true) return { ...head, outcome: 'skipped', reason: 'condition_false' };
    }

    const target = targetOf(input);
    const intents: ActionIntent[] = [];
    for (const action of rule.actions) {
      const resolved = resolveAction(action, scope, ctx.now);
      if (!resolved.ok) return { ...head, outcome: 'failed', failure: resolved.failure };
      intents.push({ ...head, target, action: resolved.action });
    }
    return { ...head, outcome: 'fired', intents };
  } catch (e) {
    return { ...head, outcome: 'failed', failure: { stage: 'internal', message: e instanceof Error ? e.message : String(e) } };
  }
}

type Run = { ok: true; value: Value } | { ok: false; failure: RuleFailure };

function runExpression(source: string, scope: Record<string, unknown>, now: number, stage: RuleFailure['stage'] = 'condition_evaluation'): Run {
  const parsed = parseExpression(source);
  if (!parsed.ok) {
    return { ok: false, failure: { stage: stage === 'action_template' ? stage : 'condition_syntax', message: parsed.error.message, position: parsed.error.position } };
  }
  const evaluated = evaluate(parsed.ast, scope, { now });
  if (!evaluated.ok) return { ok: false, failure: { stage, message: evaluated.error.message, position: evaluated.error.position } };
  return { ok: true, value: evaluated.value };
}

type Resolved = { ok: true; action: ResolvedAction } | { ok: false; failure: RuleFailure };

function resolveAction(action: RuleAction, scope: Record<string, unknown>, now: number): Resolved {
  if (action.kind === 'emit_event') {
    const payload = fillTemplate(action.payload, scope, now);
    return payload.ok ? { ok: true, action: { kind: 'emit_event', type: action.type, payload: payload.value } } : payload;
  }
  if (action.kind === 'call_webhook') {
    if (action.payload === undefined) return { ok: true, action: { kind: 'call_webhook', destination: action.destination, payload: null } };
    const payload = fillTemplate(action.payload, scope, now);
    return payload.ok ? { ok: true, action: { kind: 'call_webhook', destination: action.destination, payload: payload.value } } : payload;
  }
  return { ok: true, action };
}

function fillTemplate(
  template: PayloadTemplate,
  scope: Record<string, unknown>,
  now: number,
): { ok: true; value: Record<string, Value> } | { ok: false; failure: RuleFailure } {
  const out: Record<string, Value> = {};
  for (const [key, v] of Object.entries(template)) {
    if (FORBIDDEN_NAMES.includes(key)) {
      return { ok: false, failure: { stage: 'action_template', message: `payload key '${key}' is forbidden` } };
    }
    if (v !== null && typeof v === 'object') {
      const run = runExpression(v.$expr, scope, now, 'action_template');
      if (!run.ok) return { ok: false, failure: { ...run.failure, message: `payload '${key}': ${run.failure.message}`, expression: v.$expr } };
      out[key] = run.value;
    } else {
      out[key] = v;
    }
  }
  return { ok: true, value: out };
}
