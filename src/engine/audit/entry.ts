import { canonicalJson, sha256Hex } from '../../domain/canonical-json.js';

/** What happened, who did it and what it changed: the content of one link of the chain. */
export interface AuditEntry {
  at: string;
  actor: string;
  role: string;
  action: string;
  subject: string;
  beforeDigest: string | null;
  afterDigest: string | null;
  detail?: Record<string, unknown> | null;
}

export interface ChainedAuditEntry extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/**
 * A link's hash covers its own sequence number, its content and the previous link's hash, so a
 * changed row, a deleted row and two swapped rows all break the chain at the first affected row.
 */
export function linkHash(seq: number, prevHash: string, e: AuditEntry): string {
  return sha256Hex(
    `${seq}\n${prevHash}\n` +
      canonicalJson({
        at: e.at,
        actor: e.actor,
        role: e.role,
        action: e.action,
        subject: e.subject,
        beforeDigest: e.beforeDigest,
        afterDigest: e.afterDigest,
        detail: e.detail ?? null,
      }),
  );
}
