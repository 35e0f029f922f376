import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * Replenishment and procurement (issue 6): suppliers and their terms per sku, purchase orders with
 * lines, promotions, the risks and recommendations of the replenishment check, and transfer orders.
 * Daily demand is read from `reservations` (where orders landed); `demand_imported` holds sales history
 * from before omniops (the ERP's), which wins for the days it covers.
 */
export function replenishmentSchema(dialect: Dialect): string {
  return portable(dialect, `
CREATE TABLE suppliers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  lead_time_days INTEGER NOT NULL,
  doc TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE supplier_terms (
  supplier_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  lead_time_days INTEGER NOT NULL,
  unit_cost {{REAL}} NOT NULL,
  moq INTEGER NOT NULL,
  pack_size INTEGER NOT NULL,
  is_primary INTEGER NOT NULL,
  PRIMARY KEY (supplier_id, sku)
);
CREATE INDEX supplier_terms_sku ON supplier_terms (sku);

CREATE TABLE purchase_orders (
  id TEXT PRIMARY KEY,
  supplier_id TEXT NOT NULL,
  location_id TEXT NOT NULL,
  state TEXT NOT NULL,
  expected_date TEXT NOT NULL,
  planned_date TEXT NOT NULL,
  promised_date TEXT,
  received_date TEXT,
  expedite INTEGER NOT NULL,
  recommendation_id TEXT UNIQUE,
  value {{REAL}} NOT NULL,
  created_ms {{BIGINT}} NOT NULL,
  doc TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX purchase_orders_state ON purchase_orders (state, created_ms);
CREATE INDEX purchase_orders_supplier ON purchase_orders (supplier_id, created_ms);

CREATE TABLE purchase_order_lines (
  po_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  qty INTEGER NOT NULL,
  received_qty INTEGER NOT NULL,
  unit_cost {{REAL}},
  PRIMARY KEY (po_id, sku)
);
CREATE INDEX purchase_order_lines_sku ON purchase_order_lines (sku);

CREATE TABLE promotions (
  id TEXT PRIMARY KEY,
  uplift {{REAL}} NOT NULL,
  from_date TEXT NOT NULL,
  to_date TEXT NOT NULL,
  doc TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX promotions_window ON promotions (to_date);

CREATE TABLE replenishment_risks (
  id TEXT PRIMARY KEY,
  sku TEXT NOT NULL,
  location_id TEXT NOT NULL,
  state TEXT NOT NULL,
  detected_ms {{BIGINT}} NOT NULL,
  detected_date TEXT NOT NULL,
  breach_date TEXT NOT NULL,
  days_of_cover {{REAL}} NOT NULL,
  watch_to TEXT NOT NULL,
  reached_zero_date TEXT,
  revision INTEGER NOT NULL,
  doc TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX replenishment_risks_one_open ON replenishment_risks (sku, location_id) WHERE state = 'open';
CREATE INDEX replenishment_risks_watch ON replenishment_risks (watch_to);
CREATE INDEX replenishment_risks_detected ON replenishment_risks (detected_ms);

CREATE TABLE replenishment_recommendations (
  id TEXT PRIMARY KEY,
  sku TEXT NOT NULL,
  location_id TEXT NOT NULL,
  risk_id TEXT,
  state TEXT NOT NULL,
  expedite INTEGER NOT NULL,
  created_ms {{BIGINT}} NOT NULL,
  decided_by TEXT,
  po_id TEXT,
  transfer_id TEXT,
  doc TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX replenishment_recommendations_one_open ON replenishment_recommendations (sku, location_id) WHERE state = 'open';
CREATE INDEX replenishment_recommendations_state ON replenishment_recommendations (state, created_ms);

CREATE TABLE transfers (
  id TEXT PRIMARY KEY,
  recommendation_id TEXT UNIQUE,
  sku TEXT NOT NULL,
  from_location_id TEXT NOT NULL,
  to_location_id TEXT NOT NULL,
  qty INTEGER NOT NULL,
  state TEXT NOT NULL,
  expected_date TEXT NOT NULL,
  created_ms {{BIGINT}} NOT NULL,
  doc TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX transfers_state ON transfers (state, to_location_id);

CREATE TABLE demand_imported (
  sku TEXT NOT NULL,
  location_id TEXT NOT NULL,
  day TEXT NOT NULL,
  qty INTEGER NOT NULL,
  PRIMARY KEY (sku, location_id, day)
);
CREATE INDEX demand_imported_day ON demand_imported (day);

CREATE TABLE replenishment_forecast_error (
  day TEXT PRIMARY KEY,
  computed_ms {{BIGINT}} NOT NULL,
  policy_version TEXT NOT NULL,
  report TEXT NOT NULL
);

-- Covering: the check reads 90 days of demand from the index alone, in created_at order.
CREATE INDEX reservations_demand ON reservations (created_at, status, sku, location_id, qty);
`);
}
