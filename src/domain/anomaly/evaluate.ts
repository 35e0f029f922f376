import { detectDemandAnomalies } from './demand.js';
import { detectOrderAnomalies } from './orders.js';
import { detectReturnRateSpikes } from './return-rate.js';
import type { AnomalyRules } from './rules.js';
import { seededRandom, syntheticDemand, syntheticOrders, syntheticRegulars, syntheticReturns } from './synthetic.js';

/**
 * Precision and recall of each detector on synthetic histories with injected anomalies (seeded, so
 * the numbers are reproducible; `omniops ai eval` and ai/scripts/evaluate.ts report them).
 * Demand is scored per day; orders and return rates per injected event (an event is found when any
 * of its orders / days is flagged) with precision over flagged items.
 */
export interface DetectionScore {
  readonly injected: number;
  readonly flagged: number;
  readonly truePositives: number;
  readonly precision: number;
  readonly recall: number;
}

export interface AnomalyEvaluation {
  readonly seed: number;
  readonly demand: DetectionScore;
  readonly orders: DetectionScore;
  readonly returnRate: DetectionScore;
  /**
   * Order values where regular customers matter (per injected outlier, precision over flagged
   * values): with the policy's per-customer baselines, and with every order as the baseline (the
   * policy without `customerBaseline`), on the same data.
   */
  readonly regularValues: { readonly customerBaseline: DetectionScore; readonly allOrdersBaseline: DetectionScore };
}

export function evaluateAnomalyDetection(rules: AnomalyRules, seed = 20250101): AnomalyEvaluation {
  const rand = seededRandom(seed);

  let dInjected = 0;
  let dFlagged = 0;
  let dTp = 0;
  for (let s = 0; s < 60; s++) {
    const syn = syntheticDemand(rand, `sku-${s}`, 140, rules.demand.baselineDays);
    const flagged = detectDemandAnomalies(syn.sku, syn.series, rules.demand);
    dInjected += syn.anomalyDates.size;
    dFlagged += flagged.length;
    dTp += flagged.filter((f) => syn.anomalyDates.has(f.date)).length;
  }

  let oInjected = 0;
  let oFlagged = 0;
  let oFound = 0;
  let oFlaggedTrue = 0;
  for (let run = 0; run < 5; run++) {
    const syn = syntheticOrders(rand, 400, 30);
    const flaggedIds = new Set(detectOrderAnomalies(syn.orders, rules.orders).map((f) => f.orderId));
    const eventIds = new Set(syn.events.flatMap((e) => [...e.orderIds]));
    oInjected += syn.events.length;
    oFound += syn.events.filter((e) => [...e.orderIds].some((id) => flaggedIds.has(id))).length;
    oFlagged += flaggedIds.size;
    oFlaggedTrue += [...flaggedIds].filter((id) => eventIds.has(id)).length;
  }

  let rInjected = 0;
  let rFlagged = 0;
  let rFound = 0;
  let rFlaggedTrue = 0;
  for (let s = 0; s < 60; s++) {
    const syn = syntheticReturns(rand, `sku-${s}`, 140, rules.returnRate.baselineDays + rules.returnRate.windowDays, rules.returnRate.windowDays);
    const flagged = detectReturnRateSpikes(syn.key, syn.days, rules.returnRate);
    rInjected += syn.spikes.length;
    rFound += syn.spikes.filter((region) => flagged.some((f) => region.has(f.date))).length;
    rFlagged += flagged.length;
    rFlaggedTrue += flagged.filter((f) => syn.spikeRegion.has(f.date)).length;
  }

  // Its own stream, so that adding it left the figures above as they were.
  const regulars = Array.from({ length: 5 }, (_, i) => syntheticRegulars(seededRandom(seed + 1 + i), 200, 60, 60));
  const { customerBaseline: _, ...allOrdersRules } = rules.orders;
  const valueScore = (orderRules: AnomalyRules['orders']) => {
    let injected = 0;
    let flagged = 0;
    let found = 0;
    for (const syn of regulars) {
      const ids = new Set(detectOrderAnomalies(syn.orders, orderRules).filter((f) => f.kind === 'value_outlier').map((f) => f.orderId));
      injected += syn.outlierIds.size;
      flagged += ids.size;
      found += [...syn.outlierIds].filter((id) => ids.has(id)).length;
    }
    return score(injected, flagged, found, found);
  };

  return {
    seed,
    demand: score(dInjected, dFlagged, dTp, dTp),
    orders: score(oInjected, oFlagged, oFound, oFlaggedTrue),
    returnRate: score(rInjected, rFlagged, rFound, rFlaggedTrue),
    regularValues: { customerBaseline: valueScore(rules.orders), allOrdersBaseline: valueScore(allOrdersRules) },
  };
}

function score(injected: number, flagged: number, found: number, flaggedTrue: number): DetectionScore {
  return {
    injected,
    flagged,
    truePositives: found,
    precision: flagged === 0 ? 1 : flaggedTrue / flagged,
    recall: injected === 0 ? 1 : found / injected,
  };
}
