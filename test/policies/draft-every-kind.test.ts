import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, type TestApp } from '../support/app.js';

// SQLite is enough: what is checked is each kind's schema against change control, not the store.
const factory = storeFactories()[0]!;

describe('policy drafts of every kind', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('the live version of every kind, sent back as a draft, is accepted (change control sets the version number on every kind)', async () => {
    t = await startTestApp(factory);
    const author = await t.keyFor('operations_manager');
    const kinds = (await t.api('GET', '/v1/policies', author)).body.items as Array<{ kind: string; activeVersion: number }>;
    expect(kinds.length).toBeGreaterThanOrEqual(10);
    for (const k of kinds) {
      const live = (await t.api('GET', `/v1/policies/${k.kind}/versions/${k.activeVersion}`, author)).body;
      const draft = await t.api('POST', `/v1/policies/${k.kind}/versions`, author, { body: live.body, note: 'unchanged' });
      expect([k.kind, draft.status, draft.body.code ?? null], JSON.stringify(draft.body)).toEqual([k.kind, 201, null]);
      expect(draft.body).toMatchObject({ change: 'drafted', policy: { status: 'draft' } });
    }
  });
});
