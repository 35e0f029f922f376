import type { DecisionContext } from '../decision-context.js';
import type { Role } from '../roles.js';
import { EXCEPTION_QUEUES, type ExceptionCategory } from './categories.js';

export type ExceptionState = 'open' | 'assigned' | 'resolved';

/** Something a person must look at: a held payment, a dead letter, an unmapped status label... */
export interface ExceptionItem {
  id: string;
  category: ExceptionCategory;
  /** Queue owner, or the role a rule routed this one item to. */
  ownerRole: Role;
  /** The business object concerned (order id, delivery id, channel:label, rule id@version). */
  subjectRef: string;
  summary: string;
  /** What the machine knew when it gave up (error text, status label, discrepancy numbers). */
  detail: Readonly<Record<string, unknown>>;
  state: ExceptionState;
  openedAt: number;
  assignee: string | null;
  retries: number;
  lastRetryAt: number | null;
  resolution: { reason: string; by: string; at: number } | null;
}

export type ExceptionEvent =
  | { type: 'exception.opened'; exceptionId: string; category: ExceptionCategory; ownerRole: Role; subjectRef: string; at: number }
  | { type: 'exception.assigned'; exceptionId: string; assignee: string; by: string; at: number }
  | { type: 'exception.retry_requested'; exceptionId: string; category: ExceptionCategory; subjectRef: string; attempt: number; by: string; at: number }
  | { type: 'exception.resolved'; exceptionId: string; reason: string; by: string; at: number };

export interface OpenExceptionInput {
  category: ExceptionCategory;
  subjectRef: string;
  summary: string;
  detail?: Record<string, unknown>;
  /** Overrides the queue owner for this item (an automation rule's `open_exception(queue, role)`). */
  ownerRole?: Role;
}

export function openException(input: OpenExceptionInput, ctx: DecisionContext): { item: ExceptionItem; events: ExceptionEvent[] } {
  const item: ExceptionItem = {
    id: ctx.newId('exception'),
    category: input.category,
    ownerRole: input.ownerRole ?? EXCEPTION_QUEUES[input.category].ownerRole,
    subjectRef: input.subjectRef,
    summary: input.summary,
    detail: { ...input.detail },
    state: 'open',
    openedAt: ctx.now,
    assignee: null,
    retries: 0,
    lastRetryAt: null,
    resolution: null,
  };
  return {
    item,
    events: [
      { type: 'exception.opened', exceptionId: item.id, category: item.category, ownerRole: item.ownerRole, subjectRef: item.subjectRef, at: ctx.now },
    ],
  };
}
