import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * Return cases and their refunds, supplier claims, support tickets, detected anomalies, and the AI
 * work queue (model calls happen outside any transaction; the answer comes back as an event).
 */
export function returnsSchema(dialect: Dialect): string {
  return portable(dialect, `
CREATE TABLE return_cases (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  state TEXT NOT NULL,
  category TEXT,
  disposition TEXT,
  created_ms {{BIGINT}} NOT NULL,
  doc TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX return_cases_order ON return_cases (order_id, created_ms);
CREATE INDEX return_cases_state ON return_cases (state, created_ms);
CREATE INDEX return_cases_customer ON return_cases (customer_id, created_ms);

CREATE TABLE refunds (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL UNIQUE,
  order_id TEXT NOT NULL,
  amount {{REAL}} NOT NULL,
  currency TEXT NOT NULL,
  state TEXT NOT NULL,
  approval_id TEXT,
  created_ms {{BIGINT}} NOT NULL,
  doc TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX refunds_state ON refunds (state, created_ms);

CREATE TABLE refund_lines (
  case_id TEXT NOT NULL,
  line_id TEXT NOT NULL,
  refund_id TEXT NOT NULL,
  qty INTEGER NOT NULL,
  amount {{REAL}} NOT NULL,
  PRIMARY KEY (case_id, line_id)
);

CREATE TABLE supplier_claims (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL UNIQUE,
  supplier_id TEXT NOT NULL,
  amount {{REAL}} NOT NULL,
  state TEXT NOT NULL,
  created_ms {{BIGINT}} NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX supplier_claims_supplier ON supplier_claims (supplier_id, created_ms);

CREATE TABLE tickets (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  external_ticket_id TEXT NOT NULL,
  customer_id TEXT,
  order_id TEXT,
  case_id TEXT,
  category TEXT,
  priority TEXT,
  state TEXT NOT NULL,
  created_ms {{BIGINT}} NOT NULL,
  doc TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (source, external_ticket_id)
);
CREATE INDEX tickets_triage ON tickets (category, priority, created_ms);

CREATE TABLE anomalies (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  anomaly_key TEXT NOT NULL,
  day TEXT NOT NULL,
  score {{REAL}} NOT NULL,
  explanation TEXT NOT NULL,
  detected_ms {{BIGINT}} NOT NULL,
  doc TEXT NOT NULL,
  UNIQUE (kind, anomaly_key, day)
);
CREATE INDEX anomalies_detected ON anomalies (detected_ms);

CREATE TABLE ai_work (
  id TEXT PRIMARY KEY,
  task TEXT NOT NULL,
  subject_ref TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_ms {{BIGINT}} NOT NULL,
  created_ms {{BIGINT}} NOT NULL,
  last_error TEXT,
  UNIQUE (task, subject_ref)
);
CREATE INDEX ai_work_pending ON ai_work (state, next_attempt_ms);
`);
}
