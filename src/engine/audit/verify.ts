import type { SqlExecutor } from '../../store/port.js';
import { auditHead, auditPage } from '../../store/repos/audit.js';
import { GENESIS_HASH, linkHash } from './entry.js';

export type AuditVerdict =
  | { ok: true; count: number; headHash: string }
  | { ok: false; count: number; firstBadSeq: number; reason: 'hash_mismatch' | 'broken_link' | 'gap' | 'head_mismatch' };

/**
 * Walks the chain in pages. `count` is how many entries were verified good before the verdict.
 * A deleted last entry is caught by comparing with the head row, which every append updates.
 */
export async function verifyAuditChain(db: SqlExecutor, pageSize = 5000): Promise<AuditVerdict> {
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  let count = 0;
  for (;;) {
    const page = await auditPage(db, expectedSeq - 1, pageSize);
    if (page.length === 0) break;
    for (const e of page) {
      if (e.seq !== expectedSeq) return { ok: false, count, firstBadSeq: expectedSeq, reason: 'gap' };
      if (e.prevHash !== prev) return { ok: false, count, firstBadSeq: e.seq, reason: 'broken_link' };
      if (linkHash(e.seq, e.prevHash, e) !== e.hash) return { ok: false, count, firstBadSeq: e.seq, reason: 'hash_mismatch' };
      prev = e.hash;
      expectedSeq++;
      count++;
    }
  }
  const head = await auditHead(db);
  if (head.seq !== count || head.hash !== prev) {
    return { ok: false, count, firstBadSeq: Math.min(head.seq, count) + 1, reason: 'head_mismatch' };
  }
  return { ok: true, count, headHash: prev };
}
