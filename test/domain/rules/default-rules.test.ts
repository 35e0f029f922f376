import { describe, expect, it } from 'vitest';
import { fixedContext } from '../../../src/domain/decision-context.js';
import { evaluateRule } from '../../../src/domain/rules/evaluate-rule.js';
import { validateRule } from '../../../src/domain/rules/validate-rule.js';
import { automationRuleSchema, defaultRulesPolicy, rulesPolicySchema } from '../../../src/policy/kinds/rules.js';

const NOW = Date.UTC(2024, 2, 1, 12, 0, 0);
const byId = (id: string) => defaultRulesPolicy.rules.find((r) => r.id === id)!;

describe('default rules policy', () => {
  it('parses through the schema and covers every SPEC §6 control', () => {
    expect(rulesPolicySchema.safeParse(defaultRulesPolicy).success).toBe(true);
    expect(defaultRulesPolicy.rules.map((r) => r.id).sort()).toEqual(
      [
        'anomaly_scan',
        'approval_escalation',
        'delayed_shipment_escalation',
        'delivery_retry',
        'erp_reconciliation',
        'fulfilment_sla_watch',
        'replenishment_check',
        'stale_order_review',
        'unresolved_return_monitoring',
      ].sort(),
    );
  });

  it('a rule with a bad condition cannot be saved, and the error names the token', () => {
    const bad = { ...byId('delayed_shipment_escalation'), condition: "event.payload.reason in ['delay' 'lost']" };
    const r = automationRuleSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['condition'], message: expect.stringContaining("expected ']' but found string 'lost' at position 33") });
    expect(validateRule(bad)).toEqual([{ path: 'condition', message: expect.any(String), position: 33, token: 'lost' }]);
  });

  it('a bad cron or template expression is refused at save time', () => {
    const cron = automationRuleSchema.safeParse({ ...byId('anomaly_scan'), trigger: { kind: 'schedule', cron: '0 25 * * *' } });
    expect(cron.error?.issues[0]?.path).toEqual(['trigger', 'cron']);
    const tmpl = automationRuleSchema.safeParse({
      ...byId('approval_escalation'),
      actions: [{ kind: 'emit_event', type: 'x', payload: { slot: { $expr: 'schedule.__proto__' } } }],
    });
    expect(tmpl.error?.issues[0]).toMatchObject({ path: ['actions', 0, 'payload', 'slot'], message: expect.stringContaining("forbidden name '__proto__'") });
  });

  it('with known data roots, a typo in a root is caught at save time', () => {
    const rule = { ...byId('fulfilment_sla_watch'), condition: 'fulfilmnt.acceptBy == null' };
    expect(validateRule(rule, { dataRoots: ['fulfilment', 'order'] })).toMatchObject([{ path: 'condition', token: 'fulfilmnt', position: 0 }]);
    expect(validateRule(byId('fulfilment_sla_watch'), { dataRoots: ['fulfilment', 'order'] })).toEqual([]);
  });

  it('fulfilment SLA watch expires an assignment whose accept-by has passed', () => {
    const input = {
      kind: 'time_in_state' as const,
      object: 'fulfilment',
      objectId: 'f-1',
      state: 'assigned',
      enteredAt: NOW - 61 * 60_000,
      data: { fulfilment: { acceptBy: new Date(NOW - 60_000).toISOString() } },
    };
    const out = evaluateRule(byId('fulfilment_sla_watch'), input, fixedContext(NOW));
    expect(out).toMatchObject({
      outcome: 'fired',
      intents: [
        { action: { kind: 'set_state', object: 'fulfilment', state: 'expired' } },
        { action: { kind: 'emit_event', payload: { fulfilmentId: 'f-1', minutesWaiting: 61 } } },
      ],
    });
    const notYet = { ...input, data: { fulfilment: { acceptBy: NOW + 10 * 60_000 } } };
    expect(evaluateRule(byId('fulfilment_sla_watch'), notYet, fixedContext(NOW)).outcome).toBe('skipped');
  });

  it('delayed shipment escalation fires for a delay, not for other events', () => {
    const ev = (reason: string) => ({ kind: 'event' as const, event: { type: 'shipment.exception', subject: 'order-1', payload: { reason } } });
    expect(evaluateRule(byId('delayed_shipment_escalation'), ev('delay'), fixedContext(NOW)).outcome).toBe('fired');
    expect(evaluateRule(byId('delayed_shipment_escalation'), ev('customs_info'), fixedContext(NOW)).outcome).toBe('skipped');
  });
});
