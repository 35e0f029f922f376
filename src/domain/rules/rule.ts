import type { ApprovalSubject } from '../approvals/subjects.js';
import type { ExceptionCategory } from '../exceptions/categories.js';
import type { Role } from '../roles.js';

/**
 * An automation rule is data: when (trigger), whether (condition, an expression — see README.md) and
 * what (actions, as intents the engine carries out through the outbox). Rules are versioned: a change
 * is a new version, and every intent names the rule version that produced it.
 */
export interface AutomationRule {
  id: string;
  version: number;
  name: string;
  enabled: boolean;
  trigger: RuleTrigger;
  /** Expression over the trigger's scope; absent means "always". */
  condition?: string;
  actions: RuleAction[];
}

export type RuleTrigger =
  | { kind: 'event'; eventType: string }
  /** An aggregate moved between states; `from` absent matches any previous state. */
  | { kind: 'state_change'; object: string; from?: string; to: string }
  /** Cron (5 or 6 fields), evaluated in `timezone` (IANA name, default UTC). */
  | { kind: 'schedule'; cron: string; timezone?: string }
  /** "object has been in state X for more than N minutes", checked by a periodic sweep. */
  | { kind: 'time_in_state'; object: string; state: string; minutes: number };

/** A payload value is either literal JSON or `{ "$expr": "<expression>" }` evaluated in the rule's scope. */
export type PayloadTemplate = { [key: string]: TemplateValue };
export type TemplateValue = string | number | boolean | null | { $expr: string };

export type RuleAction =
  | { kind: 'set_state'; object: string; state: string }
  | { kind: 'set_flag'; object: string; flag: string; value: boolean }
  | { kind: 'open_exception'; queue: ExceptionCategory; role: Role; summary?: string }
  | { kind: 'request_approval'; subject: ApprovalSubject }
  | { kind: 'queue_notification'; template: string; to?: Role }
  | { kind: 'emit_event'; type: string; payload: PayloadTemplate }
  | { kind: 'call_webhook'; destination: string; payload?: PayloadTemplate }
  | { kind: 'ask_ai'; task: string };

export const RULE_ACTION_KINDS = [
  'set_state',
  'set_flag',
  'open_exception',
  'request_approval',
  'queue_notification',
  'emit_event',
  'call_webhook',
  'ask_ai',
] as const;
