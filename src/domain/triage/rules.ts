import type { TicketCategory } from '../ai/labels.js';

/** The policy values triage reads; `src/policy/kinds/triage.ts` validates documents of this shape. */
export interface TriageRules {
  readonly urgentCues: Readonly<Record<string, readonly string[]>>;
  readonly highCues: Readonly<Record<string, readonly string[]>>;
  readonly repeatedContactMin: number;
  readonly lowCategories: readonly TicketCategory[];
  readonly generalQuestionCues: readonly string[];
  readonly specificRequestCues: readonly string[];
  readonly orderReferencePatterns: readonly string[];
  readonly minCategoryConfidence: number;
}
