import type { Command } from 'commander';
import { evaluate } from '../../connectors/ai/builtin/evaluate.js';
import { evaluateAnomalyDetection } from '../../domain/anomaly/evaluate.js';
import { defaultAnomalyPolicy } from '../../policy/kinds/anomaly.js';
import { fail, print, table } from '../output.js';

export function registerAi(program: Command): void {
  const ai = program.command('ai').description('the built-in AI models');
  ai.command('eval')
    .description('held-out scores of the built-in classifiers, priority rules, and anomaly detection on synthetic data')
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }) => {
      try {
        const models = evaluate();
        const anomaly = evaluateAnomalyDetection(defaultAnomalyPolicy);
        const tasks = [models.returnReason, models.ticketCategory, models.ticketPriority];
        const out = {
          tasks: tasks.map((t) => ({ task: t.task, model: t.model, trainCount: t.trainCount, count: t.count, accuracy: t.accuracy, macroF1: t.macroF1, perLabel: t.perLabel, calibration: t.calibration, expectedCalibrationError: t.expectedCalibrationError })),
          anomaly,
        };
        print(Boolean(flags.json), out, () =>
          [
            table(tasks.map((t) => ({ task: t.task, model: `${t.model.id}@${t.model.version}`, scored: t.count, accuracy: t.accuracy.toFixed(3), macroF1: t.macroF1.toFixed(3) })), ['task', 'model', 'scored', 'accuracy', 'macroF1']),
            '',
            table((['demand', 'orders', 'returnRate'] as const).map((k) => ({ detector: k, injected: anomaly[k].injected, flagged: anomaly[k].flagged, precision: anomaly[k].precision.toFixed(2), recall: anomaly[k].recall.toFixed(2) })), ['detector', 'injected', 'flagged', 'precision', 'recall']),
          ].join('\n'),
        );
      } catch (e) {
        fail(e, Boolean(flags.json));
      }
    });
}
