import { normalizeText } from '../ai/digest.js';
import type { TicketCategory, TicketPriority } from '../ai/labels.js';
import type { TriageRules } from './rules.js';

/**
 * Ticket priority by rule (SPEC §5), on top of the category: urgent for legal, regulatory or
 * chargeback threats and safety hazards; high for money lost, parcels not received, repeated contact
 * or same-day needs; low for general questions; normal otherwise. Rules rather than a model because
 * the outcomes are few, the cues are explicit in the SPEC, and operations must be able to say exactly
 * why a ticket jumped the queue.
 */
export interface PriorityFacts {
  readonly category: TicketCategory | null;
  readonly previousContacts?: number;
}

export interface PriorityDecision {
  readonly priority: TicketPriority;
  /** Which cue groups matched, e.g. `urgent:chargeback`, `high:repeated_contact`, `low:general_question`. */
  readonly reasons: readonly string[];
}

/** Lower-case, apostrophes dropped ("haven't" → "havent"), so cues need one spelling. */
export function textForCues(text: string): string {
  return normalizeText(text).replace(/['’`´]/g, '');
}

export function ticketPriority(text: string, facts: PriorityFacts, rules: TriageRules): PriorityDecision {
  const t = textForCues(text);
  const matching = (groups: Readonly<Record<string, readonly string[]>>): string[] =>
    Object.entries(groups)
      .filter(([, cues]) => cues.some((cue) => new RegExp(cue, 'iu').test(t)))
      .map(([name]) => name)
      .sort();

  const urgent = matching(rules.urgentCues);
  if (urgent.length > 0) return { priority: 'urgent', reasons: urgent.map((r) => `urgent:${r}`) };

  const high = matching(rules.highCues);
  if ((facts.previousContacts ?? 0) >= rules.repeatedContactMin && !high.includes('repeated_contact')) high.push('repeated_contact');
  if (high.length > 0) return { priority: 'high', reasons: high.sort().map((r) => `high:${r}`) };

  if (facts.category !== null && rules.lowCategories.includes(facts.category)) return { priority: 'low', reasons: [`low:category:${facts.category}`] };
  const matches = (cue: string) => new RegExp(cue, 'iu').test(t);
  if (rules.generalQuestionCues.some(matches) && !rules.specificRequestCues.some(matches)) {
    return { priority: 'low', reasons: ['low:general_question'] };
  }
  return { priority: 'normal', reasons: [] };
}
