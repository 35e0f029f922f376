import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';
import { APPROVAL_SUBJECTS, FACTS_BY_SUBJECT, type ApprovalSubject } from '../../domain/approvals/subjects.js';
import {
  EXPIRY_OUTCOMES,
  type ApprovalCondition,
  type ApprovalPolicy,
} from '../../domain/approvals/policy.js';

/**
 * Approvals policy (SPEC §5 "who must say yes" + segregation of duties): which rule applies to which
 * subject, who approves, how many people, deadlines, the escalation chain and the outcome on expiry.
 */

const role = z.enum(ROLES);
const approverRole = z.union([role, z.literal('subject_owner')]);
const comparisonOp = z.enum(['gt', 'gte', 'lt', 'lte', 'eq', 'neq']);
const factValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const approvalConditionSchema: z.ZodType<ApprovalCondition> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('always') }),
    z.object({ kind: z.literal('compare'), fact: z.string().min(1), op: comparisonOp, value: factValue }),
    z.object({
      kind: z.literal('compare_fact'),
      fact: z.string().min(1),
      op: comparisonOp,
      times: z.number().positive(),
      otherFact: z.string().min(1),
    }),
    z.object({ kind: z.literal('any'), of: z.array(approvalConditionSchema).min(1) }),
    z.object({ kind: z.literal('all'), of: z.array(approvalConditionSchema).min(1) }),
  ]),
);

const approverSpec = z.object({
  roles: z.array(approverRole).min(1),
  approvers: z.number().int().min(1),
  distinctRoles: z.boolean(),
  mustIncludeRoles: z.array(role),
});

const escalationLevel = approverSpec.extend({ deadlineMinutes: z.number().int().positive() });

const ruleSchema = z.object({
  id: z.string().min(1),
  subject: z.enum(APPROVAL_SUBJECTS),
  description: z.string(),
  when: approvalConditionSchema,
  approvers: approverSpec,
  deadlineMinutes: z.number().int().positive(),
  escalation: z.array(escalationLevel),
  onExpiry: z.enum(EXPIRY_OUTCOMES),
});

/**
 * Subjects where money or stock integrity is at risk may not auto-approve when nobody decides: that
 * would let silence bypass segregation of duties.
 */
const NO_AUTO_APPROVE: readonly ApprovalSubject[] = ['refund', 'credit', 'discount', 'price_change', 'writeoff', 'return_risk'];

