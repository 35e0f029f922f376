import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/** Orders, their reservations and fulfilments, and what each channel was last told it may sell. */
export function ordersSchema(dialect: Dialect): string {
  return portable(dialect, `
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  external_order_id TEXT NOT NULL,
  state TEXT NOT NULL,
  hold_reason TEXT,
  customer_id TEXT NOT NULL,
  address_key TEXT NOT NULL,
  total {{REAL}} NOT NULL,
  currency TEXT NOT NULL,
  placed_ms {{BIGINT}} NOT NULL,
  promised_by_ms {{BIGINT}},
  doc TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (source, external_order_id)
);
CREATE INDEX orders_customer ON orders (customer_id, placed_ms);
CREATE INDEX orders_address ON orders (address_key, placed_ms);
CREATE INDEX orders_state ON orders (state, placed_ms);

CREATE TABLE fulfilments (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL REFERENCES orders(id),
  location_id TEXT NOT NULL,
  state TEXT NOT NULL,
  accept_by_ms {{BIGINT}} NOT NULL,
  ship_by_ms {{BIGINT}} NOT NULL,
  created_ms {{BIGINT}} NOT NULL,
  local_day TEXT NOT NULL,
  lines TEXT NOT NULL,
  carrier TEXT,
  tracking TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX fulfilments_order ON fulfilments (order_id);
CREATE INDEX fulfilments_location ON fulfilments (location_id, state);
CREATE INDEX fulfilments_capacity ON fulfilments (location_id, local_day);
CREATE INDEX fulfilments_accept ON fulfilments (state, accept_by_ms);

CREATE TABLE reservations (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  line_id TEXT NOT NULL,
  fulfilment_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  location_id TEXT NOT NULL,
  qty INTEGER NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (fulfilment_id, line_id)
);
CREATE INDEX reservations_order ON reservations (order_id);

CREATE TABLE availability_dirty (
  sku TEXT PRIMARY KEY,
  since_ms {{BIGINT}} NOT NULL
);

CREATE TABLE availability_published (
  channel TEXT NOT NULL,
  sku TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (channel, sku)
);

CREATE TABLE exceptions (
  id TEXT PRIMARY KEY,
  queue TEXT NOT NULL,
  subject TEXT NOT NULL,
  state TEXT NOT NULL,
  owner_role TEXT NOT NULL,
  assignee TEXT,
  summary TEXT NOT NULL,
  detail TEXT NOT NULL,
  opened_ms {{BIGINT}} NOT NULL,
  resolved_at TEXT,
  resolution TEXT
);
CREATE INDEX exceptions_queue ON exceptions (queue, state, opened_ms);
CREATE INDEX exceptions_subject ON exceptions (subject);

CREATE TABLE scheduler_slots (
  job TEXT PRIMARY KEY,
  last_slot_ms {{BIGINT}} NOT NULL
);
`);
}
