import type { Store, Tx } from '../../store/port.js';
import { appendAudit } from '../../store/repos/audit.js';
import { digestOf } from '../../domain/canonical-json.js';
import type { AuditNote } from '../dispatch/handler.js';
import type { AuditEntry } from './entry.js';

export interface Actor {
  id: string;
  role: string;
}

/**
 * A privileged call outside the event flow (adding a user, rotating a secret, replaying a dead
 * letter): its writes and its audit entries commit together or not at all.
 */
export async function auditedTransaction<T>(
  store: Store,
  actor: Actor,
  fn: (tx: Tx, audit: (note: AuditNote) => void) => Promise<T>,
  clock: () => number = Date.now,
): Promise<T> {
  return store.transaction(async (tx) => {
    const notes: AuditNote[] = [];
    const result = await fn(tx, (n) => notes.push(n));
    const at = new Date(clock()).toISOString();
    const entries: AuditEntry[] = notes.map((n) => ({
      at,
      actor: actor.id,
      role: actor.role,
      action: n.action,
      subject: n.subject,
      beforeDigest: n.before === undefined ? null : digestOf(n.before),
      afterDigest: n.after === undefined ? null : digestOf(n.after),
      detail: n.detail ?? null,
    }));
    await appendAudit(tx, entries);
    return result;
  });
}
