import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';

export const LOCATION_KINDS = ['store', 'dark_store', 'dc', '3pl'] as const;
export const CAPABILITIES = ['ship', 'same_day', 'pickup'] as const;
export const locationIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits and . _ - only');

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const locationSchema = z
  .object({
    name: z.string().min(1).max(200),
    kind: z.enum(LOCATION_KINDS),
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
    capabilities: z.array(z.enum(CAPABILITIES)).max(3).default(['ship']),
    dailyCapacity: z.number().int().min(0).max(1_000_000).default(1000),
    cutoff: hhmm.default('17:00'),
    utcOffsetMinutes: z.number().int().min(-720).max(840).default(0),
    acceptSlaMinutes: z.number().int().min(1).max(10_080).default(60),
    shipSlaMinutes: z.number().int().min(1).max(20_160).default(1440),
    active: z.boolean().default(true),
    odooWarehouseId: z.number().int().positive().optional(),
  })
  .strict();

export type LocationAttributes = z.infer<typeof locationSchema>;
export interface Location extends LocationAttributes {
  id: string;
}

export const locationUpserted = defineEvent({
  type: 'location.upserted',
  schemaVersion: 1,
  origin: 'inbound',
  payload: locationSchema.extend({ id: locationIdSchema }).strict(),
  // Not `location:<id>`: stock events use that subject, and one waiting for its location must not hold the location back.
  subject: (p) => `master:location:${p.id}`,
  description: 'A store, dark store, distribution centre or 3PL was created or changed.',
});
