/**
 * What a pure decider may know about the world besides its inputs: the time of the decision and a
 * source of ids. Both are passed in so that replaying the same events through the same policy gives
 * the same decisions (ids derived from the causing event, time taken from the event being handled).
 */
export interface DecisionContext {
  /** The instant the decision is made at, as epoch milliseconds. */
  readonly now: number;
  /** Deterministic id source: the n-th call for the same causing event yields the same id on replay. */
  newId(kind: string): string;
}

export function fixedContext(now: number, prefix = 'id'): DecisionContext {
  let n = 0;
  return { now, newId: (kind) => `${prefix}-${kind}-${++n}` };
}
