import { beforeAll, describe, expect, it } from 'vitest';
import { customerWords } from '../../../src/connectors/ai/builtin/customer-words.js';
import { evaluate } from '../../../src/connectors/ai/builtin/evaluate.js';
import type { AiEvaluation } from '../../../src/connectors/ai/builtin/evaluate.js';
import { tokens } from '../../../src/connectors/ai/builtin/features.js';
import { createBuiltinAiProvider } from '../../../src/connectors/ai/builtin/provider.js';
import type { BuiltinAiProvider } from '../../../src/connectors/ai/builtin/provider.js';
import { isHeldOut, loadReturnReasonExamples, loadTicketExamples, splitExamples } from '../../../src/connectors/ai/builtin/training-data.js';
import { RETURN_REASON_CATEGORIES, TICKET_CATEGORIES } from '../../../src/domain/ai/labels.js';

let provider: BuiltinAiProvider;
let evaluation: AiEvaluation;
beforeAll(() => {
  provider = createBuiltinAiProvider();
  evaluation = evaluate();
});

async function reason(text: string) {
  const r = await provider.classifyReturnReason(text, {});
  if (r.status !== 'answered') throw new Error('builtin provider must always answer');
  return r;
}

describe('training data', () => {
  it('has at least 300 examples per task and 40 per label, with every label present', () => {
    const returns = loadReturnReasonExamples();
    const tickets = loadTicketExamples();
    expect(returns.length).toBeGreaterThanOrEqual(300);
    expect(tickets.length).toBeGreaterThanOrEqual(300);
    for (const l of RETURN_REASON_CATEGORIES) expect(returns.filter((e) => e.label === l).length).toBeGreaterThanOrEqual(40);
    for (const l of TICKET_CATEGORIES) expect(tickets.filter((e) => e.label === l).length).toBeGreaterThanOrEqual(40);
  });

  it('holds out about a quarter by text hash, independent of file order', () => {
    const returns = loadReturnReasonExamples();
    const { heldOut } = splitExamples(returns);
    expect(heldOut.length / returns.length).toBeGreaterThan(0.15);
    expect(heldOut.length / returns.length).toBeLessThan(0.35);
    expect(splitExamples([...returns].reverse()).heldOut.map((e) => e.text).sort()).toEqual(heldOut.map((e) => e.text).sort());
    expect(isHeldOut('Too small.')).toBe(isHeldOut('  too SMALL. '));
  });
});

describe('held-out quality (never trained on)', () => {
  it('return reasons: macro-F1 ≥ 0.83', () => {
    expect(evaluation.returnReason.count).toBeGreaterThan(60);
    expect(evaluation.returnReason.macroF1).toBeGreaterThanOrEqual(0.83);
  });

  it('ticket categories: macro-F1 ≥ 0.83', () => {
    expect(evaluation.ticketCategory.count).toBeGreaterThan(60);
    expect(evaluation.ticketCategory.macroF1).toBeGreaterThanOrEqual(0.83);
  });

  it('confidence means something: confident answers are more often right, and close to their confidence', () => {
    for (const task of [evaluation.returnReason, evaluation.ticketCategory]) {
      const top = task.calibration.find((b) => b.from === 0.9)!;
      const low = task.calibration.find((b) => b.from === 0)!;
      expect(top.count).toBeGreaterThan(20);
      expect(top.accuracy!).toBeGreaterThanOrEqual(0.95);
      expect(low.accuracy!).toBeLessThan(top.accuracy!);
      expect(task.expectedCalibrationError).toBeLessThan(0.15);
    }
  });

  it('rule-based priority agrees with the labeled priorities on ≥ 90% of tickets', () => {
    expect(evaluation.ticketPriority.accuracy).toBeGreaterThanOrEqual(0.9);
  });
});

