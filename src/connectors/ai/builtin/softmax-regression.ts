import type { SparseVector } from './features.js';

/**
 * Multinomial logistic regression with L2, trained full-batch with Adam from zero weights: no random
 * initialisation and no example shuffling, so the same data always gives the same weights. Its
 * probabilities are reasonably calibrated out of the box, which matters because deciders compare
 * them with policy thresholds (unlike naive Bayes, whose scores are overconfident).
 * The defaults were chosen by 4-fold cross-validation on the training split only (lowest
 * out-of-fold log-loss; ai/scripts/tune.ts), never on the held-out examples.
 */
export interface TrainingConfig {
  readonly l2: number;
  readonly iterations: number;
  readonly learningRate: number;
  /**
   * Temperature applied to the scores at prediction time only (temperature scaling): with little data
   * and L2, raw probabilities come out too timid; dividing the scores by T < 1 sharpens them.
   */
  readonly temperature: number;
}

export const DEFAULT_TRAINING_CONFIG: TrainingConfig = { l2: 3e-5, iterations: 100, learningRate: 0.2, temperature: 0.7 };

export interface SoftmaxModel {
  readonly classes: number;
  readonly features: number;
  /** Row-major [feature][class]. */
  readonly weights: Float64Array;
  readonly bias: Float64Array;
}

export function predictProba(model: SoftmaxModel, x: SparseVector, temperature = 1): Float64Array {
  const k = model.classes;
  const z = Float64Array.from(model.bias);
  for (let p = 0; p < x.indices.length; p++) {
    const row = x.indices[p]! * k;
    const v = x.values[p]!;
    for (let c = 0; c < k; c++) z[c]! += model.weights[row + c]! * v;
  }
  if (temperature !== 1) for (let c = 0; c < k; c++) z[c]! /= temperature;
  return softmaxInPlace(z);
}

function softmaxInPlace(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (let c = 0; c < z.length; c++) sum += z[c] = Math.exp(z[c]! - max);
  for (let c = 0; c < z.length; c++) z[c]! /= sum;
  return z;
}

export function trainSoftmax(
  xs: readonly SparseVector[],
  ys: readonly number[],
  classes: number,
  features: number,
  config: TrainingConfig = DEFAULT_TRAINING_CONFIG,
): SoftmaxModel {
  const k = classes;
  const n = xs.length;
  const weights = new Float64Array(features * k);
  const bias = new Float64Array(k);
  const gW = new Float64Array(features * k);
  const gB = new Float64Array(k);
  const mW = new Float64Array(features * k);
  const vW = new Float64Array(features * k);
  const mB = new Float64Array(k);
  const vB = new Float64Array(k);
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  const model: SoftmaxModel = { classes: k, features, weights, bias };

  for (let t = 1; t <= config.iterations; t++) {
    gW.fill(0);
    gB.fill(0);
    for (let i = 0; i < n; i++) {
      const x = xs[i]!;
      const p = predictProba(model, x);
      p[ys[i]!]! -= 1; // dLoss/dz for cross-entropy
      for (let c = 0; c < k; c++) gB[c]! += p[c]! / n;
      for (let q = 0; q < x.indices.length; q++) {
        const row = x.indices[q]! * k;
        const v = x.values[q]! / n;
        for (let c = 0; c < k; c++) gW[row + c]! += p[c]! * v;
      }
    }
    const lrT = (config.learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    for (let j = 0; j < weights.length; j++) {
      const g = gW[j]! + config.l2 * weights[j]!;
      mW[j] = beta1 * mW[j]! + (1 - beta1) * g;
      vW[j] = beta2 * vW[j]! + (1 - beta2) * g * g;
      weights[j]! -= (lrT * mW[j]!) / (Math.sqrt(vW[j]!) + eps);
    }
    for (let c = 0; c < k; c++) {
      mB[c] = beta1 * mB[c]! + (1 - beta1) * gB[c]!;
      vB[c] = beta2 * vB[c]! + (1 - beta2) * gB[c]! * gB[c]!;
      bias[c]! -= (lrT * mB[c]!) / (Math.sqrt(vB[c]!) + eps);
    }
  }
  return model;
}
