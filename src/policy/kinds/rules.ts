import { z } from 'zod';
import { APPROVAL_SUBJECTS } from '../../domain/approvals/subjects.js';
import { EXCEPTION_CATEGORIES } from '../../domain/exceptions/categories.js';
import { ROLES } from '../../domain/roles.js';
import type { AutomationRule } from '../../domain/rules/rule.js';
import { validateRule } from '../../domain/rules/validate-rule.js';

/**
 * Automation rules policy: the scheduled controls of SPEC §6 and any rule operations add, as data.
 * Conditions are expressions of the safe language in src/domain/rules/README.md; they are parsed when
 * the document is validated, so a policy with a broken rule cannot be saved.
 */

const templateValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.object({ $expr: z.string().min(1) }).strict()]);
const payloadTemplate = z.record(z.string(), templateValue);
const role = z.enum(ROLES);

const triggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), eventType: z.string().min(1) }),
  z.object({ kind: z.literal('state_change'), object: z.string().min(1), from: z.string().min(1).optional(), to: z.string().min(1) }),
  z.object({ kind: z.literal('schedule'), cron: z.string().min(1), timezone: z.string().min(1).optional() }),
  z.object({ kind: z.literal('time_in_state'), object: z.string().min(1), state: z.string().min(1), minutes: z.number().positive() }),
]);

const actionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('set_state'), object: z.string().min(1), state: z.string().min(1) }),
  z.object({ kind: z.literal('set_flag'), object: z.string().min(1), flag: z.string().min(1), value: z.boolean() }),
  z.object({ kind: z.literal('open_exception'), queue: z.enum(EXCEPTION_CATEGORIES), role, summary: z.string().optional() }),
  z.object({ kind: z.literal('request_approval'), subject: z.enum(APPROVAL_SUBJECTS) }),
  z.object({ kind: z.literal('queue_notification'), template: z.string().min(1), to: role.optional() }),
  z.object({ kind: z.literal('emit_event'), type: z.string().min(1), payload: payloadTemplate }),
  z.object({ kind: z.literal('call_webhook'), destination: z.string().min(1), payload: payloadTemplate.optional() }),
  z.object({ kind: z.literal('ask_ai'), task: z.string().min(1) }),
]);

export const automationRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'lower-case id: letters, digits, _ . -'),
    version: z.number().int().min(1),
    name: z.string().min(1),
    enabled: z.boolean(),
    trigger: triggerSchema,
    condition: z.string().optional(),
    actions: z.array(actionSchema).min(1),
  })
  .superRefine((rule, ctx) => {
    for (const issue of validateRule(rule)) {
      ctx.addIssue({ code: 'custom', path: issue.path.split(/[.[\]]+/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p)), message: issue.message });
    }
  });

export const rulesPolicySchema = z
  .object({ version: z.string().min(1), rules: z.array(automationRuleSchema) })
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    policy.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id '${r.id}'` });
      seen.add(r.id);
    });
  });

export type RulesPolicy = z.infer<typeof rulesPolicySchema>;

// Compile-time guarantee that a parsed rule is exactly the domain's AutomationRule.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesDomain: Same<RulesPolicy['rules'][number], AutomationRule> = true;
void schemaMatchesDomain;

/**
 * SPEC §6 scheduled controls. Time-in-state rules are checked by the engine's periodic sweep; pure
 * schedule rules emit a `control.*` event the matching engine job handles (the sweep itself needs IO).
 */
export const defaultRulesPolicy: RulesPolicy = {
  version: 'default',
  rules: [
    {
      id: 'stale_order_review',
      version: 1,
      name: 'Stale order review: validated but not allocated after 30 minutes',
      enabled: true,
      trigger: { kind: 'time_in_state', object: 'order', state: 'validated', minutes: 30 },
      actions: [
        { kind: 'open_exception', queue: 'sla_breach', role: 'operations_manager', summary: 'order not allocated in time' },
        { kind: 'queue_notification', template: 'order.stale', to: 'operations_manager' },
      ],
    },
    {
      id: 'fulfilment_sla_watch',
      version: 1,
      name: 'Fulfilment SLA watch: not accepted within the node SLA → expire and reroute',
      enabled: true,
      trigger: { kind: 'time_in_state', object: 'fulfilment', state: 'assigned', minutes: 60 },
      // The node's own accept-by deadline wins when it is known; 60 minutes is the fallback sweep age.
      condition: 'fulfilment.acceptBy == null or minutesSince(fulfilment.acceptBy) >= 0',
      actions: [
        { kind: 'set_state', object: 'fulfilment', state: 'expired' },
        { kind: 'emit_event', type: 'fulfilment.sla_expired', payload: { fulfilmentId: { $expr: 'inState.objectId' }, minutesWaiting: { $expr: 'round(inState.minutes)' } } },
      ],
    },
    {
      id: 'delayed_shipment_escalation',
      version: 1,
      name: 'Delayed or lost shipment: open a shipment exception and tell the customer',
      enabled: true,
      trigger: { kind: 'event', eventType: 'shipment.exception' },
      condition: "event.payload.reason in ['delay', 'lost', 'damaged', 'address']",
      actions: [
        { kind: 'open_exception', queue: 'shipment_exception', role: 'service_agent', summary: 'carrier reported a shipment exception' },
        { kind: 'queue_notification', template: 'customer.shipment_delayed' },
      ],
    },
    {
      id: 'unresolved_return_monitoring',
      version: 1,
      name: 'Return received but not refunded/replaced after 2 days',
      enabled: true,
      trigger: { kind: 'time_in_state', object: 'return', state: 'received', minutes: 2 * 24 * 60 },
      actions: [
        { kind: 'open_exception', queue: 'sla_breach', role: 'service_agent', summary: 'return unresolved for 2 days' },
        { kind: 'queue_notification', template: 'return.unresolved', to: 'service_agent' },
      ],
    },
    {
      id: 'approval_escalation',
      version: 1,
      name: 'Approval escalation: tick pending approvals past their deadline',
      enabled: true,
      trigger: { kind: 'schedule', cron: '*/5 * * * *' },
      actions: [{ kind: 'emit_event', type: 'control.approval_escalation_due', payload: { slot: { $expr: 'schedule.slot' } } }],
    },
    {
      id: 'replenishment_check',
      version: 1,
      name: 'Replenishment check: project coverage for every sku × location',
      enabled: true,
      trigger: { kind: 'schedule', cron: '0 5 * * *' },
      actions: [{ kind: 'emit_event', type: 'control.replenishment_check_due', payload: { slot: { $expr: 'schedule.slot' } } }],
    },
    {
      id: 'erp_reconciliation',
      version: 1,
      name: 'Reconcile stock and order state with the ERP',
      enabled: true,
      trigger: { kind: 'schedule', cron: '30 2 * * *' },
      actions: [{ kind: 'emit_event', type: 'control.erp_reconciliation_due', payload: { slot: { $expr: 'schedule.slot' } } }],
    },
    {
      id: 'delivery_retry',
      version: 1,
      name: 'Outbound delivery retry: re-attempt deliveries whose backoff has elapsed',
      enabled: true,
      trigger: { kind: 'schedule', cron: '* * * * *' },
      actions: [{ kind: 'emit_event', type: 'control.delivery_retry_due', payload: { slot: { $expr: 'schedule.slot' } } }],
    },
    {
      id: 'anomaly_scan',
      version: 1,
      name: 'Anomaly scan over the last hour of operations',
      enabled: true,
      trigger: { kind: 'schedule', cron: '0 * * * *' },
      actions: [{ kind: 'ask_ai', task: 'anomaly_scan' }],
    },
  ],
};
