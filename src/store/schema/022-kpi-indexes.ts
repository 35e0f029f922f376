import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * A person's command: an event a person sent (through the API or the console), not one decided from
 * it (those carry the person's role too, as their cause's) and not a channel's, the scheduler's or an
 * integration's. The business KPIs count these as manual touches (docs/kpis.md). The roles are SPEC
 * §1's people as this migration shipped them, `integrator` left out (its calls are machines'); the
 * KPI's query repeats this text word for word so that both planners use the index below.
 */
export const PEOPLE_COMMAND = `causation_id IS NULL AND actor_role IN ('admin', 'operations_manager', 'regional_ops', 'store_manager', 'finance', 'category_manager', 'procurement', 'service_agent', 'warehouse', 'auditor', 'inventory_control', 'fraud_review')`;

/**
 * Indexes for SPEC §7's business KPIs (the overview and /metrics, docs/kpis.md), each reading a day:
 * - people's commands by time: a partial index, so the order path (no person in it) writes nothing
 *   to it; without it the day's count walked every event of the day;
 * - approvals by subject and close time (refund approval turnaround): approvals are few, the index
 *   costs nothing on the order path;
 * - return cases by their last change (return resolution time): the cases resolved today may have
 *   been requested weeks ago, so their creation time cannot find them.
 */
export function kpiIndexesSchema(dialect: Dialect): string {
  return portable(dialect, `
CREATE INDEX events_people ON events (received_ms) WHERE ${PEOPLE_COMMAND};
CREATE INDEX approvals_closed ON approvals (subject, closed_ms);
CREATE INDEX return_cases_updated ON return_cases (updated_at);
`);
}
