import type { Config } from '../../config.js';
import type { AiPort, AiResult } from '../../domain/ai/port.js';
import { inputDigest } from '../../domain/ai/digest.js';
import type { AiRecord } from '../../domain/returns/events.js';
import { createBuiltinAiProvider } from '../../connectors/ai/builtin/provider.js';
import { createOpenAiCompatibleProvider } from '../../connectors/ai/openai-compatible.js';

/**
 * The AI the workers ask. With a remote provider, a classification the remote cannot give (down,
 * slow, garbage) is answered by the built-in offline classifier and marked `fallbackFrom`; a
 * disposition recommendation is not — when the remote cannot recommend, the deterministic rules
 * decide (SPEC §5), which the case then records.
 */
export interface ConfiguredAi {
  readonly port: AiPort;
  readonly builtin: AiPort;
  readonly remote: boolean;
}

export function aiFromConfig(config: Config['ai']): ConfiguredAi {
  const builtin = createBuiltinAiProvider();
  if (config.provider === 'builtin') return { port: builtin, builtin, remote: false };
  const remote = createOpenAiCompatibleProvider({ baseUrl: config.baseUrl!, apiKey: config.apiKey, model: config.model!, timeoutMs: config.timeoutMs });
  return { port: remote, builtin, remote: true };
}

/** Answers of a call that overran its deadline or threw are `unavailable`, never an exception. */
export async function withDeadline<L extends string>(
  call: () => Promise<AiResult<L>>,
  timeoutMs: number,
  unavailable: (reason: 'timeout' | 'error', detail: string) => AiResult<L>,
): Promise<AiResult<L>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      call().catch((e: unknown) => unavailable('error', `provider failed: ${e instanceof Error ? e.message : String(e)}`)),
      new Promise<AiResult<L>>((resolve) => {
        timer = setTimeout(() => resolve(unavailable('timeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const RAW_LIMIT = 4000;

/**
 * One question to the configured AI, answered within the deadline or recorded as unavailable. With
 * `fallback`, a remote failure is answered by the built-in classifier and says so (`fallbackFrom`).
 */
export async function askAi<L extends string>(ai: ConfiguredAi, timeoutMs: number, task: string, input: unknown, call: (port: AiPort) => Promise<AiResult<L>>, fallback: boolean): Promise<AiRecord> {
  const unavailable = (reason: 'timeout' | 'error', detail: string): AiResult<L> => ({ status: 'unavailable', reason, detail, model: { id: 'unknown', version: 'unknown' }, inputDigest: inputDigest(task, input) });
  const first = await withDeadline(() => call(ai.port), timeoutMs, unavailable);
  if (first.status === 'unavailable' && fallback && ai.remote) {
    const second = await withDeadline(() => call(ai.builtin), timeoutMs, unavailable);
    if (second.status === 'answered') return { ...aiRecord(second), fallbackFrom: { reason: first.reason, detail: first.detail, model: first.model } };
  }
  return aiRecord(first);
}

/** What is stored of an answer: everything needed to explain it, the raw output capped. */
export function aiRecord<L extends string>(r: AiResult<L>): AiRecord {
  const raw = r.raw === undefined ? undefined : typeof r.raw === 'string' ? r.raw.slice(0, RAW_LIMIT) : JSON.stringify(r.raw).slice(0, RAW_LIMIT);
  const base = { model: { id: r.model.id, version: r.model.version }, inputDigest: r.inputDigest, ...(r.promptVersion ? { promptVersion: r.promptVersion } : {}), ...(raw !== undefined ? { raw } : {}) };
  if (r.status === 'answered') return { status: 'answered', label: r.label, confidence: r.confidence, rationale: r.rationale, ...base };
  return { status: 'unavailable', reason: r.reason, detail: r.detail, ...base };
}
