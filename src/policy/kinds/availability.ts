import { z } from 'zod';
import { CHANNEL_KINDS, type AvailabilityPolicy } from '../../domain/availability/policy.js';
import { LOCATION_KINDS } from '../../domain/sourcing/location.js';

/** What each sales channel may sell (SPEC §5, channel availability). */
const allocationRule = z.object({
  share: z.number().min(0).max(1),
  buffer: z.number().int().nonnegative(),
  locationKinds: z.array(z.enum(LOCATION_KINDS)),
  locationIds: z.array(z.string().min(1)).optional(),
});

export const availabilityPolicySchema = z.object({
  version: z.string().min(1),
  subtractSafetyStock: z.boolean(),
  byChannelKind: z.object({ web: allocationRule, marketplace: allocationRule, pos: allocationRule, service: allocationRule }),
  channels: z.record(z.string().min(1), allocationRule),
  syncTargetSeconds: z.number().positive().max(86_400).optional(),
});

export type { AvailabilityPolicy };

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesDomain: Same<z.infer<typeof availabilityPolicySchema>, AvailabilityPolicy> = true;
const everyChannelKindHasARule: Same<keyof z.infer<typeof availabilityPolicySchema>['byChannelKind'], (typeof CHANNEL_KINDS)[number]> = true;
void schemaMatchesDomain;
void everyChannelKindHasARule;

/**
 * SPEC §5 defaults: own channels see all sellable stock; marketplaces are capped at 80% of the DC and
 * 3PL stock with one unit kept back, so a late marketplace sync cannot oversell the last units.
 */
export const defaultAvailabilityPolicy: AvailabilityPolicy = {
  version: 'default',
  subtractSafetyStock: false,
  byChannelKind: {
    web: { share: 1, buffer: 0, locationKinds: ['store', 'dark_store', 'dc', '3pl'] },
    marketplace: { share: 0.8, buffer: 1, locationKinds: ['dc', '3pl'] },
    pos: { share: 1, buffer: 0, locationKinds: ['store'] },
    service: { share: 1, buffer: 0, locationKinds: ['store', 'dark_store', 'dc', '3pl'] },
  },
  channels: {},
  // SPEC §7: "channel sync reliability (availability updates delivered within 10 s)".
  syncTargetSeconds: 10,
};
