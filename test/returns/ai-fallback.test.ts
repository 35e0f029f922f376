import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { DAY, ReturnsWorld, T0, fakeApprovals } from './support.js';

/** An OpenAI-compatible chat-completions endpoint on 127.0.0.1 whose behaviour the model name picks. */
let server: Server;
let baseUrl: string;
const calls: string[] = [];
function completion(res: ServerResponse, content: string) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', model: 'fake-2025', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
}
beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      calls.push(body.model);
      const task = String(body.response_format?.json_schema?.name);
      if (body.model === 'slow') setTimeout(() => completion(res, JSON.stringify({ label: 'other', confidence: 0.9, rationale: 'late' })), 2_000);
      else if (body.model === 'garbage') completion(res, 'Sure! I think it is probably damaged.');
      else if (task === 'disposition') completion(res, JSON.stringify({ label: 'refund_without_return', confidence: 0.88, rationale: 'cheap and broken' }));
      else completion(res, JSON.stringify({ label: 'damaged_in_transit', confidence: 0.93, rationale: 'arrived broken' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

for (const factory of storeFactories()) {
  describe(`AI through its port, with fallback: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });
    const openai = (model: string) => ({ ai: { provider: 'openai', baseUrl, model, apiKey: 'sk-test', timeoutMs: 300, pollMs: 20 } });

    for (const [model, reason] of [['slow', 'timeout'], ['garbage', 'invalid_output']] as const) {
      it(`provider ${model}: the built-in classifier names the category, the rules decide the disposition, and the case says so`, async () => {
        fakeApprovals();
        await w.start(factory, { config: openai(model) });
        await w.deliveredOrder(`F-${model}`, [{ lineId: '1', sku: 'MUG', qty: 1, unitPrice: 10 }]);
        w.now = T0 + 3 * DAY;
        const c = await w.caseOf((await w.requestReturn({ externalOrderId: `F-${model}`, lines: [{ lineId: '1', qty: 1 }], reason: 'the mug arrived smashed into pieces' })).id);
        expect(c.classification).toMatchObject({ status: 'answered', label: 'damaged_in_transit', model: { id: 'omniops-builtin/return-reason' }, fallbackFrom: { reason, model: { id: model } } });
        expect(c.recommendation).toMatchObject({ status: 'unavailable', reason, model: { id: model }, promptVersion: 'disposition.v1' });
        expect(c.decision).toMatchObject({ decidedBy: 'rules', why: 'ai_unavailable', disposition: 'refund_without_return', rule: 'low_value' });
        expect(c.decision.rationale).toContain(`AI unavailable (${reason})`);
        // Value 10, no person needed: the refund goes out.
        expect(c.state).toBe('approved');
        expect(c.refund).toMatchObject({ state: 'sent', amount: 10 });
      });
    }

    it('a working remote provider decides, with prompt version, raw output and input digest recorded', async () => {
      const asked = fakeApprovals();
      calls.length = 0;
      await w.start(factory, { config: openai('good') });
      await w.deliveredOrder('F-good', [{ lineId: '1', sku: 'MUG', qty: 1, unitPrice: 10 }]);
      w.now = T0 + 3 * DAY;
      const c = await w.caseOf((await w.requestReturn({ externalOrderId: 'F-good', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' })).id);
      expect(c.classification).toMatchObject({ status: 'answered', label: 'damaged_in_transit', confidence: 0.93, model: { id: 'good', version: 'fake-2025' }, promptVersion: 'return-reason.v1' });
      expect(c.classification.raw).toContain('damaged_in_transit');
      expect(c.classification.fallbackFrom).toBeUndefined();
      expect(c.decision).toMatchObject({ decidedBy: 'ai', why: 'ai_confident', disposition: 'refund_without_return' });
      expect(asked[0]).toMatchObject({ subject: 'ai_recommendation', facts: { confidence: 0.88 } });
      // The answer is in the log (appended by the AI worker), which is what handlers and replays read.
      const classified = c.events.find((e: { type: string }) => e.type === 'return.classified');
      expect(classified).toMatchObject({ source: 'ai', status: 'processed' });
      expect(calls.filter((m) => m === 'good')).toHaveLength(2);
    });
  });
}