export const approvalsPolicySchema = z
  .object({
    version: z.string().min(1),
    rules: z.array(ruleSchema),
    subjectOwners: z.record(z.string(), role),
  })
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    policy.rules.forEach((rule, i) => {
      const at = (...p: (string | number)[]) => ['rules', i, ...p];
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate rule id '${rule.id}'` });
      seen.add(rule.id);
      for (const fact of factsIn(rule.when)) {
        if (!FACTS_BY_SUBJECT[rule.subject].includes(fact)) {
          ctx.addIssue({
            code: 'custom',
            path: at('when'),
            message: `unknown fact '${fact}' for ${rule.subject}; known: ${FACTS_BY_SUBJECT[rule.subject].join(', ')}`,
          });
        }
      }
      const levels = [{ spec: rule.approvers, path: at('approvers') }, ...rule.escalation.map((spec, j) => ({ spec, path: at('escalation', j) }))];
      for (const { spec, path } of levels) {
        if (spec.roles.includes('subject_owner') && rule.subject !== 'ai_recommendation') {
          ctx.addIssue({ code: 'custom', path, message: "'subject_owner' is only meaningful for ai_recommendation" });
        }
        if (spec.mustIncludeRoles.length > spec.approvers) {
          ctx.addIssue({ code: 'custom', path, message: 'more required roles than approvers' });
        }
        for (const r of spec.mustIncludeRoles) {
          if (!spec.roles.includes(r)) ctx.addIssue({ code: 'custom', path, message: `required role '${r}' is not an approver role` });
        }
        if (spec.distinctRoles && spec.approvers > new Set(spec.roles).size) {
          ctx.addIssue({ code: 'custom', path, message: 'distinct roles needs at least as many roles as approvers' });
        }
      }
      if (rule.onExpiry === 'approve' && NO_AUTO_APPROVE.includes(rule.subject)) {
        ctx.addIssue({ code: 'custom', path: at('onExpiry'), message: `${rule.subject} may not be approved by expiry` });
      }
    });
  });

export type ApprovalsPolicy = z.infer<typeof approvalsPolicySchema>;

export type { ApprovalPolicy };

// Compile-time guarantee that a parsed document is exactly what the domain deciders read.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesDomain: Same<ApprovalsPolicy, ApprovalPolicy> = true;
void schemaMatchesDomain;

function factsIn(c: ApprovalCondition): string[] {
  switch (c.kind) {
    case 'always':
      return [];
    case 'compare':
      return [c.fact];
    case 'compare_fact':
      return [c.fact, c.otherFact];
    case 'any':
    case 'all':
      return c.of.flatMap(factsIn);
  }
}

const MINUTES_PER_HOUR = 60;

export const defaultApprovalsPolicy: ApprovalsPolicy = {
  version: 'default',
  rules: [
    // Refund / credit: stricter tier first (first matching rule wins).
    ...(['refund', 'credit'] as const).flatMap((subject) => [
      {
        id: `${subject}.over_1000`,
        subject,
        description: `${subject} > 1,000: finance + a second finance or operations manager`,
        when: { kind: 'compare' as const, fact: 'amount', op: 'gt' as const, value: 1000 },
        approvers: { roles: ['finance', 'operations_manager'], approvers: 2, distinctRoles: false, mustIncludeRoles: ['finance'] },
        deadlineMinutes: 8 * MINUTES_PER_HOUR,
        escalation: [
          {
            roles: ['finance', 'operations_manager'],
            approvers: 2,
            distinctRoles: false,
            mustIncludeRoles: ['finance'],
            deadlineMinutes: 8 * MINUTES_PER_HOUR,
          },
        ],
        onExpiry: 'reject' as const,
      } satisfies ApprovalsPolicy['rules'][number],
      {
        id: `${subject}.over_200`,
        subject,
        description: `${subject} > 200: finance`,
        when: { kind: 'compare' as const, fact: 'amount', op: 'gt' as const, value: 200 },
        approvers: { roles: ['finance'], approvers: 1, distinctRoles: false, mustIncludeRoles: [] },
        deadlineMinutes: 8 * MINUTES_PER_HOUR,
        escalation: [
          { roles: ['finance', 'operations_manager'], approvers: 1, distinctRoles: false, mustIncludeRoles: [], deadlineMinutes: 8 * MINUTES_PER_HOUR },
        ],
        onExpiry: 'reject' as const,
      } satisfies ApprovalsPolicy['rules'][number],
    ]),
    ...(['discount', 'price_change'] as const).map(
      (subject) =>
        ({
          id: `${subject}.margin_floor`,
          subject,
          description: 'margin after the change below 20%: category manager',
          when: { kind: 'compare', fact: 'marginAfterPct', op: 'lt', value: 20 },
          approvers: { roles: ['category_manager'], approvers: 1, distinctRoles: false, mustIncludeRoles: [] },
          deadlineMinutes: 4 * MINUTES_PER_HOUR,
          escalation: [
            { roles: ['category_manager', 'operations_manager'], approvers: 1, distinctRoles: false, mustIncludeRoles: [], deadlineMinutes: 4 * MINUTES_PER_HOUR },
          ],
          onExpiry: 'reject',
        }) satisfies ApprovalsPolicy['rules'][number],
    ),
    {
      id: 'writeoff.dual',
      subject: 'writeoff',
      description: 'write-off value > 500, or ≥ 3× the location usual adjustment: inventory control + finance',
      when: {
        kind: 'any',
        of: [
          { kind: 'compare', fact: 'value', op: 'gt', value: 500 },
          { kind: 'compare_fact', fact: 'value', op: 'gte', times: 3, otherFact: 'usualAdjustmentValue' },
        ],
      },
      approvers: { roles: ['inventory_control', 'finance'], approvers: 2, distinctRoles: true, mustIncludeRoles: [] },
      deadlineMinutes: 24 * MINUTES_PER_HOUR,
      escalation: [
        {
          roles: ['inventory_control', 'finance', 'operations_manager'],
          approvers: 2,
          distinctRoles: true,
          mustIncludeRoles: [],
          deadlineMinutes: 24 * MINUTES_PER_HOUR,
        },
      ],
      onExpiry: 'reject',
    },
    {
      id: 'emergency_purchase.any',
      subject: 'emergency_purchase',
      description: 'every emergency / expedited purchase: procurement',
      when: { kind: 'always' },
      approvers: { roles: ['procurement'], approvers: 1, distinctRoles: false, mustIncludeRoles: [] },
      deadlineMinutes: 2 * MINUTES_PER_HOUR,
      escalation: [
        { roles: ['procurement', 'operations_manager'], approvers: 1, distinctRoles: false, mustIncludeRoles: [], deadlineMinutes: 2 * MINUTES_PER_HOUR },
      ],
      onExpiry: 'reject',
    },
    {
      id: 'supplier_substitution.any',
      subject: 'supplier_substitution',
      description: 'every supplier substitution: category manager',
      when: { kind: 'always' },
      approvers: { roles: ['category_manager'], approvers: 1, distinctRoles: false, mustIncludeRoles: [] },
      deadlineMinutes: 8 * MINUTES_PER_HOUR,
      escalation: [
        { roles: ['category_manager', 'operations_manager'], approvers: 1, distinctRoles: false, mustIncludeRoles: [], deadlineMinutes: 8 * MINUTES_PER_HOUR },
      ],
      onExpiry: 'reject',
    },
    {
      id: 'protected_stock_reallocation.any',
      subject: 'protected_stock_reallocation',
      description: 'taking protected store stock: regional ops',
      when: { kind: 'always' },
      approvers: { roles: ['regional_ops'], approvers: 1, distinctRoles: false, mustIncludeRoles: [] },
      deadlineMinutes: 60,
      escalation: [
        { roles: ['regional_ops', 'operations_manager'], approvers: 1, distinctRoles: false, mustIncludeRoles: [], deadlineMinutes: 60 },
      ],
      // Nobody said yes: the protected stock stays with the store and the order goes to the next node.
      onExpiry: 'release_stock',
    },
    {
      id: 'fraud_review.any',
      subject: 'fraud_review',
      description: 'orders held for fraud review: fraud review',
      when: { kind: 'always' },
      approvers: { roles: ['fraud_review'], approvers: 1, distinctRoles: false, mustIncludeRoles: [] },
      deadlineMinutes: 4 * MINUTES_PER_HOUR,
      escalation: [
        { roles: ['fraud_review', 'operations_manager'], approvers: 1, distinctRoles: false, mustIncludeRoles: [], deadlineMinutes: 4 * MINUTES_PER_HOUR },
      ],
      onExpiry: 'reject',
    },
    {
      // The returns rules' own approval (risky customer, new account returning a high value): the case waits before anything is carried out.
      id: 'return_risk.review',
      subject: 'return_risk',
      description: 'Return flagged by the returns rules (risky return rate, new account with high value): finance, before the disposition is carried out',
      when: { kind: 'always' },
      approvers: { roles: ['finance'], approvers: 1, distinctRoles: false, mustIncludeRoles: [] },
      deadlineMinutes: 8 * MINUTES_PER_HOUR,
      escalation: [{ roles: ['finance', 'operations_manager'], approvers: 1, distinctRoles: false, mustIncludeRoles: [], deadlineMinutes: 8 * MINUTES_PER_HOUR }],
      onExpiry: 'reject',
    },
    {
      id: 'ai_recommendation.review',
      subject: 'ai_recommendation',
      description: 'AI recommendation with confidence < 0.7 or high impact (refund > 200, any write-off): the owner of the subject',
      when: {
        kind: 'any',
        of: [
          { kind: 'compare', fact: 'confidence', op: 'lt', value: 0.7 },
          { kind: 'compare', fact: 'recommendedSubject', op: 'eq', value: 'writeoff' },
          {
            kind: 'all',
            of: [
              { kind: 'compare', fact: 'recommendedSubject', op: 'eq', value: 'refund' },
              { kind: 'compare', fact: 'amount', op: 'gt', value: 200 },
            ],
          },
          {
            kind: 'all',
            of: [
              { kind: 'compare', fact: 'recommendedSubject', op: 'eq', value: 'credit' },
              { kind: 'compare', fact: 'amount', op: 'gt', value: 200 },
            ],
          },
        ],
      },
      approvers: { roles: ['subject_owner'], approvers: 1, distinctRoles: false, mustIncludeRoles: [] },
      deadlineMinutes: 4 * MINUTES_PER_HOUR,
      escalation: [
        { roles: ['subject_owner', 'operations_manager'], approvers: 1, distinctRoles: false, mustIncludeRoles: [], deadlineMinutes: 4 * MINUTES_PER_HOUR },
      ],
      onExpiry: 'reject',
    },
  ],
  subjectOwners: {
    refund: 'finance',
    credit: 'finance',
    discount: 'category_manager',
    price_change: 'category_manager',
    writeoff: 'inventory_control',
    emergency_purchase: 'procurement',
    supplier_substitution: 'category_manager',
    protected_stock_reallocation: 'regional_ops',
    fraud_review: 'fraud_review',
    replenishment: 'category_manager',
    return_disposition: 'service_agent',
  },
};
