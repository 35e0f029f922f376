import type { IdentifiedList } from '../../domain/policies/index.js';
import type { PolicyKind } from '../../policy/registry.js';

/**
 * The lists of each kind whose items carry a stable identity, read off the kinds' schemas: both are
 * `rules` lists whose schema refuses a duplicate `id` (src/policy/kinds/rules.ts, approvals.ts), so an
 * id names one rule across versions and a default rule the stored list lacks can be told from one the
 * retailer changed. Every other list is a value: lists of plain values (payment statuses, triage cues,
 * location kinds, return reason categories) and lists whose items have no identity but a position
 * (approval escalation levels, a rule's actions, the conditions of `any` / `all`; all inside rules,
 * which are never looked into). A new kind must say which lists it has (a test walks the defaults).
 */
export const IDENTIFIED_LISTS: { readonly [K in PolicyKind]: readonly IdentifiedList[] } = {
  orders: [],
  sourcing: [],
  availability: [],
  returns: [],
  triage: [],
  anomaly: [],
  rules: [{ keys: ['rules'], by: 'id' }],
  approvals: [{ keys: ['rules'], by: 'id' }],
  replenishment: [],
  integrations: [],
};
