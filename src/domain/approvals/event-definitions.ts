import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';
import { ROLES } from '../roles.js';
import { APPROVAL_SUBJECTS } from './subjects.js';
import { EXPIRY_OUTCOMES } from './policy.js';

/**
 * The approval engine's events. Decided ones carry the approval's subject `approval:<id>` so every
 * step of one request is ordered; capabilities react to `approval.decided` (the final outcome, once
 * per request) and filter on `payload.subject` to carry out their governed effect.
 */
const decided = { schemaVersion: 1, origin: 'decided' } as const;
const inbound = { schemaVersion: 1, origin: 'inbound' } as const;
const byApproval = (p: { approvalId: string }) => `approval:${p.approvalId}`;
const subject = z.enum(APPROVAL_SUBJECTS);
const role = z.enum(ROLES);

export const approvalRequested = defineEvent({
  ...decided, type: 'approval.requested', subject: byApproval, description: 'A person must approve before omniops goes on.',
  payload: z.object({
    approvalId: z.string(), subject, subjectRef: z.string(), ruleId: z.string(), policyVersion: z.string(), requestedBy: z.string(),
    level: z.number().int(), roles: z.array(role), approvers: z.number().int(), deadlineAt: z.number(), facts: z.record(z.string(), z.unknown()),
  }),
});

export const approvalDecided = defineEvent({
  ...decided, type: 'approval.decided', subject: byApproval, description: 'An approval request reached its outcome: approved, rejected or expired (once per request).',
  payload: z.object({
    approvalId: z.string(), subject, subjectRef: z.string(), outcome: z.enum(['approved', 'rejected', 'expired']),
    expiryOutcome: z.enum(EXPIRY_OUTCOMES).nullable(), decidedBy: z.array(z.string()),
    /** For the cycle-time measure (request → outcome), epoch ms. */
    requestedAt: z.number().optional(), closedAt: z.number().optional(),
  }),
});

export const approvalEscalated = defineEvent({
  ...decided, type: 'approval.escalated', subject: byApproval, description: 'Nobody decided in time: the request moved one level up.',
  payload: z.object({ approvalId: z.string(), subject, subjectRef: z.string(), fromLevel: z.number().int(), toLevel: z.number().int(), roles: z.array(role), deadlineAt: z.number() }),
});

export const approvalExpired = defineEvent({
  ...decided, type: 'approval.expired', subject: byApproval, description: 'The last level passed its deadline; the policy outcome applies.',
  payload: z.object({ approvalId: z.string(), subject, subjectRef: z.string(), level: z.number().int(), outcome: z.enum(EXPIRY_OUTCOMES) }),
});

/** A decision the engine refused (segregation of duties, role, already decided): kept for audit and measures. */
export const approvalDecisionRefused = defineEvent({
  ...decided, type: 'approval.decision_refused', subject: byApproval, description: 'A submitted decision was refused (E_SOD, E_ROLE, E_ALREADY_DECIDED).',
  payload: z.object({ approvalId: z.string(), subject: subject.nullable(), actorId: z.string().nullable(), code: z.enum(['E_SOD', 'E_ROLE', 'E_ALREADY_DECIDED', 'E_NOT_FOUND']), reason: z.string(), message: z.string() }),
});

/** A person's approve/reject (from the API; the actor and role come from the event envelope). */
export const approvalDecisionSubmitted = defineEvent({
  ...inbound, type: 'approval.decision_submitted', subject: byApproval, description: 'A person approves or rejects an approval request.',
  payload: z.object({ approvalId: z.string().min(1).max(100), decision: z.enum(['approve', 'reject']), comment: z.string().max(2000).nullable().optional() }).strict(),
});

const requestId = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._:\-/#@]*$/);
const sku = z.string().min(1).max(64);
const reason = z.string().max(1000).optional();

export const discountRequested = defineEvent({
  ...inbound, type: 'discount.requested', subject: (p) => `governed:${p.requestId}`, description: 'A discounted selling price for a sku is asked for (margin floor approval).',
  payload: z.object({ requestId, sku, discountedPrice: z.number().nonnegative(), channel: z.string().max(64).optional(), validUntil: z.iso.datetime({ offset: true }).optional(), reason }).strict(),
});

export const priceChangeRequested = defineEvent({
  ...inbound, type: 'price.change_requested', subject: (p) => `governed:${p.requestId}`, description: "A change of a sku's list price is asked for (margin floor approval).",
  payload: z.object({ requestId, sku, newPrice: z.number().nonnegative(), reason }).strict(),
});

export const writeoffRequested = defineEvent({
  ...inbound, type: 'writeoff.requested', subject: (p) => `governed:${p.requestId}`, description: 'Stock at a location is to be written off (damage, shrink); dual approval above policy value.',
  payload: z.object({ requestId, sku, locationId: z.string().min(1).max(64), qty: z.number().int().positive(), reason }).strict(),
});

export const supplierSubstitutionProposed = defineEvent({
  ...inbound, type: 'supplier.substitution_proposed', subject: (p) => `governed:${p.requestId}`, description: 'Another supplier is proposed for a sku (category manager approval).',
  payload: z.object({
    requestId, sku, fromSupplierId: z.string().min(1).max(64).optional(), toSupplierId: z.string().min(1).max(64), amount: z.number().nonnegative().nullable().optional(), reason,
  }).strict(),
});

export const approvalEventDefinitions = [
  approvalRequested, approvalDecided, approvalEscalated, approvalExpired, approvalDecisionRefused, approvalDecisionSubmitted,
  discountRequested, priceChangeRequested, writeoffRequested, supplierSubstitutionProposed,
];
