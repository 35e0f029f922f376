import type { OrderPlacedPayload } from './events.js';
import { orderValue } from './order-value.js';
import type { FraudRules } from './policy.js';

/**
 * What the store knows about the customer and the address, counted by the handler before asking.
 * Prior orders exclude the order being assessed; the velocity counts are taken over the windows the
 * policy names (customerVelocity.windowMinutes, addressVelocity.windowMinutes).
 */
export interface CustomerHistory {
  priorOrderCount: number;
  /** Average value of the prior orders; ignored when there are none. */
  averageOrderValue: number;
  recentOrdersByCustomer: number;
  recentOrdersToAddress: number;
}

export type FraudFactorName =
  | 'value_vs_history'
  | 'country_mismatch'
  | 'customer_velocity'
  | 'address_velocity'
  | 'first_order_value';

export interface FraudFactor {
  factor: FraudFactorName;
  /** Share of the score this factor added (0 when it did not apply): the explanation. */
  contribution: number;
  weight: number;
  detail: string;
}

export interface FraudAssessment {
  /** Σ contributions, capped to [0, 1]. */
  score: number;
  threshold: number;
  hold: boolean;
  orderValue: number;
  factors: FraudFactor[];
}

export type OrderForFraudCheck = Pick<OrderPlacedPayload, 'lines' | 'billing' | 'shipping'>;

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

export function assessFraud(order: OrderForFraudCheck, history: CustomerHistory, rules: FraudRules): FraudAssessment {
  const value = orderValue(order.lines);
  const factors: FraudFactor[] = [valueVsHistory(value, history, rules), countryMismatch(order, rules)];
  factors.push(
    velocity('customer_velocity', history.recentOrdersByCustomer, rules.customerVelocity),
    velocity('address_velocity', history.recentOrdersToAddress, rules.addressVelocity),
    firstOrder(value, history, rules),
  );
  const score = round4(clamp01(factors.reduce((sum, f) => sum + f.contribution, 0)));
  return { score, threshold: rules.holdThreshold, hold: score >= rules.holdThreshold, orderValue: value, factors };
}

function valueVsHistory(value: number, history: CustomerHistory, rules: FraudRules): FraudFactor {
  const rule = rules.valueVsHistory;
  // Too little history (or a zero average) says nothing about what is normal for this customer.
  if (history.priorOrderCount < rule.minPriorOrders || history.averageOrderValue <= 0) {
    return { factor: 'value_vs_history', contribution: 0, weight: rule.weight, detail: 'not enough history' };
  }
  const ratio = value / history.averageOrderValue;
  const span = rule.ratioFull - rule.ratioStart;
  const strength = span > 0 ? clamp01((ratio - rule.ratioStart) / span) : ratio >= rule.ratioFull ? 1 : 0;
  return {
    factor: 'value_vs_history',
    contribution: round4(rule.weight * strength),
    weight: rule.weight,
    detail: `order value ${value} is ${round4(ratio)}× the average ${history.averageOrderValue}`,
  };
}

function countryMismatch(order: OrderForFraudCheck, rules: FraudRules): FraudFactor {
  const billing = order.billing?.country;
  const shipping = order.shipping.address.country;
  const mismatch = billing !== undefined && billing.toUpperCase() !== shipping.toUpperCase();
  return {
    factor: 'country_mismatch',
    contribution: mismatch ? rules.countryMismatch.weight : 0,
    weight: rules.countryMismatch.weight,
    detail: billing === undefined ? 'no billing country' : `billing ${billing}, shipping ${shipping}`,
  };
}

function velocity(factor: FraudFactorName, count: number, rule: FraudRules['customerVelocity']): FraudFactor {
  const fired = count > rule.maxPriorOrders;
  return {
    factor,
    contribution: fired ? rule.weight : 0,
    weight: rule.weight,
    detail: `${count} prior orders in ${rule.windowMinutes} min (more than ${rule.maxPriorOrders} is suspicious)`,
  };
}

function firstOrder(value: number, history: CustomerHistory, rules: FraudRules): FraudFactor {
  const fired = history.priorOrderCount === 0 && value > rules.firstOrder.valueAbove;
  return {
    factor: 'first_order_value',
    contribution: fired ? rules.firstOrder.weight : 0,
    weight: rules.firstOrder.weight,
    detail: history.priorOrderCount === 0 ? `first order, value ${value} (limit ${rules.firstOrder.valueAbove})` : 'not a first order',
  };
}
