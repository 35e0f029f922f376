import { describe, expect, it } from 'vitest';
import type { ReturnDisposition } from '../../../src/domain/ai/labels.js';
import type { AiResult } from '../../../src/domain/ai/port.js';
import { chooseDisposition } from '../../../src/domain/returns/choose.js';
import type { RuleDisposition } from '../../../src/domain/returns/disposition.js';
import { defaultReturnsPolicy as policy } from '../../../src/policy/kinds/returns.js';

const model = { id: 'm', version: '1' };
const answered = (label: ReturnDisposition, confidence: number): AiResult<ReturnDisposition> => ({ status: 'answered', label, confidence, rationale: 'ai says so', model, inputDigest: 'd' });
const rule = (over: Partial<RuleDisposition> = {}): RuleDisposition => ({
  disposition: 'inspection_required', confidence: 1, rationale: 'size: inspect', decidedBy: 'rules', rule: 'inspection_category',
  needsApproval: false, binding: false, returnValue: 60, ...over,
});

describe('chooseDisposition', () => {
  it('a confident AI decides, and the record says whether it agreed with the rules', () => {
    const c = chooseDisposition(answered('replacement_shipment', 0.85), rule(), policy);
    expect(c).toMatchObject({ decidedBy: 'ai', why: 'ai_confident', disposition: 'replacement_shipment', confidence: 0.85, needsApproval: false });
    expect(c.ai).toMatchObject({ status: 'answered', agreesWithRules: false });
  });

  it('exactly at the threshold the AI is used; below it the rules decide and say why', () => {
    expect(chooseDisposition(answered('reject', 0.7), rule(), policy).decidedBy).toBe('ai');
    const c = chooseDisposition(answered('reject', 0.69), rule(), policy);
    expect(c).toMatchObject({ decidedBy: 'rules', why: 'ai_low_confidence', aiConfidence: 0.69, threshold: 0.7, disposition: 'inspection_required', confidence: 1 });
    expect(c.rationale).toContain('below 0.7');
  });

  it.each(['timeout', 'invalid_output', 'error'] as const)('AI unavailable (%s) → rules, recorded on the case', (reason) => {
    const c = chooseDisposition({ status: 'unavailable', reason, detail: 'x', model, inputDigest: 'd' }, rule(), policy);
    expect(c).toMatchObject({ decidedBy: 'rules', why: 'ai_unavailable', unavailableReason: reason, disposition: 'inspection_required' });
    expect(c.ai).toMatchObject({ status: 'unavailable', reason });
  });

  it('a binding rule (window, risk gate) is not overridden by a confident AI, and keeps its approval', () => {
    const gate = rule({ rule: 'risky_return_rate', needsApproval: true, binding: true });
    const c = chooseDisposition(answered('refund_without_return', 0.99), gate, policy);
    expect(c).toMatchObject({ decidedBy: 'rules', why: 'binding_rule', disposition: 'inspection_required', needsApproval: true });
    expect(c.approvalReasons).toEqual(['rule:risky_return_rate']);
  });

  it('an AI refund without return above 200 is high impact and needs approval', () => {
    const c = chooseDisposition(answered('refund_without_return', 0.95), rule({ returnValue: 250 }), policy);
    expect(c).toMatchObject({ decidedBy: 'ai', needsApproval: true });
    expect(chooseDisposition(answered('refund_without_return', 0.95), rule({ returnValue: 200 }), policy).needsApproval).toBe(false);
  });
});
