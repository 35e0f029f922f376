import { z } from 'zod';
import { defineEvent, type EventDefinition } from '../events/catalog.js';

/**
 * Events the shipped automation rules (src/policy/kinds/rules.ts) emit. A rule may only emit a type in
 * the catalog, so the scheduled controls of SPEC §6 each get a `control.*_due` type that the engine job
 * doing the work reacts to (a control whose job is not built yet simply records that it was due).
 */
const decided = { schemaVersion: 1, origin: 'decided' } as const;
const slotPayload = z.object({ slot: z.number().int() }).passthrough();

function controlDue(name: string, description: string): EventDefinition {
  return defineEvent({ ...decided, type: `control.${name}_due`, subject: () => `control:${name}`, description, payload: slotPayload }) as EventDefinition;
}

export const ruleEventDefinitions: EventDefinition[] = [
  controlDue('approval_escalation', 'Pending approvals past their deadline should be escalated or expired now.'),
  controlDue('replenishment_check', 'Coverage of every sku × location should be projected now.'),
  controlDue('erp_reconciliation', 'Stock and order state should be reconciled with the ERP now.'),
  controlDue('delivery_retry', 'Outbound deliveries whose backoff elapsed should be attempted again now.'),
  defineEvent({
    ...decided,
    type: 'fulfilment.sla_expired',
    subject: (p) => `fulfilment:${p.fulfilmentId}`,
    description: 'An automation rule found a fulfilment waiting past its accept SLA.',
    payload: z.object({ fulfilmentId: z.string(), minutesWaiting: z.number().nullable() }).passthrough(),
  }) as EventDefinition,
];
