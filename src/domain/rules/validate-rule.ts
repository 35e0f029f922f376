import { parseExpression, FORBIDDEN_NAMES } from './expression/parse.js';
import type { AutomationRule, PayloadTemplate } from './rule.js';
import { validateCron } from './schedule.js';
import { TRIGGER_ROOT } from './trigger.js';

export interface RuleIssue {
  /** Where in the rule: `condition`, `actions[1].payload.orderId`, `trigger.cron`. */
  path: string;
  message: string;
  /** For expressions: offset and text of the bad token. */
  position?: number;
  token?: string;
}

export interface RuleValidationOptions {
  /**
   * Names the engine will put in scope besides the trigger's own root (e.g. `order`, `payment`). When
   * given, a path starting elsewhere is refused at save time instead of silently reading null.
   */
  dataRoots?: readonly string[];
}

/**
 * Checks what a schema cannot: expressions parse (with the offending token named), cron expressions are
 * valid, payload keys are safe. Run when a rule is saved so a broken rule never becomes active.
 */
export function validateRule(rule: AutomationRule, options: RuleValidationOptions = {}): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const allowedRoots = options.dataRoots ? [TRIGGER_ROOT[rule.trigger.kind], ...options.dataRoots] : undefined;

  const checkExpression = (path: string, source: string) => {
    const parsed = parseExpression(source, { allowedRoots });
    if (!parsed.ok) issues.push({ path, message: parsed.error.message, position: parsed.error.position, token: parsed.error.token });
  };

  if (rule.trigger.kind === 'schedule') {
    const cron = validateCron(rule.trigger.cron, rule.trigger.timezone);
    if (!cron.ok) issues.push({ path: 'trigger.cron', message: cron.message });
  }
  if (rule.trigger.kind === 'time_in_state' && !(rule.trigger.minutes > 0)) {
    issues.push({ path: 'trigger.minutes', message: 'minutes must be positive' });
  }
  if (rule.condition !== undefined && rule.condition.trim() !== '') checkExpression('condition', rule.condition);

  rule.actions.forEach((action, i) => {
    const payload: PayloadTemplate | undefined =
      action.kind === 'emit_event' || action.kind === 'call_webhook' ? action.payload : undefined;
    for (const [key, value] of Object.entries(payload ?? {})) {
      const path = `actions[${i}].payload.${key}`;
      if (FORBIDDEN_NAMES.includes(key)) issues.push({ path, message: `forbidden payload key '${key}'`, token: key });
      if (value !== null && typeof value === 'object') checkExpression(path, value.$expr);
    }
  });
  return issues;
}
