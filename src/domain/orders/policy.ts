import type { PaymentStatus } from './events.js';
import type { NotificationTrigger } from './notification-triggers.js';

/**
 * What the order validation and customer notification deciders read from policy. The zod schema and
 * the SPEC defaults live in src/policy/kinds/orders.ts and are checked against this shape, so the
 * domain never imports from the policy layer.
 */
export interface VelocityRule {
  weight: number;
  /** The window the handler counts prior orders in (the counts arrive as input). */
  windowMinutes: number;
  /** More prior orders than this inside the window adds the factor's weight. */
  maxPriorOrders: number;
}

export interface FraudRules {
  /** Score at or above this holds the order for fraud review. */
  holdThreshold: number;
  /** Adds weight × how far the order value sits between ratioStart and ratioFull times the average. */
  valueVsHistory: { weight: number; minPriorOrders: number; ratioStart: number; ratioFull: number };
  countryMismatch: { weight: number };
  customerVelocity: VelocityRule;
  addressVelocity: VelocityRule;
  /** A customer's very first order above this value adds the weight. */
  firstOrder: { weight: number; valueAbove: number };
}

export interface NotificationRules {
  /** How the customer is told (email, sms…): the outbox picks the connector by it. */
  channel: string;
  /** Template per trigger; a trigger without a template sends nothing (on purpose: fraud holds). */
  templates: Partial<Record<NotificationTrigger, string>>;
  /** When the promise moves by at least this much the customer is told, with this template. */
  promiseMoved: { templateId: string; minShiftMinutes: number };
  /**
   * A message not sent this long after it was decided is not sent at all (expired): no "order
   * confirmed" a day late because the mail destination was down or not registered yet. Absent (policy
   * versions written before it existed): no limit.
   */
  sendWithinMinutes?: number;
}

export interface OrdersPolicy {
  version: string;
  payment: { acceptedStatuses: PaymentStatus[] };
  fraud: FraudRules;
  notifications: NotificationRules;
  /**
   * Click and collect: a picked order waits at its store this many days; not collected by then, it
   * is cancelled and its units go back on the shelf. Absent (versions written before it): no limit.
   */
  collection?: { holdDays: number };
}
