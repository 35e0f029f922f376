import { z } from 'zod';
import { TICKET_CATEGORIES } from '../../domain/ai/labels.js';
import type { TriageRules } from '../../domain/triage/rules.js';

/**
 * Support triage policy (SPEC §5): the cues that make a ticket urgent or high, which categories are
 * general questions (low), how an order number is recognised in free text, and how confident the
 * category must be before it routes a ticket. Cues are regular-expression sources matched
 * case-insensitively on the normalized text, so operations can extend them without a release.
 */
const cueList = z.array(z.string().min(1)).min(1);

export const triagePolicySchema = z
  .object({
    /** The stored version number, set by change control (every kind's drafts carry it; decisions record it). */
    version: z.string().min(1).optional(),
    /** Urgent: legal, regulatory or chargeback threats and safety hazards. */
    urgentCues: z.record(z.string(), cueList),
    /** High: money lost, parcels not received, repeated contact, same-day needs. */
    highCues: z.record(z.string(), cueList),
    /** This many earlier contacts about the same matter make a ticket high. */
    repeatedContactMin: z.number().int().positive(),
    /** Categories that are general questions unless a cue above says otherwise. */
    lowCategories: z.array(z.enum(TICKET_CATEGORIES)),
    /** Cues of a general question (how / can I / is there …) that make other categories low … */
    generalQuestionCues: cueList,
    /** … unless it is about the customer's own order or asks us to act on something ("my order", "can you"). */
    specificRequestCues: cueList,
    /** Order number patterns, tried in order; the first capture group (or the match) is the reference. */
    orderReferencePatterns: cueList,
    /** Below this category confidence the ticket goes to the human queue unclassified. */
    minCategoryConfidence: z.number().min(0).max(1),
  })
  .strict();

export type TriagePolicy = z.infer<typeof triagePolicySchema>;

export const defaultTriagePolicy: TriagePolicy = {
  urgentCues: {
    legal: ['\\b(lawyer|solicitor|attorney|sue|suing|court|legal (action|proceedings)|small claims)\\b'],
    regulatory: [
      '\\b(trading standards|ombudsman|regulator|consumer protection|advertising standards|data protection authority|consumer rights act)\\b',
      '\\bgdpr\\b.*\\b(complain|report|authority)',
    ],
    chargeback: [
      '\\bchargeback\\b',
      '\\b(dispute|disputing|reverse|reversed)\\b.*\\b(bank|card|charge|credit card)',
      '\\b(contacted|contact|call|calling) my bank\\b',
    ],
    safety: [
      '\\b(spark(ed|s|ing)?|smok(e|ing|ed)|fire|caught fire|burning smell|melted|explode|exploded|swollen|electric shock|shock from|gas smell|smell of gas)\\b',
      '\\b(safety (issue|hazard|risk)|fire hazard|dangerous|injur(y|ed)|cut (his|her|my|their) (hand|finger)|collapsed)\\b',
      '\\bhacked\\b',
      "\\b(orders?|purchases?) on my account (i|we) didnt place\\b",
    ],
  },
  highCues: {
    money_lost: [
      '\\b(charged|billed|payment taken|took payment) (twice|two times|three times|again)\\b',
      '\\bdouble (charge|charged|payment)\\b',
      '\\b(money|payment) (was )?(taken|left my account|never arrived)\\b',
      '\\b(still )?no refund\\b|\\bwhere(s| is) my (refund|money)\\b|\\brefund (still )?(missing|not received)\\b',
      "\\b(havent|haven't) (got|received) my refund\\b|\\bno money back\\b|\\bwant my money\\b|\\bmoney back now\\b",
      '\\boverdrawn\\b|\\bhave nothing\\b|\\boutstanding\\b',
    ],
    not_received: [
      '\\b(never|not) (received|arrived|got)\\b|\\bnever got my (parcel|order|package)\\b',
      '\\b(parcel|package|order) (is |seems to be |was )?(lost|missing)\\b|\\bmissing parcel\\b|\\blost by the courier\\b',
      '\\bstuck (in transit|at)\\b|\\bhasnt moved\\b',
      '\\b(parcel|package|delivery|tracking|transit|depot)\\b.*\\bfor (\\d+|two|three|several) (days|weeks)\\b',
      '\\b(marked|says|shows|showing) (as )?delivered\\b',
      '\\bdelivered to the wrong (address|house)\\b|\\bbox was empty\\b|\\bdestroyed\\b|\\bstill not received\\b',
    ],
    repeated_contact: [
      '\\b(second|third|fourth|fifth|2nd|3rd|4th|5th) (time|message|email|request)\\b',
      '\\b(contacted|emailed|called|written|asked|chasing|chased) (you )?(twice|repeatedly|three times|four times|again|before)\\b',
      '\\bfollowing up again\\b|\\bno(body)? (has )?repl(y|ied)\\b|\\bkeep ignoring\\b|\\bnobody answers\\b|\\bstill waiting for a response\\b',
      '\\b(last|my) (two|three|four) (emails|messages)\\b|\\bbeen chasing\\b|\\bcalled (four|three) times\\b',
    ],
    same_day: [
      '\\bsame[- ]day\\b',
      '\\b(today|tonight|this (afternoon|evening))\\b.*\\b(need|needed|party|event|must|ready|urgent)\\b',
      '\\b(need|needed|must)\\b.*\\b(today|tonight|this (afternoon|evening)|tomorrow morning)\\b',
      '\\bcancel (today|immediately)\\b|\\bbefore it ships today\\b|\\burgent\\b.*\\btoday\\b',
    ],
  },
  repeatedContactMin: 2,
  lowCategories: ['product_question'],
  generalQuestionCues: [
    '^(roughly |quick question,? )?(do|does|can|is|are|will|what|whats|which|how|where|until when)\\b[^.!]*\\??$',
  ],
  specificRequestCues: [
    '\\bmy (order|pre-?order|existing order|\\w+ order|purchase|parcel|package|delivery|refund|return)\\b',
    '\\border\\s*(no\\.?|number|#)?\\s*#?\\d',
    '\\b(can|could) you\\b',
    '\\bthis\\b(?! (jacket|product|item|model|one))',
  ],
  orderReferencePatterns: [
    '\\b(OM-\\d{5,12})\\b',
    '\\b(\\d{3}-\\d{7}-\\d{7})\\b',
    '\\border\\s*(?:no\\.?|number|nr\\.?|num|id|ref(?:erence)?)?\\s*[:#]?\\s*#?\\s*((?=[a-z-]*\\d)[a-z0-9][a-z0-9-]{4,19})\\b',
    '#\\s?(\\d{5,12})\\b',
  ],
  minCategoryConfidence: 0.5,
};

/** A policy document is what the domain deciders read; a schema change that breaks them fails to compile here. */
export function triageRulesOf(policy: TriagePolicy): TriageRules {
  return policy;
}
