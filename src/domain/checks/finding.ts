/**
 * What the books check reports: one finding per thing that disagrees, under a stable check name an
 * operator (or a monitor) can key on. `error`: the books are wrong — something a healthy omniops never
 * writes. `warning`: worth a look, but a working store can get there (a short count, a poison event).
 */
export const BOOKS_CHECKS = {
  reserved_matches_reservations: 'error',
  reservation_of_closed_work: 'error',
  open_fulfilment_without_reservations: 'error',
  order_state_vs_fulfilments: 'error',
  stock_negative: 'error',
  reserved_above_on_hand: 'warning',
  audit_chain: 'error',
  dead_letters: 'warning',
  dead_deliveries: 'warning',
} as const satisfies Record<string, Severity>;

export type Severity = 'error' | 'warning';
export type CheckName = keyof typeof BOOKS_CHECKS;
export const CHECK_NAMES = Object.keys(BOOKS_CHECKS) as CheckName[];

export interface Finding {
  check: CheckName;
  severity: Severity;
  /** What it is about, as the audit trail names it (`stock:<location>:<sku>`, `order:<source>:<id>`, `fulfilment:<id>`…). */
  subject: string;
  detail: string;
  facts: Record<string, string | number | boolean | null>;
}

export function finding(check: CheckName, subject: string, detail: string, facts: Finding['facts']): Finding {
  return { check, severity: BOOKS_CHECKS[check], subject, detail, facts };
}

/**
 * Rows a check read, at most a page of them, with how many there were in all: a badly broken store
 * must not make an answer (or a terminal) of millions of lines.
 */
export interface Capped<T> {
  rows: T[];
  total: number;
}
