import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';

export const SOURCE_KINDS = ['web', 'marketplace', 'pos', 'service', 'carrier', 'supplier', 'erp', 'system'] as const;

export const sourceIdSchema = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits and . _ - only');

/** A channel or system that sends us events; its status map translates its labels to ours. */
export const sourceSchema = z
  .object({
    name: z.string().min(1).max(200),
    kind: z.enum(SOURCE_KINDS),
    statusMap: z.record(z.string().max(100), z.string().max(64)).default({}),
    servesLocations: z.array(z.string().max(64)).max(1000).optional(),
  })
  .strict();

export type SourceAttributes = z.infer<typeof sourceSchema>;
export interface Source extends SourceAttributes {
  id: string;
}

export const sourceUpserted = defineEvent({
  type: 'source.upserted',
  schemaVersion: 1,
  origin: 'inbound',
  payload: sourceSchema.extend({ id: sourceIdSchema }).strict(),
  subject: (p) => `source:${p.id}`,
  description: 'A channel or system source was created or changed.',
});
