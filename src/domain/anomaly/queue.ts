import type { Role } from '../roles.js';
import type { AnomalyKind } from './events.js';

/** Per kind: whether a finding opens an exception item, from which score, and whose it is (anomaly policy `queue`). */
export interface AnomalyQueueRule {
  readonly open: boolean;
  readonly minScore: number;
  readonly ownerRole: Role;
}

export type AnomalyQueueRules = { readonly [K in AnomalyKind]?: AnomalyQueueRule };

/** An `anomaly.detected` payload, as the queue reads it. */
export interface DetectedAnomaly {
  readonly anomalyId: string;
  readonly kind: AnomalyKind;
  readonly key: string;
  readonly day: string;
  readonly score: number;
  readonly explanation: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly policyVersion: string;
}

export type AnomalyItemDecision =
  | { readonly open: false; readonly why: 'kind_not_queued' | 'kind_off' | 'below_min_score' }
  | { readonly open: true; readonly ownerRole: Role; readonly subjectRef: string; readonly summary: string; readonly detail: Record<string, unknown> };

/**
 * Whether a finding goes to a person, and as which item. One item per kind and what it is about:
 * the sku of a demand or return-rate finding, the order of a value outlier, and — when the finding
 * names them — the customer or address of a burst (every order past the limit is a finding of its
 * own; one burst is one thing to look at, so its findings count on one item).
 */
export function anomalyItemFor(a: DetectedAnomaly, rules: AnomalyQueueRules | undefined): AnomalyItemDecision {
  const rule = rules?.[a.kind];
  if (!rule) return { open: false, why: 'kind_not_queued' };
  if (!rule.open) return { open: false, why: 'kind_off' };
  if (a.score < rule.minScore) return { open: false, why: 'below_min_score' };
  const about = itemKeyOf(a);
  return {
    open: true,
    ownerRole: rule.ownerRole,
    subjectRef: `anomaly:${a.kind}:${about}`,
    summary: `${KIND_WORDS[a.kind]} (${a.day}, score ${a.score}): ${a.explanation}`,
    detail: { anomalyId: a.anomalyId, kind: a.kind, key: a.key, day: a.day, score: a.score, explanation: a.explanation, policyVersion: a.policyVersion, ...linksOf(a) },
  };
}

function itemKeyOf(a: DetectedAnomaly): string {
  const named = a.kind === 'customer_velocity' ? a.detail.customerId : a.kind === 'address_velocity' ? a.detail.addressKey : undefined;
  return typeof named === 'string' && named !== '' ? named : a.key;
}

/** What the item points at: the order or sku a person opens next, and who, when the finding says. */
function linksOf(a: DetectedAnomaly): Record<string, unknown> {
  const links: Record<string, unknown> = {};
  if (a.kind === 'demand' || a.kind === 'return_rate') links.sku = typeof a.detail.sku === 'string' ? a.detail.sku : a.key;
  else links.orderId = typeof a.detail.orderId === 'string' ? a.detail.orderId : a.key;
  for (const k of ['customerId', 'addressKey', 'baseline', 'direction'] as const) if (a.detail[k] !== undefined) links[k] = a.detail[k];
  return links;
}

const KIND_WORDS: { readonly [K in AnomalyKind]: string } = {
  demand: 'Unusual demand',
  customer_velocity: 'Burst of orders from one customer',
  address_velocity: 'Burst of orders to one address',
  value_outlier: 'Unusual order value',
  return_rate: 'Return-rate spike',
};