describe('what the customer says decides', () => {
  it.each([
    ["It isn't damaged at all, it's just too small for me", 'size_fit'],
    ['The box wasn’t damaged and nothing is broken, I simply don’t want it anymore', 'changed_mind'],
    ['not faulty, it just doesnt fit under my desk, too wide', 'size_fit'],
    ['Not the wrong item, but it stopped working after a day', 'defective'],
  ] as const)('negation: %s → %s', async (text, label) => {
    expect((await reason(text)).label).toBe(label);
  });

  it('marketplace reason codes are overruled by the buyer comment', async () => {
    const r = await reason('Return reason code: DEFECTIVE. Buyer comment: doesnt fit, way too tight on the shoulders');
    expect(r.label).toBe('size_fit');
    expect(r.rationale).toContain('boilerplate set aside');
    expect((await reason('Reason: Damaged. Buyer comment: I found it cheaper elsewhere')).label).toBe('changed_mind');
  });

  it('a bare marketplace code is classified by its own words', async () => {
    expect(customerWords('Return reason code: WRONG_ITEM')).toBe('WRONG_ITEM');
    expect((await reason('Return reason code: WRONG_ITEM')).label).toBe('wrong_item');
  });

  it('several issues: the main one wins; typos still land', async () => {
    expect((await reason('The screws are missing and the box was a bit dented, but mainly I cant build it without the screws')).label).toBe('missing_parts');
    expect((await reason('arived with the glas smashed')).label).toBe('damaged_in_transit');
  });

  it('negation scope ends at punctuation', () => {
    expect(tokens('not damaged, just too small')).toEqual(['not', '¬damaged', 'just', 'too', 'small']);
  });
});

describe('determinism and audit fields', () => {
  it('same input → same answer, digest and version across independently trained providers', async () => {
    const other = createBuiltinAiProvider();
    const text = 'Tracking says delivered but I never got it';
    const a = await provider.triageTicket(text, { previousContacts: 1 });
    const b = await other.triageTicket(text, { previousContacts: 1 });
    expect(b).toEqual(a);
    expect(a.status === 'answered' && a.label).toBe('delivery_problem');
    expect(a.model.version).toMatch(/^tfidf-lr1\+[0-9a-f]{12}$/);
  });

  it('the version is derived from the training data: different data, different version', () => {
    const examples = loadReturnReasonExamples();
    const fewer = createBuiltinAiProvider({ returnReasonExamples: examples.slice(1) });
    expect(fewer.returnReasonClassifier().model.version).not.toBe(provider.returnReasonClassifier().model.version);
    const shuffled = createBuiltinAiProvider({ returnReasonExamples: [...examples].reverse() });
    expect(shuffled.returnReasonClassifier().model.version).toBe(provider.returnReasonClassifier().model.version);
  });

  it('answers carry confidence in [0,1], a rationale naming cues, the model and a sha256 input digest', async () => {
    const r = await reason('Stopped working after a week, it will not turn on');
    expect(r.label).toBe('defective');
    expect(r.confidence).toBeGreaterThan(0.7);
    expect(r.confidence).toBeLessThanOrEqual(1);
    expect(r.rationale).toMatch(/strongest cues/);
    expect(r.model.id).toBe('omniops-builtin/return-reason');
    expect(r.inputDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('recommends a disposition from the category it reads in the text, with that reading as confidence', async () => {
    const facts = {
      reasonText: 'Return reason code: DEFECTIVE. Buyer comment: just too big for me',
      category: 'defective' as const,
      returnValue: 15,
      deliveredAt: 0,
      requestedAt: 5 * 86_400_000,
      replacementInStock: true,
      supplierWarrantyActive: false,
      customerOrderCount: 10,
      customerReturnCount: 1,
      customerAccountAgeDays: 400,
    };
    const r = await provider.recommendDisposition(facts);
    expect(r.status).toBe('answered');
    if (r.status !== 'answered') return;
    // The recorded code says defective (→ refund without return at this value); the words say size.
    expect(r.label).toBe('inspection_required');
    expect(r.confidence).toBeGreaterThan(0.7);
    expect(r.model.id).toBe('omniops-builtin/disposition');
  });
});
