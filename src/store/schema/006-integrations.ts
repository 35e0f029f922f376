import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * Outbound delivery and integrations: the registered destinations (secrets sealed), the delivery
 * columns of the outbox (a lease instead of a lock, so claims are safe across processes on both
 * backends), and per-source tokens (n8n bearer tokens, Odoo's secret webhook URLs), stored hashed.
 */
export function integrationsSchema(dialect: Dialect): string {
  return portable(dialect, `
CREATE TABLE destinations (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  kind TEXT NOT NULL,
  environment TEXT NOT NULL,
  sealed_secret TEXT,
  sealed_previous_secret TEXT,
  previous_secret_until {{BIGINT}},
  sealed_credentials TEXT,
  concurrency INTEGER NOT NULL,
  routes TEXT NOT NULL,
  attrs TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_until {{BIGINT}} NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN target TEXT;
ALTER TABLE outbox ADD COLUMN last_status INTEGER;
ALTER TABLE outbox ADD COLUMN dead_at TEXT;
CREATE INDEX outbox_subject ON outbox (destination, subject, seq);
CREATE INDEX outbox_status ON outbox (status, seq);

CREATE TABLE source_tokens (
  token_hash TEXT PRIMARY KEY,
  source_id TEXT NOT NULL,
  purpose TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX source_tokens_source ON source_tokens (source_id, purpose);
`);
}
