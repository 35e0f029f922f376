import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * Approval requests (the whole request, with its levels and decisions, is the `doc`; the columns are
 * what queues, the escalation tick and the metrics filter on), the governed requests the approval
 * engine raises for itself (discount, price change, write-off, supplier substitution: what to do once
 * approved, and whether it has been done), and exception bookkeeping.
 */
export function approvalsSchema(dialect: Dialect): string {
  return portable(dialect, `
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  subject_ref TEXT NOT NULL,
  status TEXT NOT NULL,
  level INTEGER NOT NULL,
  level_deadline_ms {{BIGINT}} NOT NULL,
  current_roles TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_ms {{BIGINT}} NOT NULL,
  closed_ms {{BIGINT}},
  doc TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX approvals_status ON approvals (status, level_deadline_ms);
CREATE INDEX approvals_subject ON approvals (subject, subject_ref);
CREATE INDEX approvals_requested ON approvals (status, requested_ms);

CREATE TABLE governed_requests (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  approval_id TEXT,
  requested_by TEXT NOT NULL,
  doc TEXT NOT NULL,
  created_ms {{BIGINT}} NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX governed_requests_kind ON governed_requests (kind, state);

ALTER TABLE exceptions ADD COLUMN doc TEXT;
ALTER TABLE exceptions ADD COLUMN updated_ms {{BIGINT}};
`);
}
