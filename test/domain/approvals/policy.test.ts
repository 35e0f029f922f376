import { describe, expect, it } from 'vitest';
import { approvalsPolicySchema, defaultApprovalsPolicy } from '../../../src/policy/kinds/approvals.js';

const clone = () => structuredClone(defaultApprovalsPolicy);

describe('approvals policy schema', () => {
  it('accepts the SPEC §5 defaults', () => {
    expect(approvalsPolicySchema.safeParse(defaultApprovalsPolicy).success).toBe(true);
  });

  it('refuses a condition on a fact the subject does not have', () => {
    const p = clone();
    p.rules[1]!.when = { kind: 'compare', fact: 'amout', op: 'gt', value: 200 };
    const r = approvalsPolicySchema.safeParse(p);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("unknown fact 'amout'");
  });

  it('refuses auto-approval on expiry for money subjects', () => {
    const p = clone();
    const refund = p.rules.find((r) => r.id === 'refund.over_200')!;
    refund.onExpiry = 'approve';
    const r = approvalsPolicySchema.safeParse(p);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['rules', p.rules.indexOf(refund), 'onExpiry']);
  });

  it('refuses duplicate rule ids and impossible approver specs', () => {
    const p = clone();
    p.rules.push(structuredClone(p.rules[0]!));
    const w = p.rules.find((r) => r.id === 'writeoff.dual')!;
    w.approvers.roles = ['finance'];
    const r = approvalsPolicySchema.safeParse(p);
    const messages = r.error?.issues.map((i) => i.message) ?? [];
    expect(messages).toContain("duplicate rule id 'refund.over_1000'");
    expect(messages).toContain('distinct roles needs at least as many roles as approvers');
  });

  it('refuses roles that do not exist', () => {
    const p = clone() as unknown as { rules: Array<{ approvers: { roles: string[] } }> };
    p.rules[0]!.approvers.roles = ['cfo'];
    expect(approvalsPolicySchema.safeParse(p).success).toBe(false);
  });
});
