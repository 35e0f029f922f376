import type { ReturnDisposition } from '../ai/labels.js';
import type { AiResult, ModelRef, UnavailableReason } from '../ai/port.js';
import type { RuleDisposition } from './disposition.js';
import type { ReturnRules } from './rules.js';

/**
 * Which path decides a return's disposition, and why — recorded on the case (SPEC §5: "when the AI
 * is down or slow, the deterministic rules decide and the case says so").
 */
export type DispositionPath =
  | { readonly decidedBy: 'ai'; readonly why: 'ai_confident' }
  | { readonly decidedBy: 'rules'; readonly why: 'ai_unavailable'; readonly unavailableReason: UnavailableReason }
  | { readonly decidedBy: 'rules'; readonly why: 'ai_low_confidence'; readonly aiConfidence: number; readonly threshold: number }
  | { readonly decidedBy: 'rules'; readonly why: 'binding_rule' };

export type DispositionChoice = DispositionPath & {
  readonly disposition: ReturnDisposition;
  readonly confidence: number;
  readonly rationale: string;
  readonly needsApproval: boolean;
  readonly approvalReasons: readonly string[];
  /** What the AI said (or why it said nothing), kept even when the rules decided, for audit. */
  readonly ai:
    | { readonly status: 'answered'; readonly label: ReturnDisposition; readonly confidence: number; readonly model: ModelRef; readonly inputDigest: string; readonly agreesWithRules: boolean }
    | { readonly status: 'unavailable'; readonly reason: UnavailableReason; readonly detail: string; readonly model: ModelRef; readonly inputDigest: string };
  readonly rule: RuleDisposition;
};

export function chooseDisposition(ai: AiResult<ReturnDisposition>, rule: RuleDisposition, rules: ReturnRules): DispositionChoice {
  const aiRecord: DispositionChoice['ai'] =
    ai.status === 'unavailable'
      ? { status: 'unavailable', reason: ai.reason, detail: ai.detail, model: ai.model, inputDigest: ai.inputDigest }
      : { status: 'answered', label: ai.label, confidence: ai.confidence, model: ai.model, inputDigest: ai.inputDigest, agreesWithRules: ai.label === rule.disposition };
  const fromRules = (path: DispositionPath, note: string): DispositionChoice => ({
    ...path,
    disposition: rule.disposition,
    confidence: rule.confidence,
    rationale: `${rule.rationale} (${note})`,
    needsApproval: rule.needsApproval,
    approvalReasons: rule.needsApproval ? [`rule:${rule.rule}`] : [],
    ai: aiRecord,
    rule,
  });

  if (ai.status === 'unavailable') {
    return fromRules({ decidedBy: 'rules', why: 'ai_unavailable', unavailableReason: ai.reason }, `rules decided: AI unavailable (${ai.reason})`);
  }
  if (rule.binding) {
    return fromRules({ decidedBy: 'rules', why: 'binding_rule' }, `rules decided: ${rule.rule} is policy, not judgement`);
  }
  if (ai.confidence < rules.aiMinConfidence) {
    return fromRules(
      { decidedBy: 'rules', why: 'ai_low_confidence', aiConfidence: ai.confidence, threshold: rules.aiMinConfidence },
      `rules decided: AI confidence ${ai.confidence.toFixed(2)} below ${rules.aiMinConfidence}`,
    );
  }
  // SPEC §5 approvals: an AI recommendation with high impact (refund above the limit) needs a human yes.
  const highImpact = ai.label === 'refund_without_return' && rule.returnValue > rules.aiHighImpactRefund;
  return {
    decidedBy: 'ai',
    why: 'ai_confident',
    disposition: ai.label,
    confidence: ai.confidence,
    rationale: ai.rationale,
    needsApproval: highImpact,
    approvalReasons: highImpact ? [`ai_high_impact_refund:${rule.returnValue}>${rules.aiHighImpactRefund}`] : [],
    ai: aiRecord,
    rule,
  };
}
