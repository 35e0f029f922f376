import type { ReturnDisposition, ReturnReasonCategory, TicketCategory } from './labels.js';

/**
 * The AI port: what omniops asks of any model (the built-in offline classifiers or a remote
 * OpenAI-compatible one). AI only classifies and recommends (SPEC §5); every answer carries what the
 * audit trail needs to explain it later: model id and version, a digest of the exact input, the
 * confidence and a rationale.
 */
export interface ModelRef {
  readonly id: string;
  readonly version: string;
}

export interface AiAnswer<L extends string> {
  readonly label: L;
  /** Probability-like score in [0, 1]; deciders compare it with policy thresholds. */
  readonly confidence: number;
  readonly rationale: string;
  readonly model: ModelRef;
  /** sha256 (hex) of the normalized input (see `inputDigest`), so a stored answer can be matched to its input. */
  readonly inputDigest: string;
  /** Set by prompt-driven providers: the prompt file version the answer was produced with. */
  readonly promptVersion?: string;
  /** The provider's raw output, kept for audit and for debugging invalid answers. */
  readonly raw?: unknown;
}

export type UnavailableReason = 'timeout' | 'invalid_output' | 'error';

/** Why there is no answer; the caller then lets the deterministic rules decide and says so. */
export interface AiUnavailable {
  readonly status: 'unavailable';
  readonly reason: UnavailableReason;
  readonly detail: string;
  readonly model: ModelRef;
  readonly inputDigest: string;
  readonly promptVersion?: string;
  readonly raw?: unknown;
}

export type AiResult<L extends string> = ({ readonly status: 'answered' } & AiAnswer<L>) | AiUnavailable;

/** What a return's reason text is classified with: marketplace code and order facts help a remote model. */
export interface ReturnReasonContext {
  readonly channel?: string;
  /** The marketplace's own reason code, if any; the customer's words win over it (SPEC §5). */
  readonly marketplaceReasonCode?: string;
  readonly productName?: string;
  readonly productCategory?: string;
}

/** The facts of a return case a disposition is recommended from (also the rules' input). */
export interface ReturnCaseFacts {
  readonly reasonText: string;
  /** The category already recorded on the case (from classification or its fallback). */
  readonly category: ReturnReasonCategory;
  /** Value of the returned lines in major currency units. */
  readonly returnValue: number;
  readonly deliveredAt: number | null;
  /** When the customer asked to return (epoch ms): the return window is measured up to here. */
  readonly requestedAt: number;
  /** Whether a replacement of the same sku can be shipped now. */
  readonly replacementInStock: boolean;
  /** Whether the supplier's warranty still covers the item at `requestedAt`. */
  readonly supplierWarrantyActive: boolean;
  /** The customer's past orders and returns, to compute a return rate over a meaningful sample. */
  readonly customerOrderCount: number;
  readonly customerReturnCount: number;
  readonly customerAccountAgeDays: number;
}

export interface TicketContext {
  readonly channel?: string;
  /** How many times this customer contacted support about the same matter before this message. */
  readonly previousContacts?: number;
}

export interface AiPort {
  classifyReturnReason(text: string, context: ReturnReasonContext): Promise<AiResult<ReturnReasonCategory>>;
  recommendDisposition(caseFacts: ReturnCaseFacts): Promise<AiResult<ReturnDisposition>>;
  triageTicket(text: string, context: TicketContext): Promise<AiResult<TicketCategory>>;
}
