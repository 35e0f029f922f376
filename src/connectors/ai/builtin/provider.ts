import { inputDigest } from '../../../domain/ai/digest.js';
import { RETURN_REASON_CATEGORIES, TICKET_CATEGORIES } from '../../../domain/ai/labels.js';
import type { ReturnDisposition, ReturnReasonCategory, TicketCategory } from '../../../domain/ai/labels.js';
import type { AiPort, AiResult, ModelRef, ReturnCaseFacts, ReturnReasonContext, TicketContext } from '../../../domain/ai/port.js';
import { decideDisposition } from '../../../domain/returns/disposition.js';
import { defaultReturnsPolicy } from '../../../policy/kinds/returns.js';
import type { ReturnsPolicy } from '../../../policy/kinds/returns.js';
import { customerWords } from './customer-words.js';
import { trainTextClassifier } from './text-classifier.js';
import type { Classification, TextClassifier } from './text-classifier.js';
import { loadReturnReasonExamples, loadTicketExamples, splitExamples } from './training-data.js';
import type { LabeledText } from './training-data.js';

/**
 * The offline provider: classifiers trained in-process from ai/training (train split only, so the
 * held-out numbers in docs/ai.md describe this very model). Training is deterministic and takes a
 * few hundred milliseconds per task; it happens on first use of a task and is kept.
 */
export const BUILTIN_MODEL_IDS = {
  returnReason: 'omniops-builtin/return-reason',
  ticketCategory: 'omniops-builtin/ticket-category',
  disposition: 'omniops-builtin/disposition',
} as const;

export interface BuiltinAiOptions {
  /** Where return-reasons.jsonl and tickets.jsonl live; defaults to the repo's ai/training. */
  readonly trainingDir?: string;
  /** Examples given directly (tests); the held-out split is still applied to them. */
  readonly returnReasonExamples?: readonly LabeledText<ReturnReasonCategory>[];
  readonly ticketExamples?: readonly LabeledText<TicketCategory>[];
  /** Thresholds the disposition recommendation applies to the category it reads from the text. */
  readonly returnsPolicy?: ReturnsPolicy;
}

export interface BuiltinAiProvider extends AiPort {
  returnReasonClassifier(): TextClassifier<ReturnReasonCategory>;
  ticketClassifier(): TextClassifier<TicketCategory>;
}

export function createBuiltinAiProvider(options: BuiltinAiOptions = {}): BuiltinAiProvider {
  const policy = options.returnsPolicy ?? defaultReturnsPolicy;
  const returnReasonClassifier = memo(() =>
    trainTextClassifier(
      splitExamples(options.returnReasonExamples ?? loadReturnReasonExamples(options.trainingDir)).train,
      RETURN_REASON_CATEGORIES,
      { modelId: BUILTIN_MODEL_IDS.returnReason },
    ),
  );
  const ticketClassifier = memo(() =>
    trainTextClassifier(
      splitExamples(options.ticketExamples ?? loadTicketExamples(options.trainingDir)).train,
      TICKET_CATEGORIES,
      { modelId: BUILTIN_MODEL_IDS.ticketCategory },
    ),
  );

  const classifyReturnReasonNow = (text: string, context: ReturnReasonContext): AiResult<ReturnReasonCategory> => {
    const classifier = returnReasonClassifier();
    // With no words of the customer at all, the marketplace code is the only signal left.
    const input = text.trim().length > 0 ? text : (context.marketplaceReasonCode ?? '');
    const c = classifier.classify(input);
    const words = customerWords(input);
    const own = words !== input ? ` Marketplace boilerplate set aside; judged on "${words.slice(0, 80)}".` : '';
    return {
      status: 'answered',
      label: c.label,
      confidence: c.confidence,
      rationale: describe(c) + own,
      model: classifier.model,
      inputDigest: inputDigest('return-reason', { text, context }),
    };
  };

  return {
    returnReasonClassifier,
    ticketClassifier,
    async classifyReturnReason(text, context) {
      return classifyReturnReasonNow(text, context);
    },
    /**
     * Reads the category from the reason text itself and applies the disposition rules to it; its
     * confidence is the reading's. It differs from the rules alone when the case's recorded category
     * (e.g. a marketplace code) disagrees with the customer's words, and a weak reading falls below
     * the policy threshold so that the rules decide.
     */
    async recommendDisposition(caseFacts: ReturnCaseFacts): Promise<AiResult<ReturnDisposition>> {
      const reading = classifyReturnReasonNow(caseFacts.reasonText, {});
      const digest = inputDigest('disposition', caseFacts);
      const model: ModelRef = {
        id: BUILTIN_MODEL_IDS.disposition,
        version: `${returnReasonClassifier().model.version}+rules`,
      };
      if (reading.status !== 'answered') return { ...reading, model, inputDigest: digest };
      const rule = decideDisposition({ ...caseFacts, category: reading.label }, policy);
      return {
        status: 'answered',
        label: rule.disposition,
        confidence: reading.confidence,
        rationale: `Reason text reads as ${reading.label} (${reading.confidence.toFixed(2)}); ${rule.rationale}`,
        model,
        inputDigest: digest,
      };
    },
    async triageTicket(text: string, context: TicketContext): Promise<AiResult<TicketCategory>> {
      const classifier = ticketClassifier();
      const c = classifier.classify(text);
      return {
        status: 'answered',
        label: c.label,
        confidence: c.confidence,
        rationale: describe(c),
        model: classifier.model,
        inputDigest: inputDigest('ticket-triage', { text, context }),
      };
    },
  };
}

function describe<L extends string>(c: Classification<L>): string {
  const runnerUp = (Object.entries(c.probabilities) as Array<[L, number]>)
    .filter(([l]) => l !== c.label)
    .sort((a, b) => b[1] - a[1])[0];
  const cues = c.cues.length > 0 ? `; strongest cues: ${c.cues.map((q) => `"${q}"`).join(', ')}` : '';
  const next = runnerUp ? `; next: ${runnerUp[0]} (${runnerUp[1].toFixed(2)})` : '';
  return `Reads as ${c.label} (${c.confidence.toFixed(2)})${cues}${next}.`;
}

function memo<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
