import { expect } from 'vitest';
import type { TestApp } from '../support/app.js';

/**
 * Puts a rules document live the way operations does (four-eyes: one manager drafts and activates,
 * another approves) and returns the drafting manager's key.
 */
export async function activateRules(t: TestApp, body: unknown): Promise<string> {
  const [a, b] = [await t.keyFor('operations_manager'), await t.keyFor('operations_manager')];
  const d = await t.api('POST', '/v1/policies/rules/versions', a, { body, note: 'test rules' });
  expect(d.status, JSON.stringify(d.body)).toBe(201);
  expect((await t.api('POST', `/v1/policies/rules/versions/${d.body.version}/approve`, b, {})).status).toBe(200);
  expect((await t.api('POST', `/v1/policies/rules/versions/${d.body.version}/activate`, a, {})).status).toBe(200);
  t.app.policies.invalidate();
  return a;
}
