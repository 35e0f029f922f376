import { z } from 'zod';

/** ERP reconciliation: how far omniops and the ERP may disagree before a person is asked to look. */
export const integrationsPolicySchema = z
  .object({
    version: z.string().min(1),
    reconciliation: z.object({ stockToleranceUnits: z.number().int().min(0) }).strict(),
  })
  .strict();

export type IntegrationsPolicy = z.infer<typeof integrationsPolicySchema>;

/** SPEC §5 names no tolerance: every unit counts (inventory accuracy is measured exactly). */
export const defaultIntegrationsPolicy: IntegrationsPolicy = { version: 'default', reconciliation: { stockToleranceUnits: 0 } };
