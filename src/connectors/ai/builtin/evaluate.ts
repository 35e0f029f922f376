import { canonicalJson, sha256Hex } from '../../../domain/ai/digest.js';
import { RETURN_REASON_CATEGORIES, TICKET_CATEGORIES } from '../../../domain/ai/labels.js';
import type { ModelRef } from '../../../domain/ai/port.js';
import { ticketPriority } from '../../../domain/triage/priority.js';
import { defaultTriagePolicy } from '../../../policy/kinds/triage.js';
import type { TriagePolicy } from '../../../policy/kinds/triage.js';
import { scoreClassifications } from './metrics.js';
import type { ClassificationScores } from './metrics.js';
import { createBuiltinAiProvider } from './provider.js';
import type { BuiltinAiOptions } from './provider.js';
import { loadReturnReasonExamples, loadTicketExamples, splitExamples } from './training-data.js';

/**
 * Scores the built-in models on the held-out split (never trained on). `omniops ai eval` prints
 * this; ai/scripts/evaluate.ts writes it into docs/ai.md. Priority is rule-based (domain/triage),
 * so it is scored on every ticket example, not only the held-out ones.
 */
export interface TaskEvaluation extends ClassificationScores {
  readonly task: 'return-reason' | 'ticket-category' | 'ticket-priority';
  readonly model: ModelRef;
  readonly trainCount: number;
}

export interface AiEvaluation {
  readonly returnReason: TaskEvaluation;
  readonly ticketCategory: TaskEvaluation;
  readonly ticketPriority: TaskEvaluation;
}

export function evaluate(options: BuiltinAiOptions & { triagePolicy?: TriagePolicy } = {}): AiEvaluation {
  const provider = createBuiltinAiProvider(options);
  const returns = provider.returnReasonClassifier();
  const tickets = provider.ticketClassifier();
  const returnSplit = splitExamples(options.returnReasonExamples ?? loadReturnReasonExamples(options.trainingDir));
  const allTickets = loadTicketExamples(options.trainingDir);
  const ticketSplit = splitExamples(options.ticketExamples ?? allTickets);

  const score = <L extends string>(heldOut: readonly { text: string; label: L }[], labels: readonly L[], classify: (t: string) => { label: L; confidence: number }) =>
    scoreClassifications(
      heldOut.map((e) => {
        const c = classify(e.text);
        return { expected: e.label, predicted: c.label, confidence: c.confidence };
      }),
      labels,
    );

  const triagePolicy = options.triagePolicy ?? defaultTriagePolicy;
  const priorityScores = scoreClassifications(
    allTickets.map((t) => ({
      expected: t.priority,
      predicted: ticketPriority(t.text, { category: t.label }, triagePolicy).priority,
      confidence: 1,
    })),
    ['low', 'normal', 'high', 'urgent'],
  );

  return {
    returnReason: {
      task: 'return-reason',
      model: returns.model,
      trainCount: returnSplit.train.length,
      ...score(returnSplit.heldOut, RETURN_REASON_CATEGORIES, (t) => returns.classify(t)),
    },
    ticketCategory: {
      task: 'ticket-category',
      model: tickets.model,
      trainCount: ticketSplit.train.length,
      ...score(ticketSplit.heldOut, TICKET_CATEGORIES, (t) => tickets.classify(t)),
    },
    ticketPriority: {
      task: 'ticket-priority',
      model: { id: 'omniops-rules/ticket-priority', version: sha256Hex(canonicalJson(triagePolicy)).slice(0, 12) },
      trainCount: 0,
      ...priorityScores,
    },
  };
}
