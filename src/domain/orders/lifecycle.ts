/**
 * A lifecycle is a transitions table plus one guard. Keeping the table as data lets it be printed,
 * diffed and tested on its own, and keeps "may this happen?" out of the deciders that decide what
 * should happen.
 */
export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export type TransitionCheck<S extends string> =
  | { ok: true; from: S; to: S }
  | { ok: false; code: 'E_INVALID_STATE'; from: S; to: S; allowed: readonly S[] };

export function canTransition<S extends string>(table: TransitionTable<S>, from: S, to: S): boolean {
  return (table[from] ?? []).includes(to);
}

/** The guard: an illegal move is a returned value so the handler can record and surface it. */
export function checkTransition<S extends string>(table: TransitionTable<S>, from: S, to: S): TransitionCheck<S> {
  const allowed = table[from] ?? [];
  return allowed.includes(to) ? { ok: true, from, to } : { ok: false, code: 'E_INVALID_STATE', from, to, allowed };
}

export function isTerminal<S extends string>(table: TransitionTable<S>, state: S): boolean {
  return (table[state] ?? []).length === 0;
}
