import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';
import { ROLES } from '../roles.js';
import { EXCEPTION_CATEGORIES } from './categories.js';

const decided = { schemaVersion: 1, origin: 'decided' } as const;
const byException = (p: { exceptionId: string }) => `exception:${p.exceptionId}`;

export const exceptionOpened = defineEvent({
  ...decided, type: 'exception.opened', subject: byException, description: 'Something needs a person: an item was opened in an exception queue.',
  payload: z.object({ exceptionId: z.string(), category: z.enum(EXCEPTION_CATEGORIES), ownerRole: z.enum(ROLES), subjectRef: z.string(), summary: z.string() }),
});

export const exceptionUpdated = defineEvent({
  ...decided, type: 'exception.updated', subject: byException, description: 'An exception item was assigned, retried or resolved.',
  payload: z.object({ exceptionId: z.string(), category: z.enum(EXCEPTION_CATEGORIES), action: z.enum(['assign', 'retry', 'resolve']), by: z.string(), state: z.enum(['open', 'assigned', 'resolved']), assignee: z.string().nullable(), reason: z.string().nullable() }),
});

/** A person works an item (from the API); the actor and role come from the envelope. */
export const exceptionActionRequested = defineEvent({
  schemaVersion: 1, origin: 'inbound', type: 'exception.action_requested', subject: byException, description: 'Resolve (with a reason), retry or assign an exception item.',
  payload: z.object({
    exceptionId: z.string().min(1).max(100), action: z.enum(['resolve', 'retry', 'assign']),
    reason: z.string().max(2000).optional(), assignee: z.string().min(1).max(200).optional(), assigneeRole: z.enum(ROLES).optional(),
  }).strict(),
});

export const exceptionEventDefinitions = [exceptionOpened, exceptionUpdated, exceptionActionRequested];
