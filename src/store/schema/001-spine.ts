import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/** The event spine, identity, master data, stock, outbox and audit chain. */
export function spineSchema(dialect: Dialect): string {
  const ddl = portable(dialect, `
CREATE TABLE events (
  seq {{SERIAL_PK}},
  id TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  source_event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  occurred_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  received_ms {{BIGINT}} NOT NULL,
  subject TEXT NOT NULL,
  payload TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  causation_id TEXT,
  correlation_id TEXT NOT NULL,
  actor TEXT,
  actor_role TEXT,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  next_attempt_at {{BIGINT}} NOT NULL DEFAULT 0,
  processed_at TEXT,
  UNIQUE (source, source_event_id)
);
CREATE INDEX events_pending ON events (seq) WHERE status = 'pending';
CREATE INDEX events_dead ON events (seq) WHERE status = 'dead';
CREATE INDEX events_subject ON events (subject, seq);
CREATE INDEX events_causation ON events (causation_id);
CREATE INDEX events_received ON events (received_ms);

CREATE TABLE sources (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  attrs TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE source_secrets (
  id TEXT PRIMARY KEY,
  source_id TEXT NOT NULL REFERENCES sources(id),
  sealed TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at {{BIGINT}}
);
CREATE INDEX source_secrets_source ON source_secrets (source_id);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  password_hash TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE TABLE api_keys (
  key_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE products (
  sku TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  price {{REAL}} NOT NULL,
  cost {{REAL}} NOT NULL,
  attrs TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by_event TEXT NOT NULL
);

CREATE TABLE locations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  attrs TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by_event TEXT NOT NULL
);

CREATE TABLE stock (
  sku TEXT NOT NULL,
  location_id TEXT NOT NULL,
  on_hand INTEGER NOT NULL DEFAULT 0,
  reserved INTEGER NOT NULL DEFAULT 0,
  protected INTEGER NOT NULL DEFAULT 0,
  safety_stock INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (sku, location_id),
  CHECK (reserved >= 0)
);
CREATE INDEX stock_location ON stock (location_id, sku);

CREATE TABLE outbox (
  id TEXT PRIMARY KEY,
  seq {{BIGINT}} NOT NULL,
  event_id TEXT NOT NULL,
  destination TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at {{BIGINT}} NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT
);
CREATE INDEX outbox_pending ON outbox (destination, seq) WHERE status = 'pending';

CREATE TABLE policy_versions (
  kind TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  doc TEXT NOT NULL,
  author TEXT NOT NULL,
  approved_by TEXT,
  created_at TEXT NOT NULL,
  activated_at TEXT,
  PRIMARY KEY (kind, version)
);

CREATE TABLE audit (
  seq {{BIGINT}} PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  before_digest TEXT,
  after_digest TEXT,
  detail TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit (subject, seq);

CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY,
  seq {{BIGINT}} NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
`);
  return ddl + immutableEventsTrigger(dialect);
}

/** Event content never changes after intake; only its processing columns do. */
function immutableEventsTrigger(dialect: Dialect): string {
  const cols = 'id, source, source_event_id, type, schema_version, occurred_at, received_at, subject, payload, payload_hash, causation_id, correlation_id';
  if (dialect === 'sqlite') {
    return `
CREATE TRIGGER events_immutable BEFORE UPDATE OF ${cols} ON events
BEGIN SELECT RAISE(ABORT, 'event content is immutable'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
`;
  }
  return `
CREATE FUNCTION omniops_events_immutable() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'event content is immutable'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER events_immutable BEFORE UPDATE OF ${cols} ON events
FOR EACH ROW EXECUTE FUNCTION omniops_events_immutable();
CREATE FUNCTION omniops_events_no_delete() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the event log is append-only'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
FOR EACH ROW EXECUTE FUNCTION omniops_events_no_delete();
`;
}
