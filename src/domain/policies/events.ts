import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';

/**
 * Policy change control goes through the log like every other write: the request is an event (actor
 * and role from the API key or the CLI), the handler decides with the pure change-control functions,
 * and the outcome — applied or refused — is a decided event caused by the request. A replay of the log
 * therefore switches policy versions at the same points as the original run.
 */
export const POLICY_CHANGE_ACTIONS = ['draft', 'approve', 'reject', 'activate', 'rollback', 'approve_rollback', 'decline_new_defaults', 'undecline_new_defaults'] as const;
export type PolicyChangeAction = (typeof POLICY_CHANGE_ACTIONS)[number];

const policySubject = (p: { kind: string }) => `policy:${p.kind}`;
const declinedEntry = z.object({ path: z.string().min(1).max(500), value: z.unknown() }).strict();

export const policyChangeRequested = defineEvent({
  type: 'policy.change_requested',
  schemaVersion: 1,
  // Inbound so the API and CLI can submit it; the handler refuses anyone outside the change-control roles.
  origin: 'inbound',
  subject: policySubject,
  description: 'Someone asks to draft, approve, reject, activate or roll back a policy version, or declines what newer defaults add (or takes a decline back).',
  payload: z
    .object({
      kind: z.string().min(1).max(64),
      action: z.enum(POLICY_CHANGE_ACTIONS),
      version: z.number().int().min(1).optional(),
      body: z.record(z.string(), z.unknown()).optional(),
      basedOn: z.number().int().min(1).nullable().optional(),
      note: z.string().max(2000).optional(),
      comment: z.string().max(2000).optional(),
      reason: z.string().max(2000).optional(),
      /**
       * decline_new_defaults: the entries new in defaults the retailer does not want, with the default
       * value each had when declined (worked out before the request, as a draft's body is, so that a
       * replay under a later release records the same decline).
       */
      declined: z.array(declinedEntry).min(1).max(200).optional(),
      /**
       * undecline_new_defaults: the declines taken back, each with the value it was declined at (worked
       * out before the request from the log's declines, as a decline's entries are).
       */
      undeclined: z.array(declinedEntry).min(1).max(200).optional(),
    })
    .strict(),
});

export const policyChanged = defineEvent({
  type: 'policy.changed',
  schemaVersion: 1,
  origin: 'decided',
  subject: policySubject,
  description: 'A policy version was drafted, reviewed or activated, a rollback was requested, rejected or withdrawn, or keys new in defaults were declined or a decline taken back.',
  payload: z.object({
    kind: z.string(),
    change: z.enum(['drafted', 'reviewed', 'activated', 'rollback_requested', 'rollback_rejected', 'new_defaults_declined', 'new_defaults_undeclined']),
    version: z.number().int(),
    by: z.string(),
    decision: z.enum(['approve', 'reject']).optional(),
    previous: z.number().int().nullable().optional(),
    approvedBy: z.string().optional(),
    rollback: z.boolean().optional(),
    /** rollback_rejected: true when the person who asked took it back. */
    withdrawn: z.boolean().optional(),
    /** new_defaults_declined: what is declined (no longer listed as new in defaults) and why; `version` is the active one. */
    declined: z.array(declinedEntry).optional(),
    /** new_defaults_undeclined: the declines taken back (new in defaults again) and why; `version` is the active one. */
    undeclined: z.array(declinedEntry).optional(),
    reason: z.string().optional(),
  }),
});

export const policyChangeRefused = defineEvent({
  type: 'policy.change_refused',
  schemaVersion: 1,
  origin: 'decided',
  subject: policySubject,
  description: 'A policy change request was refused (four eyes, role, state or schema).',
  payload: z.object({
    kind: z.string(),
    action: z.string(),
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export type PolicyChangeRequest = z.infer<typeof policyChangeRequested.payload>;
export type PolicyChangedPayload = z.infer<typeof policyChanged.payload>;
export type PolicyChangeRefusedPayload = z.infer<typeof policyChangeRefused.payload>;

export const policyEventDefinitions = [policyChangeRequested, policyChanged, policyChangeRefused];
