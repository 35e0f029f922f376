import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/stores.js';

describe('omniops classify / ai eval', () => {
  it('classify return and ticket print label, confidence, rationale and model as JSON', async () => {
    const r = await runCli(['classify', 'return', 'not damaged at all, just too small for me', '--json'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ label: 'size_fit', model: expect.stringMatching(/^omniops-builtin\/return-reason@tfidf-lr1\+/) });
    expect(out.confidence).toBeGreaterThan(0.5);
    expect(out.rationale).toContain('size_fit');

    const t = await runCli(['classify', 'ticket', 'I was charged twice for order 123-4567890-1234567', '--json'], { timeoutMs: 60_000 });
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ label: 'payment_billing', model: expect.stringContaining('ticket-category') });

    const bad = await runCli(['classify', 'parcel', 'x', '--json'], { timeoutMs: 60_000 });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr).code).toBe('E_SCHEMA');
  }, 120_000);

  it('--file classifies every line and keeps its id; a broken line is reported, not fatal', async () => {
    const file = join(tempDir(), 'in.jsonl');
    writeFileSync(file, ['{"id":"a","text":"the box arrived crushed and the lamp is broken"}', 'not json', '{"id":"b","text":"I ordered blue and got a red one"}', ''].join('\n'));
    const r = await runCli(['classify', 'return', '--file', file, '--json'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ id: 'a', label: 'damaged_in_transit' }),
      { line: 2, error: 'E_MALFORMED_JSON' },
      expect.objectContaining({ id: 'b', label: 'wrong_item' }),
    ]);
  }, 120_000);

  it('ai eval prints the held-out scores', async () => {
    const r = await runCli(['ai', 'eval', '--json'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.tasks.map((x: { task: string }) => x.task)).toEqual(['return-reason', 'ticket-category', 'ticket-priority']);
    for (const task of out.tasks) expect(task.macroF1).toBeGreaterThan(0.8);
    expect(out.anomaly.demand.recall).toBeGreaterThan(0.8);
  }, 180_000);
});
