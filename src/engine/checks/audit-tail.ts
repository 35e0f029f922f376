import type { SqlExecutor } from '../../store/port.js';
import { auditHead, auditPage } from '../../store/repos/audit.js';
import { GENESIS_HASH, linkHash } from '../audit/entry.js';
import { settleWithHead, walkAudit, type AuditWalk } from '../audit/verify.js';
import type { AuditChainVerdict } from '../../domain/checks/index.js';

/** Where a walk of the chain ended good: the entry a later walk starts from. */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
}

export type AuditTailVerdict = AuditChainVerdict & {
  /** The first entry walked (1 = the whole chain). */
  from: number;
  /** The head the walk reached, when the chain was good: the next run's checkpoint. */
  through?: AuditCheckpoint;
};

/**
 * The audit chain's walk for the scheduled check: from the previous run's checkpoint to the head —
 * an hour of entries — instead of the whole chain, which grows for ever (80,000 entries at 20,000
 * orders, 3.5 s) and would be walked while the tick holds SQLite's write lock. The checkpoint entry
 * must still carry the hash it had, and match it (a chain rewritten up to there is caught); entries after it must
 * link and hash as `verifyAuditChain` checks; the head must be the last one (read after the walk, as
 * there: an entry appended during the walk is walked, not a mismatch). At most `maxEntries`
 * are walked: without a checkpoint (the first run), or after a burst, the walk starts that far
 * below the head, trusting the link of its first entry. An entry changed below the checkpoint
 * without rewriting the chain after it is found only by the full walk: `omniops check`,
 * `GET /v1/checks`, `omniops audit verify`.
 */
export async function verifyAuditTail(db: SqlExecutor, since: AuditCheckpoint | null, maxEntries = 10_000, pageSize = 5000): Promise<AuditTailVerdict> {
  const head = await auditHead(db);
  if (since && since.seq > head.seq) return { ok: false, count: 0, firstBadSeq: head.seq + 1, reason: 'head_mismatch', from: since.seq };
  const start = Math.max(since?.seq ?? 0, head.seq - maxEntries);
  let prev: string | null = start === 0 ? GENESIS_HASH : null;
  if (since && start === since.seq && since.seq > 0) {
    const [at] = await auditPage(db, since.seq - 1, 1);
    if (!at || at.seq !== since.seq || at.hash !== since.hash || linkHash(at.seq, at.prevHash, at) !== at.hash) return { ok: false, count: 0, firstBadSeq: since.seq, reason: 'hash_mismatch', from: since.seq };
    prev = since.hash;
  }
  // The head read above only places the start; the walk ends against a head read after it
  // (`settleWithHead`): entries appended meanwhile are not a mismatch.
  const walk: AuditWalk = { expectedSeq: start + 1, prev, count: 0 };
  const end = (await walkAudit(db, walk, pageSize)) ?? (await settleWithHead(db, walk, pageSize));
  if ('reason' in end) return { ok: false, count: walk.count, ...end, from: start + 1 };
  return { ok: true, count: walk.count, from: start + 1, through: { seq: end.head.seq, hash: end.head.hash } };
}
