import { describe, expect, it } from 'vitest';
import { anomalyPolicySchema, defaultAnomalyPolicy } from '../../../src/policy/kinds/anomaly.js';
import { defaultReturnsPolicy, returnsPolicySchema } from '../../../src/policy/kinds/returns.js';
import { defaultTriagePolicy, triagePolicySchema } from '../../../src/policy/kinds/triage.js';

describe('returns, triage and anomaly policy defaults', () => {
  it('parse through their schemas', () => {
    expect(returnsPolicySchema.parse(defaultReturnsPolicy)).toEqual(defaultReturnsPolicy);
    expect(triagePolicySchema.parse(defaultTriagePolicy)).toEqual(defaultTriagePolicy);
    expect(anomalyPolicySchema.parse(defaultAnomalyPolicy)).toEqual(defaultAnomalyPolicy);
  });

  it('carry the SPEC §5 defaults', () => {
    expect(defaultReturnsPolicy).toMatchObject({ returnWindowDays: 30, lowValueMax: 25, riskyReturnRate: 0.3, aiMinConfidence: 0.7, aiHighImpactRefund: 200 });
  });

  it('reject out-of-range values and unknown fields', () => {
    expect(returnsPolicySchema.safeParse({ ...defaultReturnsPolicy, aiMinConfidence: 1.5 }).success).toBe(false);
    expect(returnsPolicySchema.safeParse({ ...defaultReturnsPolicy, surprise: 1 }).success).toBe(false);
    expect(returnsPolicySchema.safeParse({ ...defaultReturnsPolicy, refundWithoutReturnCategories: ['broken'] }).success).toBe(false);
  });

  it('every triage cue is a valid regular expression', () => {
    const all = [
      ...Object.values(defaultTriagePolicy.urgentCues).flat(),
      ...Object.values(defaultTriagePolicy.highCues).flat(),
      ...defaultTriagePolicy.generalQuestionCues,
      ...defaultTriagePolicy.specificRequestCues,
      ...defaultTriagePolicy.orderReferencePatterns,
    ];
    for (const cue of all) expect(() => new RegExp(cue, 'iu')).not.toThrow();
  });
});
