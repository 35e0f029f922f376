import { describe, expect, it } from 'vitest';
import { requiredApproval } from '../../../src/domain/approvals/required.js';
import { policy } from './fixtures.js';

describe('requiredApproval', () => {
  it('refund: none up to 200, finance above, finance + second approver above 1,000', () => {
    expect(requiredApproval('refund', { amount: 200 }, policy).kind).toBe('none');
    const mid = requiredApproval('refund', { amount: 200.01 }, policy);
    expect(mid).toMatchObject({ kind: 'required', ruleId: 'refund.over_200', levels: [{ roles: ['finance'], approvers: 1 }, {}] });
    const big = requiredApproval('refund', { amount: 1000.01 }, policy);
    expect(big).toMatchObject({
      kind: 'required',
      ruleId: 'refund.over_1000',
      deadlineMinutes: 480,
      onExpiry: 'reject',
      levels: [{ roles: ['finance', 'operations_manager'], approvers: 2, mustIncludeRoles: ['finance'] }, { deadlineMinutes: 480 }],
    });
  });

  it('credit follows the refund tiers', () => {
    expect(requiredApproval('credit', { amount: 150 }, policy).kind).toBe('none');
    expect(requiredApproval('credit', { amount: 1500 }, policy)).toMatchObject({ ruleId: 'credit.over_1000' });
  });

  it('discount / price change: margin after change below 20% needs the category manager', () => {
    // (10 - 8) / 10 = 20% → at the floor, allowed
    expect(requiredApproval('discount', { priceAfter: 10, unitCost: 8 }, policy).kind).toBe('none');
    const below = requiredApproval('price_change', { priceAfter: 9.99, unitCost: 8 }, policy);
    expect(below).toMatchObject({ kind: 'required', ruleId: 'price_change.margin_floor', levels: [{ roles: ['category_manager'] }, {}] });
    expect(below.kind === 'required' && below.facts.marginAfterPct).toBe(19.92);
    // giving it away is always below the floor
    expect(requiredApproval('discount', { priceAfter: 0, unitCost: 0 }, policy).kind).toBe('required');
  });

  it('write-off: value > 500 or ≥ 3× usual adjustment → dual inventory control + finance', () => {
    expect(requiredApproval('writeoff', { value: 100, usualAdjustmentValue: 50 }, policy).kind).toBe('none');
    expect(requiredApproval('writeoff', { value: 150, usualAdjustmentValue: 50 }, policy)).toMatchObject({
      kind: 'required',
      levels: [{ roles: ['inventory_control', 'finance'], approvers: 2, distinctRoles: true }, {}],
    });
    expect(requiredApproval('writeoff', { value: 501, usualAdjustmentValue: 1000 }, policy).kind).toBe('required');
    // unknown usual adjustment (new location): only the absolute threshold applies
    expect(requiredApproval('writeoff', { value: 400, usualAdjustmentValue: null }, policy).kind).toBe('none');
  });

  it('always-approve subjects go to their role', () => {
    expect(requiredApproval('emergency_purchase', { amount: 1 }, policy)).toMatchObject({ levels: [{ roles: ['procurement'] }, {}] });
    expect(requiredApproval('supplier_substitution', { amount: null }, policy)).toMatchObject({ levels: [{ roles: ['category_manager'] }, {}] });
    expect(requiredApproval('protected_stock_reallocation', { quantity: 2 }, policy)).toMatchObject({
      levels: [{ roles: ['regional_ops'] }, {}],
      onExpiry: 'release_stock',
    });
    expect(requiredApproval('fraud_review', { score: 0.8 }, policy)).toMatchObject({ levels: [{ roles: ['fraud_review'] }, {}] });
  });

  it('AI recommendation: low confidence or high impact → the role owning the subject', () => {
    expect(requiredApproval('ai_recommendation', { confidence: 0.9, recommendedSubject: 'refund', amount: 50 }, policy).kind).toBe('none');
    expect(requiredApproval('ai_recommendation', { confidence: 0.69, recommendedSubject: 'replenishment', amount: null }, policy)).toMatchObject({
      levels: [{ roles: ['category_manager'] }, { roles: ['category_manager', 'operations_manager'] }],
    });
    expect(requiredApproval('ai_recommendation', { confidence: 0.95, recommendedSubject: 'refund', amount: 250 }, policy)).toMatchObject({
      levels: [{ roles: ['finance'] }, {}],
    });
    expect(requiredApproval('ai_recommendation', { confidence: 0.99, recommendedSubject: 'writeoff', amount: 5 }, policy)).toMatchObject({
      levels: [{ roles: ['inventory_control'] }, {}],
    });
  });

  it('fails closed when a fact is missing or not a number, or the owner is unknown', () => {
    expect(requiredApproval('refund', { amount: Number.NaN }, policy)).toEqual({
      kind: 'undecidable',
      subject: 'refund',
      reason: 'missing_facts',
      detail: ['amount'],
    });
    expect(requiredApproval('refund', {} as { amount: number }, policy).kind).toBe('undecidable');
    expect(requiredApproval('ai_recommendation', { confidence: 0.1, recommendedSubject: 'spaceship', amount: null }, policy)).toMatchObject({
      kind: 'undecidable',
      reason: 'no_subject_owner',
    });
  });

  it('reads thresholds from the policy, not from code', () => {
    const stricter = structuredClone(policy);
    const r = stricter.rules.find((x) => x.id === 'refund.over_200')!;
    r.when = { kind: 'compare', fact: 'amount', op: 'gt', value: 50 };
    expect(requiredApproval('refund', { amount: 60 }, stricter).kind).toBe('required');
    expect(requiredApproval('refund', { amount: 60 }, policy).kind).toBe('none');
  });
});
