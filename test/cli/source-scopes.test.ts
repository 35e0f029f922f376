import { afterEach, describe, expect, it } from 'vitest';
import { jsonOf, newDataDir, newSecretKey, removeDataDirs, runCli } from '../support/cli.js';

afterEach(() => removeDataDirs());

// Real CLI child processes (~2 s each, more beside other suites): a budget per process started.
describe('omniops sources add --types / --supplier, sources scope', () => {
  it('stores the scope, and refuses a type that is not inbound (exit 2, E_SCHEMA naming it)', async () => {
    const data = newDataDir();
    const env = { OMNIOPS_SECRET_KEY: newSecretKey() };
    const cli = (...args: string[]) => runCli([...args, '--data', data], { env });
    const mkt = await cli('sources', 'add', 'mkt', '--kind', 'marketplace', '--types', 'order.*, payment.*', '--json');
    expect(mkt.code, mkt.stderr).toBe(0);
    expect(jsonOf(mkt).source).toMatchObject({ id: 'mkt', kind: 'marketplace', eventTypes: ['order.*', 'payment.*'] });
    const sup = await cli('sources', 'add', 'sup-1-portal', '--kind', 'supplier', '--types', 'po.*,supplier.*', '--supplier', 'sup-1', '--json');
    expect(sup.code, sup.stderr).toBe(0);
    expect(jsonOf(sup).source).toMatchObject({ kind: 'supplier', eventTypes: ['po.*', 'supplier.*'], supplierId: 'sup-1' });
    const bad = await cli('sources', 'add', 'bad', '--kind', 'marketplace', '--types', 'order.placd', '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr)).toMatchObject({ code: 'E_SCHEMA', message: expect.stringContaining('order.placd') });
    const listed = await cli('sources', 'list', '--json');
    expect(jsonOf(listed).map((s: { id: string }) => s.id)).toEqual(['mkt', 'sup-1-portal']);
    // As text: what each may send, and for whom.
    const text = (await cli('sources', 'list')).stdout.split('\n');
    expect(text[0]).toMatch(/^id\s+name\s+kind\s+sends\s+supplier$/);
    expect(text.find((l) => l.startsWith('sup-1-portal'))).toMatch(/po\.\*,supplier\.\*\s+sup-1$/);
    // scope: changes the list only, through source.upserted; --all-types drops it.
    const narrowed = await cli('sources', 'scope', 'mkt', '--types', 'order.placed', '--json');
    expect(narrowed.code, narrowed.stderr).toBe(0);
    expect(jsonOf(narrowed)).toMatchObject({ id: 'mkt', kind: 'marketplace', eventTypes: ['order.placed'] });
    const wrong = await cli('sources', 'scope', 'mkt', '--supplier', 'sup-1', '--json');
    expect(wrong.code).toBe(2);
    expect(JSON.parse(wrong.stderr).code).toBe('E_SCHEMA');
    const opened = await cli('sources', 'scope', 'mkt', '--all-types', '--json');
    expect(opened.code, opened.stderr).toBe(0);
    expect(jsonOf(opened).eventTypes).toBeUndefined();
  }, 240_000);
});
