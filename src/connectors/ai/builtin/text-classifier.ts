import { canonicalJson, sha256Hex } from '../../../domain/ai/digest.js';
import type { ModelRef } from '../../../domain/ai/port.js';
import { DEFAULT_FEATURE_CONFIG, fitFeaturizer } from './features.js';
import type { FeatureConfig } from './features.js';
import { DEFAULT_TRAINING_CONFIG, predictProba, trainSoftmax } from './softmax-regression.js';
import type { TrainingConfig } from './softmax-regression.js';
import type { LabeledText } from './training-data.js';

/** Bumped when featurization or training changes in a way the config does not capture. */
const ALGORITHM = 'tfidf-word-char+softmax-l2/1';

export interface Classification<L extends string> {
  readonly label: L;
  readonly confidence: number;
  readonly probabilities: Readonly<Record<L, number>>;
  /** The words that pushed hardest towards the label: the human-readable part of the rationale. */
  readonly cues: readonly string[];
}

export interface TextClassifier<L extends string> {
  readonly model: ModelRef;
  readonly labels: readonly L[];
  classify(text: string): Classification<L>;
}

export interface TrainOptions {
  readonly modelId: string;
  readonly featureConfig?: FeatureConfig;
  readonly trainingConfig?: TrainingConfig;
}

/**
 * Trains from labeled texts. The version is a digest of everything that determines the weights
 * (algorithm, configs, label list, examples in canonical order), so two processes that report the
 * same version give the same answers, and a change of training data shows up as a new version.
 */
export function trainTextClassifier<L extends string>(
  examples: readonly LabeledText<L>[],
  labels: readonly L[],
  options: TrainOptions,
): TextClassifier<L> {
  const featureConfig = options.featureConfig ?? DEFAULT_FEATURE_CONFIG;
  const trainingConfig = options.trainingConfig ?? DEFAULT_TRAINING_CONFIG;
  // Canonical order: file order must not change floating-point sums, hence weights.
  const sorted = [...examples]
    .map((e) => ({ e, key: sha256Hex(`${e.label}\n${e.text}`) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ e }) => ({ text: e.text, label: e.label }));
  const version = sha256Hex(
    canonicalJson({ algorithm: ALGORITHM, featureConfig, trainingConfig, labels, examples: sorted }),
  ).slice(0, 12);

  const featurizer = fitFeaturizer(
    sorted.map((e) => e.text),
    featureConfig,
  );
  const classIndex = new Map(labels.map((l, i) => [l, i]));
  const xs = sorted.map((e) => featurizer.transform(e.text));
  const ys = sorted.map((e) => {
    const y = classIndex.get(e.label);
    if (y === undefined) throw new Error(`label ${e.label} is not one of ${labels.join(', ')}`);
    return y;
  });
  const model = trainSoftmax(xs, ys, labels.length, featurizer.featureNames.length, trainingConfig);

  const classify = (text: string): Classification<L> => {
    const x = featurizer.transform(text);
    const p = predictProba(model, x, trainingConfig.temperature);
    let best = 0;
    for (let c = 1; c < labels.length; c++) if (p[c]! > p[best]!) best = c;
    const probabilities = Object.fromEntries(labels.map((l, c) => [l, p[c]!])) as Record<L, number>;
    return { label: labels[best]!, confidence: p[best]!, probabilities, cues: cuesFor(x, best) };
  };

  /** Word features whose weight for the chosen class most exceeds their average weight over classes. */
  const cuesFor = (x: ReturnType<typeof featurizer.transform>, c: number): string[] => {
    const k = labels.length;
    const scored: Array<[string, number]> = [];
    for (let q = 0; q < x.indices.length; q++) {
      const name = featurizer.featureNames[x.indices[q]!]!;
      if (name.startsWith('c:')) continue;
      const row = x.indices[q]! * k;
      let mean = 0;
      for (let j = 0; j < k; j++) mean += model.weights[row + j]! / k;
      const s = x.values[q]! * (model.weights[row + c]! - mean);
      if (s > 0) scored.push([name.slice(2), s]);
    }
    return scored
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([n]) => n);
  };

  return { model: { id: options.modelId, version: `tfidf-lr1+${version}` }, labels, classify };
}
