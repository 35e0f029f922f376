import { normalizeText } from '../../../domain/ai/digest.js';
import { customerWords } from './customer-words.js';

/**
 * Text → sparse TF-IDF vector over word unigrams/bigrams and character n-grams. Words carry meaning;
 * character n-grams make typos ("arived", "doesnt") land near the right word. A negation word marks
 * the next few words ("not damaged" → "¬damaged") so "not damaged, just too small" does not vote for
 * damage; negated words get no character n-grams, which would otherwise smuggle the vote back in.
 */
export interface FeatureConfig {
  readonly charNgramMin: number;
  readonly charNgramMax: number;
  /** Character n-grams seen in fewer training texts are dropped: they are noise and slow training. */
  readonly charMinDf: number;
  /** How many words after a negation word are marked as negated (punctuation ends the scope earlier). */
  readonly negationScope: number;
  /** Relative weight of the character block against the word block after each is L2-normalized. */
  readonly charWeight: number;
}

export const DEFAULT_FEATURE_CONFIG: FeatureConfig = {
  charNgramMin: 3,
  charNgramMax: 5,
  charMinDf: 2,
  negationScope: 3,
  charWeight: 0.8,
};

const NEGATORS = new Set([
  'not', 'no', 'never', 'nothing', 'without', 'neither', 'nor', 'none',
  'isnt', 'wasnt', 'arent', 'werent', 'doesnt', 'didnt', 'dont', 'cant', 'cannot', 'wont', 'wouldnt', 'hasnt', 'havent', 'aint', 'nt',
]);

/** Sparse vector: parallel arrays of feature indices (ascending) and values. */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

/** Tokens as the model sees them, negation-marked; exported so rationales can quote them. */
export function tokens(text: string, config: FeatureConfig = DEFAULT_FEATURE_CONFIG): string[] {
  const normalized = normalizeText(customerWords(text))
    .replace(/[’`´]/g, "'")
    .replace(/(\w)'(\w)/g, '$1$2') // doesn't → doesnt, it's → its: one token, as people also type it
    .replace(/_/g, ' '); // marketplace codes: SIZE_TOO_SMALL → size too small
  const out: string[] = [];
  let negateLeft = 0;
  for (const m of normalized.matchAll(/[\p{L}\p{N}]+|[.,;:!?()\-–—]+/gu)) {
    const tok = m[0];
    if (!/[\p{L}\p{N}]/u.test(tok)) {
      negateLeft = 0; // punctuation closes a negation scope: "not damaged, just too small"
      continue;
    }
    if (NEGATORS.has(tok)) {
      out.push(tok);
      negateLeft = config.negationScope;
      continue;
    }
    if (negateLeft > 0) {
      out.push(`¬${tok}`);
      negateLeft--;
    } else out.push(tok);
  }
  return out;
}

function rawFeatures(text: string, config: FeatureConfig): { words: Map<string, number>; chars: Map<string, number> } {
  const toks = tokens(text, config);
  const words = new Map<string, number>();
  const chars = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (let i = 0; i < toks.length; i++) {
    add(words, `w:${toks[i]}`);
    if (i + 1 < toks.length) add(words, `b:${toks[i]} ${toks[i + 1]}`);
    const t = toks[i]!;
    if (t.startsWith('¬')) continue;
    const padded = `<${t}>`;
    for (let n = config.charNgramMin; n <= config.charNgramMax; n++) {
      for (let s = 0; s + n <= padded.length; s++) add(chars, `c:${padded.slice(s, s + n)}`);
    }
  }
  return { words, chars };
}

/** A fitted vocabulary with inverse document frequencies; `transform` is pure given it. */
export interface Featurizer {
  readonly config: FeatureConfig;
  readonly vocabulary: ReadonlyMap<string, number>;
  readonly featureNames: readonly string[];
  readonly idf: Float64Array;
  transform(text: string): SparseVector;
}

export function fitFeaturizer(texts: readonly string[], config: FeatureConfig = DEFAULT_FEATURE_CONFIG): Featurizer {
  const df = new Map<string, number>();
  for (const text of texts) {
    const { words, chars } = rawFeatures(text, config);
    for (const k of words.keys()) df.set(k, (df.get(k) ?? 0) + 1);
    for (const k of chars.keys()) df.set(k, (df.get(k) ?? 0) + 1);
  }
  // Sorted names make the index assignment independent of example order.
  const featureNames = [...df.entries()]
    .filter(([k, n]) => !k.startsWith('c:') || n >= config.charMinDf)
    .map(([k]) => k)
    .sort();
  const vocabulary = new Map(featureNames.map((k, i) => [k, i]));
  const n = texts.length;
  const idf = new Float64Array(featureNames.length);
  featureNames.forEach((k, i) => (idf[i] = Math.log((1 + n) / (1 + df.get(k)!)) + 1));

  const transform = (text: string): SparseVector => {
    const { words, chars } = rawFeatures(text, config);
    const block = (m: Map<string, number>, weight: number): Array<[number, number]> => {
      const entries: Array<[number, number]> = [];
      for (const [k, tf] of m) {
        const i = vocabulary.get(k);
        if (i !== undefined) entries.push([i, (1 + Math.log(tf)) * idf[i]!]);
      }
      const norm = Math.sqrt(entries.reduce((s, [, v]) => s + v * v, 0));
      return norm > 0 ? entries.map(([i, v]) => [i, (v / norm) * weight]) : [];
    };
    const all = [...block(words, 1), ...block(chars, config.charWeight)].sort((a, b) => a[0] - b[0]);
    return { indices: Int32Array.from(all.map(([i]) => i)), values: Float64Array.from(all.map(([, v]) => v)) };
  };
  return { config, vocabulary, featureNames, idf, transform };
}
