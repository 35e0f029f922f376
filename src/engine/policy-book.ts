import type { Store, SqlExecutor } from '../store/port.js';
import { POLICY_KINDS, type PolicyKind, type PolicyKinds } from '../policy/registry.js';
import { activePolicies, insertPolicyVersion } from '../store/repos/policies.js';

/**
 * The active version of every policy kind, as the deciders see it. Each document's `version` field
 * is set to its stored version number, so every decision records exactly which version it used.
 * Cached briefly: activation by another process is seen within the TTL.
 */
export class PolicyBook {
  private cache: { at: number; byKind: Map<string, unknown> } | null = null;

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 2000,
  ) {}

  /** Seeds the SPEC defaults as version 1 of every kind that has none. */
  async seedDefaults(at = new Date().toISOString()): Promise<void> {
    await this.store.transaction(async (tx) => {
      for (const kind of Object.keys(POLICY_KINDS) as PolicyKind[]) {
        const doc = { ...(POLICY_KINDS[kind].defaults as object), version: '1' } as Record<string, unknown>;
        await insertPolicyVersion(tx, { kind, version: 1, status: 'active', doc, author: 'omniops-defaults', approvedBy: 'omniops-defaults', createdAt: at, activatedAt: at });
      }
    });
    this.cache = null;
  }

  /** The active policy; inside a transaction pass its executor so reads are consistent. */
  async get<K extends PolicyKind>(kind: K, db?: SqlExecutor): Promise<PolicyKinds[K]> {
    const now = Date.now();
    if (!this.cache || now - this.cache.at > this.ttlMs) {
      const rows = await activePolicies(db ?? this.store.read);
      this.cache = { at: now, byKind: new Map(rows.map((r) => [r.kind, { ...r.doc, version: String(r.version) }])) };
    }
    const doc = this.cache.byKind.get(kind);
    if (!doc) {
      // No active row yet (a store created before this kind existed): the defaults, marked as such.
      return { ...(POLICY_KINDS[kind].defaults as object), version: 'default' } as PolicyKinds[K];
    }
    return doc as PolicyKinds[K];
  }

  invalidate(): void {
    this.cache = null;
  }
}
