// Shared by the console's browser tests of return cases and supplier claims: the returns world they
// start before their tests (and close after them), the staff who sign in, the browser they drive.
import { afterAll, beforeAll, expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { StoreFactory } from '../support/stores.js';
import { addUser } from '../../src/engine/identity/users.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { ReturnsWorld, T0, DAY, fakeApprovals, scriptedAi } from '../returns/support.js';
import { launchChromium, signIn } from './setup.js';

const ADMIN = { id: 'test', role: 'admin' };

export interface ReturnsConsole {
  readonly w: ReturnsWorld;
  /** A page signed in as one of the staff, at `hash` if given. */
  signIn(name: string, hash?: string): Promise<{ ctx: BrowserContext; page: Page }>;
}

/**
 * Registers the file's set-up and tear-down: the returns world started with the AI answering as
 * scripted and approvals as the SPEC's defaults, the staff added (name, role; password
 * `<name>-password`), `seed` run (given each staff member's API key by name, for what they do through
 * the API), then the browser launched. Call it inside the describe.
 */
export function returnsConsole(
  factory: StoreFactory,
  opts: { ai: Parameters<typeof scriptedAi>[0]; staff: ReadonlyArray<readonly [name: string, role: string]> },
  seed: (w: ReturnsWorld, keyOf: (name: string) => string) => Promise<void>,
): ReturnsConsole {
  const w = new ReturnsWorld();
  let browser: Browser | undefined;

  beforeAll(async () => {
    fakeApprovals();
    await w.start(factory, { ai: scriptedAi(opts.ai) });
    const keys = new Map<string, string>();
    for (const [name, role] of opts.staff) keys.set(name, (await addUser(w.t.app.store, ADMIN, name, role, `${name}-password`)).apiKey);
    await seed(w, (name) => keys.get(name) ?? expect.fail(`no staff member ${name}`));
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    useApprovalEngine(null);
    await browser?.close();
    await w.t?.close();
  });

  return { w, signIn: (name, hash = '') => signIn(browser!, w.t.url, name, hash) };
}

/**
 * A delivered order of one unit (line 1), returned two days after T0 for `reason`: the id of the
 * case the engine opened, which must have come to `state`.
 */
export async function returnedCase(w: ReturnsWorld, ext: string, line: { sku: string; unitPrice: number }, reason: string, state: string): Promise<string> {
  await w.deliveredOrder(ext, [{ lineId: '1', sku: line.sku, qty: 1, unitPrice: line.unitPrice }]);
  w.now = T0 + 2 * DAY;
  const id = (await w.requestReturn({ externalOrderId: ext, lines: [{ lineId: '1', qty: 1 }], reason })).id as string;
  expect((await w.caseOf(id)).state).toBe(state);
  return id;
}
