import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiCompatibleProvider } from '../../../src/connectors/ai/openai-compatible.js';
import { inputDigest } from '../../../src/domain/ai/digest.js';

/** A chat-completions server on 127.0.0.1 whose behaviour each test chooses by the model name. */
type Behaviour = (req: { headers: IncomingMessage['headers']; body: any }, res: ServerResponse) => void;

const received: Array<{ headers: IncomingMessage['headers']; body: any }> = [];
const behaviours: Record<string, Behaviour> = {
  good: (_req, res) => completion(res, JSON.stringify({ label: 'size_fit', confidence: 0.91, rationale: 'says "too small"' })),
  garbage: (_req, res) => completion(res, 'Sure! The category is probably size_fit.'),
  'off-schema': (_req, res) => completion(res, JSON.stringify({ label: 'too_small', confidence: 1.7, rationale: '' })),
  'not-completion': (_req, res) => json(res, 200, { hello: 'world' }),
  slow: (_req, res) => setTimeout(() => completion(res, JSON.stringify({ label: 'other', confidence: 0.5, rationale: 'late' })), 1_000),
  'slow-body': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"choices":');
    setTimeout(() => res.end('[]}'), 1_000);
  },
  broken: (_req, res) => json(res, 500, { error: { message: 'internal' } }),
  refusal: (_req, res) => json(res, 200, { model: 'm', choices: [{ message: { content: null, refusal: 'I cannot help with that' } }] }),
  triage: (_req, res) => completion(res, JSON.stringify({ label: 'delivery_problem', confidence: 0.8, rationale: 'never arrived' })),
};

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
function completion(res: ServerResponse, content: string) {
  json(res, 200, { id: 'c1', object: 'chat.completion', model: 'fake-model-2025-01-01', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
}

let server: Server;
let baseUrl: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return json(res, 404, {});
      const body = JSON.parse(raw);
      received.push({ headers: req.headers, body });
      behaviours[body.model]!({ headers: req.headers, body }, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

// Answers that should come get a timeout a loaded CI machine cannot miss (300 ms did, once, in a
// 35-minute run); the timeout test sets its own short one against a fake that waits longer.
const provider = (model: string, timeoutMs = 5_000) => createOpenAiCompatibleProvider({ baseUrl, apiKey: 'sk-test', model, timeoutMs });

describe('OpenAI-compatible provider', () => {
  it('good answer: validated label, confidence, rationale, model version, prompt version, raw output', async () => {
    const r = await provider('good').classifyReturnReason('Way too small', { marketplaceReasonCode: 'DEFECTIVE' });
    expect(r).toMatchObject({ status: 'answered', label: 'size_fit', confidence: 0.91, rationale: 'says "too small"', promptVersion: 'return-reason.v1' });
    expect(r.model).toEqual({ id: 'good', version: 'fake-model-2025-01-01' });
    expect(r.inputDigest).toBe(inputDigest('return-reason', { text: 'way too small', context: { marketplaceReasonCode: 'DEFECTIVE' } }));
    expect(JSON.parse(r.raw as string).label).toBe('size_fit');
  });

  it('sends a strict json_schema response format, the versioned prompt, the key and temperature 0', async () => {
    await provider('good').classifyReturnReason('Way too small', {});
    const { headers, body } = received.at(-1)!;
    expect(headers.authorization).toBe('Bearer sk-test');
    expect(body.temperature).toBe(0);
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema.strict).toBe(true);
    expect(body.response_format.json_schema.schema.properties.label.enum).toContain('missing_parts');
    expect(body.response_format.json_schema.schema.additionalProperties).toBe(false);
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[0].content).toContain('not damaged, just too small');
    expect(JSON.parse(body.messages[1].content)).toEqual({ context: {}, text: 'Way too small' });
  });

  it('garbage, off-schema, non-completion and refusal answers are invalid_output, with the raw text kept', async () => {
    for (const model of ['garbage', 'off-schema', 'not-completion', 'refusal']) {
      const r = await provider(model).classifyReturnReason('x', {});
      expect(r.status, model).toBe('unavailable');
      expect(r.status === 'unavailable' && r.reason, model).toBe('invalid_output');
      expect(r.raw, model).toBeDefined();
    }
  });

  it('a slow answer (headers or body) is a timeout', async () => {
    for (const model of ['slow', 'slow-body']) {
      const r = await provider(model, 150).classifyReturnReason('x', {});
      expect(r.status === 'unavailable' && r.reason, model).toBe('timeout');
    }
  });

  it('HTTP 500 and an unreachable server are errors', async () => {
    const r = await provider('broken').triageTicket('x', {});
    expect(r).toMatchObject({ status: 'unavailable', reason: 'error', detail: 'HTTP 500', promptVersion: 'ticket-triage.v1' });
    const down = createOpenAiCompatibleProvider({ baseUrl: 'http://127.0.0.1:1/v1', model: 'good', timeoutMs: 500 });
    const d = await down.classifyReturnReason('x', {});
    expect(d.status === 'unavailable' && d.reason).toBe('error');
  });

  it('triage and disposition use their own prompts and label sets', async () => {
    const t = await provider('triage').triageTicket('never arrived', { previousContacts: 2 });
    expect(t).toMatchObject({ status: 'answered', label: 'delivery_problem', promptVersion: 'ticket-triage.v1' });
    // The same well-formed answer is invalid for disposition: size_fit is not a disposition.
    const d = await provider('good').recommendDisposition({
      reasonText: 'too small', category: 'size_fit', returnValue: 40, deliveredAt: 0, requestedAt: 1, replacementInStock: true,
      supplierWarrantyActive: false, customerOrderCount: 3, customerReturnCount: 0, customerAccountAgeDays: 100,
    });
    expect(d).toMatchObject({ status: 'unavailable', reason: 'invalid_output', promptVersion: 'disposition.v1' });
  });
});
