import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';
import type { SourcingPolicy } from '../../domain/sourcing/policy.js';

/** Routing (sourcing) of orders to locations (SPEC §5); the formula is in src/domain/sourcing/README.md. */
const weight = z.number().min(0);

export const sourcingPolicySchema = z.object({
  version: z.string().min(1),
  weights: z.object({ cost: weight, slaRisk: weight, split: weight, workload: weight }),
  shippingCost: z.object({ base: z.number().nonnegative(), perKm: z.number().nonnegative(), reference: z.number().positive() }),
  sameDay: z.object({ radiusKm: z.number().positive() }),
  split: z.object({ allowed: z.boolean(), maxLocations: z.number().int().min(1) }),
  protectedStock: z.enum(['approval', 'skip']),
  protectedStockApprover: z.enum(ROLES),
  whenNothingCanServe: z.enum(['backorder', 'cancel']),
  backorderWithoutInbound: z.enum(['backorder', 'cancel']),
  // Optional: versions stored before it existed have none (read as null: no retry by time).
  // Optional inside too: versions written with `reroute` before a rejection's reason code existed have none.
  reroute: z.object({
    retryFailedLocationAfterHours: z.number().positive().max(8760).nullable(),
    retryNonStockRejectionAfterHours: z.number().positive().max(8760).nullable().optional(),
  }).optional(),
});

export type { SourcingPolicy };

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesDomain: Same<z.infer<typeof sourcingPolicySchema>, SourcingPolicy> = true;
void schemaMatchesDomain;

/** SPEC §5 defaults: cost leads, a late parcel next, one parcel preferred, busy locations spared. */
export const defaultSourcingPolicy: SourcingPolicy = {
  version: 'default',
  weights: { cost: 0.4, slaRisk: 0.3, split: 0.2, workload: 0.1 },
  shippingCost: { base: 4.5, perKm: 0.02, reference: 20 },
  sameDay: { radiusKm: 25 },
  split: { allowed: true, maxLocations: 3 },
  protectedStock: 'approval',
  protectedStockApprover: 'regional_ops',
  whenNothingCanServe: 'backorder',
  backorderWithoutInbound: 'backorder',
  // Off: a failed location comes back when its stock is counted or received since the failure. By
  // time alone it would come back with the phantom stock that made it reject, and reject again.
  // A rejection for staff, capacity or a closure says nothing about the shelf: 24 h brings the store
  // back at the same hour of the next day — an hour it was open and working its worklist (it rejected
  // then) — so the order does not land there overnight to miss its accept deadline, which would count
  // as a stock failure and keep the store out until a count.
  reroute: { retryFailedLocationAfterHours: null, retryNonStockRejectionAfterHours: 24 },
};
