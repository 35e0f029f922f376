import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * Policy change control (what four eyes need to see: the note, the version a draft started from, the
 * review; a rollback waiting for its second person) and automation rule runs (every firing and every
 * failure, against the rule version and the event that triggered it).
 */
export function governanceSchema(dialect: Dialect): string {
  return portable(dialect, `
ALTER TABLE policy_versions ADD COLUMN note TEXT;
ALTER TABLE policy_versions ADD COLUMN based_on INTEGER;
ALTER TABLE policy_versions ADD COLUMN reviewed_at TEXT;
ALTER TABLE policy_versions ADD COLUMN review_comment TEXT;

CREATE TABLE policy_rollbacks (
  kind TEXT PRIMARY KEY,
  to_version INTEGER NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  reason TEXT NOT NULL
);

CREATE TABLE rule_runs (
  id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  rule_version INTEGER NOT NULL,
  policy_version TEXT NOT NULL,
  event_id TEXT NOT NULL,
  trigger_kind TEXT NOT NULL,
  target TEXT,
  dedupe_key TEXT,
  outcome TEXT NOT NULL,
  error TEXT,
  actions INTEGER NOT NULL DEFAULT 0,
  at_ms {{BIGINT}} NOT NULL,
  UNIQUE (rule_id, dedupe_key)
);
CREATE INDEX rule_runs_rule ON rule_runs (rule_id, at_ms);
CREATE INDEX rule_runs_event ON rule_runs (event_id);
CREATE INDEX rule_runs_failed ON rule_runs (outcome, at_ms);
`);
}
