import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { DomainError } from '../../domain/errors.js';
import type { AiRecord } from '../../domain/returns/events.js';
import { aiFromConfig, askAi } from '../../engine/ai/provider.js';
import { fail, print } from '../output.js';
import { readTextFile } from '../files.js';

type Kind = 'return' | 'ticket';

interface ClassifyFlags {
  file?: string;
  config?: string;
  json?: boolean;
}

/** What the operator sees of an answer: label, confidence, rationale, model (and why, when there is none). */
function shape(r: AiRecord): Record<string, unknown> {
  return {
    label: r.label ?? null,
    confidence: r.confidence ?? null,
    rationale: r.rationale ?? r.detail ?? null,
    model: `${r.model.id}@${r.model.version}`,
    ...(r.status === 'unavailable' ? { unavailable: r.reason } : {}),
    ...(r.fallbackFrom ? { fallbackFrom: r.fallbackFrom } : {}),
    inputDigest: r.inputDigest,
  };
}

export function registerClassify(program: Command): void {
  const cmd = program
    .command('classify')
    .description('classify a return reason or a support ticket with the configured AI (built-in offline by default)')
    .argument('<kind>', 'return | ticket')
    .argument('[text]', 'the text to classify (or --file)')
    .option('--file <jsonl>', 'classify every line {"id","text"} of a JSON-lines file; prints one JSON line per input')
    .option('--config <file>', 'JSON config file [OMNIOPS_CONFIG] (ai.provider, ai.baseUrl, ai.model …)')
    .option('--json', 'machine-readable output');
  cmd.action(async (kind: string, text: string | undefined, flags: ClassifyFlags) => {
    const json = Boolean(flags.json);
    try {
      if (kind !== 'return' && kind !== 'ticket') throw new DomainError('E_SCHEMA', `kind must be return or ticket, not '${kind}'`);
      const config = loadConfig({ config: flags.config });
      const ai = aiFromConfig(config.ai);
      const classify = (t: string) =>
        kind === 'return'
          ? askAi(ai, config.ai.timeoutMs, 'return-reason', { text: t, context: {} }, (p) => p.classifyReturnReason(t, {}), true)
          : askAi(ai, config.ai.timeoutMs, 'ticket-triage', { text: t, context: {} }, (p) => p.triageTicket(t, {}), true);
      if (flags.file) {
        const lines = readTextFile(flags.file).split(/\r?\n/);
        for (let i = 0; i < lines.length; i++) {
          const line = lines[i]!.trim();
          if (!line) continue;
          let item: { id?: unknown; text?: unknown };
          try {
            item = JSON.parse(line) as { id?: unknown; text?: unknown };
          } catch {
            process.stdout.write(`${JSON.stringify({ line: i + 1, error: 'E_MALFORMED_JSON' })}\n`);
            continue;
          }
          if (typeof item.text !== 'string') {
            process.stdout.write(`${JSON.stringify({ id: item.id ?? null, line: i + 1, error: 'E_SCHEMA', message: 'text must be a string' })}\n`);
            continue;
          }
          process.stdout.write(`${JSON.stringify({ id: item.id ?? null, ...shape(await classify(item.text)) })}\n`);
        }
        return;
      }
      if (text === undefined) throw new DomainError('E_SCHEMA', 'give the text to classify, or --file <jsonl>');
      const out = shape(await classify(text));
      print(json, out, () => `${out.label ?? '(none)'}  confidence ${out.confidence ?? '-'}  model ${out.model}\n${out.rationale ?? ''}`);
    } catch (e) {
      fail(e, json);
    }
  });
}
