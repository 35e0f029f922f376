/**
 * How the classifier's L2 strength and temperature were chosen: 4-fold cross-validation on the
 * TRAINING split only (folds by text hash), lowest out-of-fold log-loss. The held-out split is never
 * looked at here, so the numbers in docs/ai.md stay an honest estimate.
 *   node --import tsx ai/scripts/tune.ts
 */
import { trainTextClassifier } from '../../src/connectors/ai/builtin/text-classifier.js';
import { DEFAULT_TRAINING_CONFIG } from '../../src/connectors/ai/builtin/softmax-regression.js';
import { loadReturnReasonExamples, loadTicketExamples, splitExamples } from '../../src/connectors/ai/builtin/training-data.js';
import type { LabeledText } from '../../src/connectors/ai/builtin/training-data.js';
import { sha256Hex } from '../../src/domain/ai/digest.js';
import { RETURN_REASON_CATEGORIES, TICKET_CATEGORIES } from '../../src/domain/ai/labels.js';

const FOLDS = 4;
const fold = (text: string) => parseInt(sha256Hex(`fold\n${text}`).slice(0, 6), 16) % FOLDS;

function crossValidate<L extends string>(name: string, examples: readonly LabeledText<L>[], labels: readonly L[]) {
  const { train } = splitExamples(examples);
  for (const l2 of [1e-5, 3e-5, 1e-4, 3e-4]) {
    // Out-of-fold log-probabilities at temperature 1; other temperatures rescale them exactly.
    const oof: Array<{ logp: number[]; y: number }> = [];
    for (let f = 0; f < FOLDS; f++) {
      const c = trainTextClassifier(train.filter((e) => fold(e.text) !== f), labels, {
        modelId: 'cv',
        trainingConfig: { ...DEFAULT_TRAINING_CONFIG, l2, temperature: 1 },
      });
      for (const e of train.filter((x) => fold(x.text) === f)) {
        const p = c.classify(e.text).probabilities;
        oof.push({ logp: labels.map((l) => Math.log(p[l])), y: labels.indexOf(e.label) });
      }
    }
    const row = [0.5, 0.6, 0.7, 0.8, 0.9, 1].map((t) => {
      let nll = 0;
      for (const o of oof) {
        const z = o.logp.map((v) => v / t);
        const m = Math.max(...z);
        nll -= z[o.y]! - m - Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
      }
      return `T=${t}: ${(nll / oof.length).toFixed(3)}`;
    });
    const acc = oof.filter((o) => o.logp.indexOf(Math.max(...o.logp)) === o.y).length / oof.length;
    console.log(`${name} l2=${l2} cv-accuracy=${acc.toFixed(3)} log-loss ${row.join('  ')}`);
  }
}

crossValidate('return-reason', loadReturnReasonExamples(), RETURN_REASON_CATEGORIES);
crossValidate('ticket-category', loadTicketExamples(), TICKET_CATEGORIES);
