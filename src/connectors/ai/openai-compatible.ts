import { z } from 'zod';
import { canonicalJson, inputDigest } from '../../domain/ai/digest.js';
import { RETURN_DISPOSITIONS, RETURN_REASON_CATEGORIES, TICKET_CATEGORIES } from '../../domain/ai/labels.js';
import type { AiPort, AiResult, ModelRef, UnavailableReason } from '../../domain/ai/port.js';
import { loadPrompt } from './prompts.js';
import type { Prompt, PromptTask } from './prompts.js';

/**
 * A remote model behind any OpenAI-compatible chat-completions endpoint (OpenAI, Azure, vLLM,
 * Ollama, LiteLLM …). The answer is constrained by a strict JSON schema and validated again here:
 * anything that is not a well-formed answer within the timeout is `unavailable`, never guessed at,
 * and the deterministic rules decide instead.
 */
export interface OpenAiCompatibleConfig {
  /** e.g. https://api.openai.com/v1 — `/chat/completions` is appended. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  readonly model: string;
  /** Recorded as the model version when set; otherwise the model name the server reports. */
  readonly modelVersion?: string;
  readonly timeoutMs: number;
  readonly promptsDir?: string;
  readonly promptVersions?: Partial<Record<PromptTask, string>>;
  /** Injected in tests; the global fetch otherwise. */
  readonly fetch?: typeof fetch;
}

const completionSchema = z.object({
  model: z.string().optional(),
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullable().optional(), refusal: z.string().nullable().optional() }) }))
    .min(1),
});

function answerSchema<L extends string>(labels: readonly [L, ...L[]]) {
  return z.object({ label: z.enum(labels), confidence: z.number().min(0).max(1), rationale: z.string().min(1) }).strict();
}

/** The JSON schema the server must follow (strict mode: every property required, no extras). */
function responseFormat(name: string, labels: readonly string[]) {
  return {
    type: 'json_schema',
    json_schema: {
      name,
      strict: true,
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['label', 'confidence', 'rationale'],
        properties: {
          label: { type: 'string', enum: labels },
          confidence: { type: 'number', description: 'probability in [0, 1] that the label is right' },
          rationale: { type: 'string' },
        },
      },
    },
  } as const;
}

export function createOpenAiCompatibleProvider(config: OpenAiCompatibleConfig): AiPort {
  const doFetch = config.fetch ?? fetch;
  const url = `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const prompts = new Map<PromptTask, Prompt>();
  const prompt = (task: PromptTask): Prompt => {
    let p = prompts.get(task);
    if (!p) prompts.set(task, (p = loadPrompt(task, config.promptVersions?.[task] ?? 'v1', config.promptsDir)));
    return p;
  };

  async function ask<L extends string>(task: PromptTask, labels: readonly [L, ...L[]], input: unknown): Promise<AiResult<L>> {
    const digest = inputDigest(task, input);
    const p = prompt(task);
    const fallbackModel: ModelRef = { id: config.model, version: config.modelVersion ?? 'unknown' };
    const unavailable = (reason: UnavailableReason, detail: string, raw?: unknown): AiResult<L> => ({
      status: 'unavailable',
      reason,
      detail,
      model: fallbackModel,
      inputDigest: digest,
      promptVersion: p.version,
      raw,
    });

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), config.timeoutMs);
    let status: number;
    let bodyText: string;
    try {
      const res = await doFetch(url, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'content-type': 'application/json',
          ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: config.model,
          temperature: 0,
          messages: [
            { role: 'system', content: p.text },
            { role: 'user', content: canonicalJson(input) },
          ],
          response_format: responseFormat(task.replace(/-/g, '_'), labels),
        }),
      });
      status = res.status;
      bodyText = await res.text(); // still under the same abort signal: a slow body is a timeout too
    } catch (e) {
      if (controller.signal.aborted) return unavailable('timeout', `no answer within ${config.timeoutMs} ms`);
      return unavailable('error', `request failed: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }

    if (status < 200 || status >= 300) return unavailable('error', `HTTP ${status}`, bodyText.slice(0, 2000));
    const completion = completionSchema.safeParse(safeJson(bodyText));
    if (!completion.success) return unavailable('invalid_output', 'not a chat-completions response', bodyText.slice(0, 2000));
    const message = completion.data.choices[0]!.message;
    if (message.refusal) return unavailable('invalid_output', `model refused: ${message.refusal}`, message.refusal);
    const content = message.content ?? '';
    const answer = answerSchema(labels).safeParse(safeJson(content));
    if (!answer.success) return unavailable('invalid_output', `answer does not match the schema: ${answer.error.issues[0]?.message ?? ''}`, content);

    return {
      status: 'answered',
      label: answer.data.label,
      confidence: answer.data.confidence,
      rationale: answer.data.rationale,
      model: { id: config.model, version: config.modelVersion ?? completion.data.model ?? config.model },
      inputDigest: digest,
      promptVersion: p.version,
      raw: content,
    };
  }

  return {
    classifyReturnReason: (text, context) => ask('return-reason', RETURN_REASON_CATEGORIES, { text, context }),
    recommendDisposition: (caseFacts) => ask('disposition', RETURN_DISPOSITIONS, caseFacts),
    triageTicket: (text, context) => ask('ticket-triage', TICKET_CATEGORIES, { text, context }),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
