import type { RuleTrigger } from './rule.js';
import { isCronSlot } from './schedule.js';

/** What happened, as handed to a rule. `data` is what the handler loaded (order, payment, ...). */
export type TriggerInput =
  | { kind: 'event'; event: { type: string; subject?: string | null; [field: string]: unknown }; data?: Record<string, unknown> }
  | { kind: 'state_change'; object: string; objectId: string; from: string | null; to: string; data?: Record<string, unknown> }
  | { kind: 'schedule'; slot: number; data?: Record<string, unknown> }
  | { kind: 'time_in_state'; object: string; objectId: string; state: string; enteredAt: number; data?: Record<string, unknown> };

/** The name each trigger kind puts in the expression scope beside `data`'s keys. */
export const TRIGGER_ROOT = {
  event: 'event',
  state_change: 'change',
  schedule: 'schedule',
  time_in_state: 'inState',
} as const satisfies Record<RuleTrigger['kind'], string>;

const MS_PER_MINUTE = 60_000;

export function triggerMatches(trigger: RuleTrigger, input: TriggerInput, now: number): boolean {
  switch (trigger.kind) {
    case 'event':
      return input.kind === 'event' && eventTypeMatches(trigger.eventType, input.event.type);
    case 'state_change':
      return (
        input.kind === 'state_change' &&
        input.object === trigger.object &&
        input.to === trigger.to &&
        (trigger.from === undefined || input.from === trigger.from)
      );
    case 'schedule':
      return input.kind === 'schedule' && isCronSlot(trigger.cron, input.slot, trigger.timezone);
    case 'time_in_state':
      return (
        input.kind === 'time_in_state' &&
        input.object === trigger.object &&
        input.state === trigger.state &&
        now - input.enteredAt > trigger.minutes * MS_PER_MINUTE
      );
  }
}

/** `order.*` matches every `order.` event; anything else is an exact type. */
function eventTypeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/** The expression scope: the loaded data, then the trigger's own root (which wins on a name clash). */
export function scopeOf(input: TriggerInput, now: number): Record<string, unknown> {
  const scope: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(input.data ?? {})) scope[k] = v;
  switch (input.kind) {
    case 'event':
      scope[TRIGGER_ROOT.event] = input.event;
      break;
    case 'state_change':
      scope[TRIGGER_ROOT.state_change] = { object: input.object, objectId: input.objectId, from: input.from, to: input.to };
      break;
    case 'schedule':
      scope[TRIGGER_ROOT.schedule] = { slot: input.slot };
      break;
    case 'time_in_state':
      scope[TRIGGER_ROOT.time_in_state] = {
        object: input.object,
        objectId: input.objectId,
        state: input.state,
        enteredAt: input.enteredAt,
        minutes: (now - input.enteredAt) / MS_PER_MINUTE,
      };
      break;
  }
  return scope;
}

/** The business object the actions are about, when the trigger names one. */
export function targetOf(input: TriggerInput): string | null {
  switch (input.kind) {
    case 'event':
      return typeof input.event.subject === 'string' ? input.event.subject : null;
    case 'state_change':
    case 'time_in_state':
      return input.objectId;
    case 'schedule':
      return null;
  }
}
