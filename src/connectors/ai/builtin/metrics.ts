/**
 * Scores for a classifier on held-out examples. Macro-F1 weighs every label equally, so a rare label
 * the model never gets right cannot hide behind frequent ones. Calibration bands answer "when it says
 * 0.8, is it right about 80% of the time?" — the question a confidence threshold in policy relies on.
 */
export interface LabelScore {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export interface CalibrationBand {
  /** Inclusive lower bound, exclusive upper bound (the top band includes 1). */
  readonly from: number;
  readonly to: number;
  readonly count: number;
  readonly accuracy: number | null;
  readonly meanConfidence: number | null;
}

export interface ClassificationScores {
  readonly count: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perLabel: readonly LabelScore[];
  readonly calibration: readonly CalibrationBand[];
  /** Expected calibration error: band-size-weighted |accuracy − mean confidence|. */
  readonly expectedCalibrationError: number;
}

export interface Prediction {
  readonly expected: string;
  readonly predicted: string;
  readonly confidence: number;
}

export const DEFAULT_BAND_EDGES = [0, 0.5, 0.7, 0.8, 0.9, 1] as const;

export function scoreClassifications(
  predictions: readonly Prediction[],
  labels: readonly string[],
  bandEdges: readonly number[] = DEFAULT_BAND_EDGES,
): ClassificationScores {
  const perLabel = labels.map((label): LabelScore => {
    const tp = predictions.filter((p) => p.predicted === label && p.expected === label).length;
    const predicted = predictions.filter((p) => p.predicted === label).length;
    const support = predictions.filter((p) => p.expected === label).length;
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  const scored = perLabel.filter((s) => s.support > 0);
  const correct = predictions.filter((p) => p.predicted === p.expected).length;
  const calibration = bandEdges.slice(0, -1).map((from, i): CalibrationBand => {
    const to = bandEdges[i + 1]!;
    const last = i === bandEdges.length - 2;
    const inBand = predictions.filter((p) => p.confidence >= from && (p.confidence < to || (last && p.confidence <= to)));
    if (inBand.length === 0) return { from, to, count: 0, accuracy: null, meanConfidence: null };
    return {
      from,
      to,
      count: inBand.length,
      accuracy: inBand.filter((p) => p.predicted === p.expected).length / inBand.length,
      meanConfidence: inBand.reduce((s, p) => s + p.confidence, 0) / inBand.length,
    };
  });
  const n = predictions.length;
  const expectedCalibrationError = calibration.reduce(
    (s, b) => (b.count === 0 ? s : s + (b.count / n) * Math.abs(b.accuracy! - b.meanConfidence!)),
    0,
  );
  return {
    count: n,
    accuracy: n === 0 ? 0 : correct / n,
    macroF1: scored.length === 0 ? 0 : scored.reduce((s, x) => s + x.f1, 0) / scored.length,
    perLabel,
    calibration,
    expectedCalibrationError,
  };
}
