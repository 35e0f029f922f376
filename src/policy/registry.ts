import type { z } from 'zod';
import { ordersPolicySchema, defaultOrdersPolicy } from './kinds/orders.js';
import { sourcingPolicySchema, defaultSourcingPolicy } from './kinds/sourcing.js';
import { availabilityPolicySchema, defaultAvailabilityPolicy } from './kinds/availability.js';
import type { OrdersPolicy } from '../domain/orders/policy.js';
import type { SourcingPolicy } from '../domain/sourcing/policy.js';
import type { AvailabilityPolicy } from '../domain/availability/policy.js';

/** Every policy kind: its schema and its SPEC defaults (seeded as version 1 of each kind). */
export interface PolicyKinds {
  orders: OrdersPolicy;
  sourcing: SourcingPolicy;
  availability: AvailabilityPolicy;
}

export type PolicyKind = keyof PolicyKinds;

export const POLICY_KINDS: { [K in PolicyKind]: { schema: z.ZodType<PolicyKinds[K]>; defaults: PolicyKinds[K]; description: string } } = {
  orders: { schema: ordersPolicySchema as z.ZodType<OrdersPolicy>, defaults: defaultOrdersPolicy, description: 'order validation (payment, fraud) and customer notifications' },
  sourcing: { schema: sourcingPolicySchema as z.ZodType<SourcingPolicy>, defaults: defaultSourcingPolicy, description: 'where orders ship from: eligibility, ranking weights, split, protected stock, backorder' },
  availability: { schema: availabilityPolicySchema as z.ZodType<AvailabilityPolicy>, defaults: defaultAvailabilityPolicy, description: 'what each channel may sell: allocation share and buffer' },
};

export function isPolicyKind(k: string): k is PolicyKind {
  return Object.hasOwn(POLICY_KINDS, k);
}
