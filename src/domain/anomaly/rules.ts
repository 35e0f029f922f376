/** The policy values anomaly detection reads; `src/policy/kinds/anomaly.ts` validates documents of this shape. */
export interface RobustThreshold {
  readonly threshold: number;
  readonly minScale: number;
}

export interface AnomalyRules {
  readonly demand: RobustThreshold & {
    readonly baselineDays: number;
    readonly minBaselinePoints: number;
    readonly byWeekday: boolean;
    readonly minWeekdayPoints: number;
  };
  readonly orders: {
    readonly velocityWindowHours: number;
    readonly maxOrdersPerCustomer: number;
    readonly maxOrdersPerAddress: number;
    readonly valueThreshold: number;
    readonly valueMinHistory: number;
    /** The customer's own earlier orders as the value baseline, from `minHistory` of them; absent: never. */
    readonly customerBaseline?: Pick<RobustThreshold, 'minScale'> & { readonly minHistory: number };
  };
  readonly returnRate: RobustThreshold & {
    readonly windowDays: number;
    readonly baselineDays: number;
    readonly minOrdersInWindow: number;
  };
}

/** What every detector reports: how far past its threshold (1 = at the threshold) and why, in words. */
export interface AnomalyFinding {
  readonly score: number;
  readonly explanation: string;
}
