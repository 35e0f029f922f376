import { afterEach, describe, expect, it } from 'vitest';
import { jsonOf, newDataDir, newSecretKey, removeDataDirs, runCli } from '../support/cli.js';

afterEach(() => removeDataDirs());

// `sources scope` sends the same merge patch as PATCH /v1/sources/{id} (source.patched): what a flag
// names changes, the rest of the record stays.
describe('omniops sources scope changes only what its flags name', () => {
  it('--types keeps the supplier binding, --no-supplier keeps the types; an unknown source is E_NOT_FOUND', async () => {
    const data = newDataDir();
    const env = { OMNIOPS_SECRET_KEY: newSecretKey() };
    const cli = (...args: string[]) => runCli([...args, '--data', data], { env });
    expect((await cli('sources', 'add', 'portal', '--kind', 'supplier', '--types', 'po.*', '--supplier', 'sup-1', '--json')).code).toBe(0);
    const narrowed = await cli('sources', 'scope', 'portal', '--types', 'po.confirmed,supplier.*', '--json');
    expect(narrowed.code, narrowed.stderr).toBe(0);
    expect(jsonOf(narrowed)).toEqual({ id: 'portal', name: 'portal', kind: 'supplier', statusMap: {}, eventTypes: ['po.confirmed', 'supplier.*'], supplierId: 'sup-1' });
    const unbound = await cli('sources', 'scope', 'portal', '--no-supplier', '--json');
    expect(unbound.code, unbound.stderr).toBe(0);
    expect(jsonOf(unbound)).toEqual({ id: 'portal', name: 'portal', kind: 'supplier', statusMap: {}, eventTypes: ['po.confirmed', 'supplier.*'] });
    const unknown = await cli('sources', 'scope', 'nobody', '--types', 'po.*', '--json');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr).code).toBe('E_NOT_FOUND');
  }, 240_000);
});
