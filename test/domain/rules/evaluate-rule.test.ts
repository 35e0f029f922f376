import { describe, expect, it } from 'vitest';
import { fixedContext } from '../../../src/domain/decision-context.js';
import { evaluateRule } from '../../../src/domain/rules/evaluate-rule.js';
import type { AutomationRule } from '../../../src/domain/rules/rule.js';
import type { TriggerInput } from '../../../src/domain/rules/trigger.js';

const NOW = Date.UTC(2024, 2, 1, 12, 0, 0);
const MIN = 60_000;
const ctx = fixedContext(NOW);

const rule = (overrides: Partial<AutomationRule>): AutomationRule => ({
  id: 'r1',
  version: 3,
  name: 'test rule',
  enabled: true,
  trigger: { kind: 'event', eventType: 'payment.failed' },
  actions: [{ kind: 'open_exception', queue: 'payment_hold', role: 'finance' }],
  ...overrides,
});

const paymentFailed: TriggerInput = {
  kind: 'event',
  event: { type: 'payment.failed', subject: 'order-7', payload: { reason: 'insufficient_funds', amount: 80 } },
  data: { order: { id: 'order-7', total: 80 } },
};

describe('evaluateRule: triggers', () => {
  it('event trigger: matches its type only', () => {
    expect(evaluateRule(rule({}), paymentFailed, ctx)).toMatchObject({ outcome: 'fired', ruleId: 'r1', ruleVersion: 3 });
    const other: TriggerInput = { kind: 'event', event: { type: 'payment.captured', payload: {} } };
    expect(evaluateRule(rule({}), other, ctx)).toMatchObject({ outcome: 'skipped', reason: 'trigger_mismatch' });
  });

  it('event trigger: a trailing .* matches the family', () => {
    const r = rule({ trigger: { kind: 'event', eventType: 'payment.*' } });
    expect(evaluateRule(r, paymentFailed, ctx).outcome).toBe('fired');
    expect(evaluateRule(r, { kind: 'event', event: { type: 'paymentx.failed' } }, ctx).outcome).toBe('skipped');
  });

  it('state change trigger: object, optional from, to', () => {
    const r = rule({ trigger: { kind: 'state_change', object: 'order', from: 'validated', to: 'on_hold' } });
    const input = (from: string | null, to: string, object = 'order'): TriggerInput => ({ kind: 'state_change', object, objectId: 'o-1', from, to });
    expect(evaluateRule(r, input('validated', 'on_hold'), ctx).outcome).toBe('fired');
    expect(evaluateRule(r, input('allocated', 'on_hold'), ctx).outcome).toBe('skipped');
    expect(evaluateRule(r, input('validated', 'on_hold', 'fulfilment'), ctx).outcome).toBe('skipped');
    const anyFrom = rule({ trigger: { kind: 'state_change', object: 'order', to: 'on_hold' } });
    expect(evaluateRule(anyFrom, input(null, 'on_hold'), ctx).outcome).toBe('fired');
  });

  it('schedule trigger: fires for a slot of its cron, not for any instant', () => {
    const r = rule({ trigger: { kind: 'schedule', cron: '*/15 * * * *' } });
    expect(evaluateRule(r, { kind: 'schedule', slot: Date.UTC(2024, 2, 1, 12, 15) }, ctx).outcome).toBe('fired');
    expect(evaluateRule(r, { kind: 'schedule', slot: Date.UTC(2024, 2, 1, 12, 16) }, ctx)).toMatchObject({ reason: 'trigger_mismatch' });
  });

  it('schedule trigger: honours the timezone', () => {
    const r = rule({ trigger: { kind: 'schedule', cron: '0 2 * * *', timezone: 'Europe/Berlin' } });
    expect(evaluateRule(r, { kind: 'schedule', slot: Date.UTC(2024, 2, 1, 1, 0) }, ctx).outcome).toBe('fired');
    expect(evaluateRule(r, { kind: 'schedule', slot: Date.UTC(2024, 2, 1, 2, 0) }, ctx).outcome).toBe('skipped');
  });

  it('time condition: in state X for MORE than N minutes', () => {
    const r = rule({
      trigger: { kind: 'time_in_state', object: 'order', state: 'validated', minutes: 30 },
      condition: 'inState.minutes > 30',
    });
    const stay = (minutesAgo: number, state = 'validated'): TriggerInput => ({
      kind: 'time_in_state',
      object: 'order',
      objectId: 'o-9',
      state,
      enteredAt: NOW - minutesAgo * MIN,
    });
    expect(evaluateRule(r, stay(30), ctx)).toMatchObject({ outcome: 'skipped', reason: 'trigger_mismatch' });
    expect(evaluateRule(r, stay(31), ctx)).toMatchObject({ outcome: 'fired', intents: [{ target: 'o-9' }] });
    expect(evaluateRule(r, stay(90, 'allocated'), ctx).outcome).toBe('skipped');
  });

  it('disabled rules never fire', () => {
    expect(evaluateRule(rule({ enabled: false }), paymentFailed, ctx)).toMatchObject({ outcome: 'skipped', reason: 'disabled' });
  });
});

