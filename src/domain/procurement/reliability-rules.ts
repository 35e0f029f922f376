/** When a supplier counts as unreliable and what that does to the dates it promises. */
export interface ReliabilityRules {
  /** Fewer receipts than this say nothing: a new supplier is taken at its word. */
  minReceipts: number;
  /** A receipt this many days after the promised date or less is on time (delivery windows). */
  lateToleranceDays: number;
  /** A share of late receipts above this makes the supplier unreliable. */
  unreliableLateShare: number;
  /** Move an unreliable supplier's expected dates (open POs and new lead times) by its mean delay. */
  adjustExpectedDates: boolean;
}
