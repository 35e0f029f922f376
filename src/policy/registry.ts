import type { z } from 'zod';
import { ordersPolicySchema, defaultOrdersPolicy } from './kinds/orders.js';
import { sourcingPolicySchema, defaultSourcingPolicy } from './kinds/sourcing.js';
import { availabilityPolicySchema, defaultAvailabilityPolicy } from './kinds/availability.js';
import type { OrdersPolicy } from '../domain/orders/policy.js';
import type { SourcingPolicy } from '../domain/sourcing/policy.js';
import type { AvailabilityPolicy } from '../domain/availability/policy.js';
import { returnsPolicySchema, defaultReturnsPolicy, type ReturnsPolicy } from './kinds/returns.js';
import { triagePolicySchema, defaultTriagePolicy, type TriagePolicy } from './kinds/triage.js';
import { anomalyPolicySchema, defaultAnomalyPolicy, type AnomalyPolicy } from './kinds/anomaly.js';
import { rulesPolicySchema, defaultRulesPolicy, type RulesPolicy } from './kinds/rules.js';
import { approvalsPolicySchema, defaultApprovalsPolicy, type ApprovalsPolicy } from './kinds/approvals.js';
import { replenishmentPolicySchema, defaultReplenishmentPolicy, type ReplenishmentPolicy } from './kinds/replenishment.js';
import { integrationsPolicySchema, defaultIntegrationsPolicy, type IntegrationsPolicy } from './kinds/integrations.js';

/** Every policy kind: its schema and its SPEC defaults (seeded as version 1 of each kind). */
export interface PolicyKinds {
  orders: OrdersPolicy;
  sourcing: SourcingPolicy;
  availability: AvailabilityPolicy;
  returns: ReturnsPolicy;
  triage: TriagePolicy;
  anomaly: AnomalyPolicy;
  rules: RulesPolicy;
  approvals: ApprovalsPolicy;
  replenishment: ReplenishmentPolicy;
  integrations: IntegrationsPolicy;
}

export type PolicyKind = keyof PolicyKinds;

export const POLICY_KINDS: { [K in PolicyKind]: { schema: z.ZodType<PolicyKinds[K]>; defaults: PolicyKinds[K]; description: string } } = {
  orders: { schema: ordersPolicySchema as z.ZodType<OrdersPolicy>, defaults: defaultOrdersPolicy, description: 'order validation (payment, fraud) and customer notifications' },
  sourcing: { schema: sourcingPolicySchema as z.ZodType<SourcingPolicy>, defaults: defaultSourcingPolicy, description: 'where orders ship from: eligibility, ranking weights, split, protected stock, backorder' },
  availability: { schema: availabilityPolicySchema as z.ZodType<AvailabilityPolicy>, defaults: defaultAvailabilityPolicy, description: 'what each channel may sell: allocation share and buffer' },
  returns: { schema: returnsPolicySchema as z.ZodType<ReturnsPolicy>, defaults: defaultReturnsPolicy, description: 'return window, low value, risky customers, AI confidence for dispositions' },
  triage: { schema: triagePolicySchema as z.ZodType<TriagePolicy>, defaults: defaultTriagePolicy, description: 'support ticket priority cues, order number patterns, category confidence' },
  anomaly: { schema: anomalyPolicySchema as z.ZodType<AnomalyPolicy>, defaults: defaultAnomalyPolicy, description: 'robust baselines and thresholds of the anomaly scan' },
  rules: { schema: rulesPolicySchema as z.ZodType<RulesPolicy>, defaults: defaultRulesPolicy, description: 'automation rules: trigger, condition, actions (the scheduled controls of SPEC §6 and more)' },
  approvals: { schema: approvalsPolicySchema as z.ZodType<ApprovalsPolicy>, defaults: defaultApprovalsPolicy, description: 'who must say yes: thresholds, approver roles, dual control, deadlines, escalation chain, outcome on expiry' },
  replenishment: { schema: replenishmentPolicySchema as z.ZodType<ReplenishmentPolicy>, defaults: defaultReplenishmentPolicy, description: 'replenishment check: forecast, safety stock, risk level, supplier reliability, transfers, purchase approvals' },
  integrations: { schema: integrationsPolicySchema as z.ZodType<IntegrationsPolicy>, defaults: defaultIntegrationsPolicy, description: 'ERP reconciliation tolerance' },
};

export function isPolicyKind(k: string): k is PolicyKind {
  return Object.hasOwn(POLICY_KINDS, k);
}