describe('evaluateRule: condition and actions', () => {
  it('condition over event payload and loaded data', () => {
    const r = rule({ condition: "event.payload.reason == 'insufficient_funds' and order.total > 50" });
    expect(evaluateRule(r, paymentFailed, ctx).outcome).toBe('fired');
    const small = { ...paymentFailed, data: { order: { total: 20 } } };
    expect(evaluateRule(r, small, ctx)).toMatchObject({ outcome: 'skipped', reason: 'condition_false' });
  });

  it('a condition on missing data does not fire (null is not true)', () => {
    const r = rule({ condition: 'not (order.riskScore > 0.5)' });
    expect(evaluateRule(r, paymentFailed, ctx)).toMatchObject({ outcome: 'skipped', reason: 'condition_false' });
  });

  it('returns every action as an intent with its payload template filled in', () => {
    const r = rule({
      actions: [
        { kind: 'set_flag', object: 'order', flag: 'payment_retry', value: true },
        { kind: 'emit_event', type: 'order.payment_attention', payload: { orderId: { $expr: 'order.id' }, amount: { $expr: 'round(event.payload.amount * 1.1, 2)' }, source: 'rule' } },
        { kind: 'queue_notification', template: 'payment.failed', to: 'finance' },
        { kind: 'call_webhook', destination: 'n8n-payments' },
        { kind: 'request_approval', subject: 'fraud_review' },
        { kind: 'ask_ai', task: 'triage_payment_failure' },
      ],
    });
    const out = evaluateRule(r, paymentFailed, ctx);
    expect(out.outcome).toBe('fired');
    if (out.outcome !== 'fired') return;
    expect(out.intents).toHaveLength(6);
    expect(out.intents.every((i) => i.target === 'order-7' && i.ruleVersion === 3)).toBe(true);
    expect(out.intents[1]!.action).toEqual({ kind: 'emit_event', type: 'order.payment_attention', payload: { orderId: 'order-7', amount: 88, source: 'rule' } });
    expect(out.intents[3]!.action).toEqual({ kind: 'call_webhook', destination: 'n8n-payments', payload: null });
  });

  it('a broken rule is a failure value, never an exception', () => {
    const syntax = evaluateRule(rule({ condition: 'order.total >' }), paymentFailed, ctx);
    expect(syntax).toMatchObject({ outcome: 'failed', failure: { stage: 'condition_syntax', position: 13, expression: 'order.total >' } });
    const runtime = evaluateRule(rule({ condition: 'order.total / 0 > 1' }), paymentFailed, ctx);
    expect(runtime).toMatchObject({ outcome: 'failed', failure: { stage: 'condition_evaluation', message: 'division by zero' } });
    const notBool = evaluateRule(rule({ condition: 'order.total' }), paymentFailed, ctx);
    expect(notBool).toMatchObject({ outcome: 'failed', failure: { stage: 'condition_not_boolean' } });
    const template = evaluateRule(
      rule({ actions: [{ kind: 'emit_event', type: 'x', payload: { bad: { $expr: 'len(order.total)' } } }] }),
      paymentFailed,
      ctx,
    );
    expect(template).toMatchObject({ outcome: 'failed', failure: { stage: 'action_template' } });
    const proto = evaluateRule(rule({ actions: [{ kind: 'emit_event', type: 'x', payload: JSON.parse('{"__proto__": 1}') }] }), paymentFailed, ctx);
    expect(proto).toMatchObject({ outcome: 'failed', failure: { stage: 'action_template' } });
    const badCron = evaluateRule(rule({ trigger: { kind: 'schedule', cron: 'nope' } }), { kind: 'schedule', slot: NOW }, ctx);
    expect(badCron.outcome).toBe('skipped');
  });

  it('trigger roots win over loaded data with the same name', () => {
    const r = rule({ condition: "event.type == 'payment.failed'" });
    expect(evaluateRule(r, { ...paymentFailed, data: { event: { type: 'spoofed' } } }, ctx).outcome).toBe('fired');
  });
});
