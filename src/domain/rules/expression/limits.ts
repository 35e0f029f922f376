/**
 * Safety limits of the expression language. These are not business thresholds (no rule outcome
 * depends on them): they bound what one saved rule can cost the worker that evaluates it, so a
 * pasted megabyte or a 10,000-deep parenthesis cannot stall event handling or blow the stack.
 * Callers may pass tighter limits; the defaults are deliberately generous for hand-written rules.
 */
export interface ExpressionLimits {
  /** Characters of source text. */
  maxLength: number;
  /** Nesting depth of the syntax tree (the parser is recursive: this bounds its stack). */
  maxDepth: number;
  /** Total syntax tree nodes (evaluation visits each node at most once: this bounds its work). */
  maxNodes: number;
  /** Items in one list literal. */
  maxListItems: number;
}

export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = {
  maxLength: 2_000,
  maxDepth: 32,
  maxNodes: 256,
  maxListItems: 100,
};
