import type { TicketCategory, TicketPriority } from '../ai/labels.js';
import type { AiResult, ModelRef } from '../ai/port.js';
import { findOrderReference } from './order-reference.js';
import { ticketPriority } from './priority.js';
import { suggestReply } from './reply.js';
import type { ReplyFacts, SuggestedReply } from './reply.js';
import type { TriageRules } from './rules.js';

/**
 * A ticket's triage: the AI's category (used only when confident enough; otherwise the ticket goes
 * to the human queue unclassified), the rule-based priority, the order it refers to, and a suggested
 * reply. Pure: the caller looks up the order's facts by the reference and passes them in.
 */
export interface TriageInput {
  readonly text: string;
  readonly classification: AiResult<TicketCategory>;
  readonly previousContacts?: number;
  /** Facts of the order / case the ticket is linked to, when known. */
  readonly facts?: ReplyFacts;
}

export interface TicketTriage {
  readonly category: TicketCategory | null;
  readonly categoryDecidedBy: 'ai' | 'none';
  /** Why there is no category: the AI was unavailable, or below the policy's confidence. */
  readonly categoryNote: string;
  readonly categoryConfidence: number | null;
  readonly model: ModelRef;
  readonly inputDigest: string;
  readonly priority: TicketPriority;
  readonly priorityReasons: readonly string[];
  readonly orderRef: string | null;
  readonly reply: SuggestedReply;
  readonly requiresHumanReview: boolean;
}

export function triage(input: TriageInput, rules: TriageRules): TicketTriage {
  const c = input.classification;
  let category: TicketCategory | null = null;
  let categoryNote: string;
  if (c.status === 'unavailable') categoryNote = `AI unavailable (${c.reason}): ${c.detail}`;
  else if (c.confidence < rules.minCategoryConfidence) categoryNote = `AI confidence ${c.confidence.toFixed(2)} below ${rules.minCategoryConfidence}; left for an agent`;
  else {
    category = c.label;
    categoryNote = c.rationale;
  }

  const priority = ticketPriority(input.text, { category, previousContacts: input.previousContacts }, rules);
  const orderRef = findOrderReference(input.text, rules);
  const reply = suggestReply(category, { ...input.facts, orderRef: input.facts?.orderRef ?? orderRef ?? undefined });
  return {
    category,
    categoryDecidedBy: category === null ? 'none' : 'ai',
    categoryNote,
    categoryConfidence: c.status === 'answered' ? c.confidence : null,
    model: c.model,
    inputDigest: c.inputDigest,
    priority: priority.priority,
    priorityReasons: priority.reasons,
    orderRef,
    reply,
    requiresHumanReview: reply.requiresHumanReview,
  };
}
