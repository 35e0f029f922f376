import type { SqlExecutor } from '../../store/port.js';
import { auditHead, auditPage } from '../../store/repos/audit.js';
import { GENESIS_HASH, linkHash } from './entry.js';

export type AuditBreak = 'hash_mismatch' | 'broken_link' | 'gap' | 'head_mismatch';

export type AuditVerdict =
  | { ok: true; count: number; headHash: string }
  | { ok: false; count: number; firstBadSeq: number; reason: AuditBreak };

/**
 * Where a walk has got to: the next seq it expects, the hash that entry must link to (null: the
 * walk started mid-chain and trusts its first entry's link), and how many entries it found good.
 */
export interface AuditWalk {
  expectedSeq: number;
  prev: string | null;
  count: number;
}

type Broken = { firstBadSeq: number; reason: AuditBreak };

/**
 * Walks the chain in pages. `count` is how many entries were verified good before the verdict.
 * A deleted last entry is caught by comparing with the head row, which every append updates —
 * read after the walk, which entries appended meanwhile do not fool (`settleWithHead`).
 */
export async function verifyAuditChain(db: SqlExecutor, pageSize = 5000): Promise<AuditVerdict> {
  const walk: AuditWalk = { expectedSeq: 1, prev: GENESIS_HASH, count: 0 };
  const end = (await walkAudit(db, walk, pageSize)) ?? (await settleWithHead(db, walk, pageSize));
  if ('reason' in end) return { ok: false, count: walk.count, ...end };
  return { ok: true, count: walk.count, headHash: end.head.hash };
}

/**
 * Verifies entries from `walk.expectedSeq` on — to the end of the chain, or up to `through` — and
 * moves `walk` past each good one. Null when every entry read was good.
 */
export async function walkAudit(db: SqlExecutor, walk: AuditWalk, pageSize: number, through = Number.POSITIVE_INFINITY): Promise<Broken | null> {
  while (walk.expectedSeq <= through) {
    const page = await auditPage(db, walk.expectedSeq - 1, Math.min(pageSize, through - walk.expectedSeq + 1));
    if (page.length === 0) return null;
    for (const e of page) {
      if (e.seq !== walk.expectedSeq) return { firstBadSeq: walk.expectedSeq, reason: 'gap' };
      if (walk.prev !== null && e.prevHash !== walk.prev) return { firstBadSeq: e.seq, reason: 'broken_link' };
      if (linkHash(e.seq, e.prevHash, e) !== e.hash) return { firstBadSeq: e.seq, reason: 'hash_mismatch' };
      walk.prev = e.hash;
      walk.expectedSeq++;
      walk.count++;
    }
  }
  return null;
}

/**
 * Compares a walk that reached the end of the chain with the head row, the last step of a verification.
 *
 * Why not simply "the head must be the last entry walked": the API and CLI verify on `longReads`,
 * not in a snapshot, so each statement sees the latest commit, and appends go on meanwhile. An
 * append writes its entries and moves the head in one transaction, under the head's lock, so in
 * every committed state the head is the chain's last entry, and states only move forward. Hence:
 * - head below the last entry walked: no committed state looks like that → a real mismatch
 *   (the head reset or rewritten lower, or entries added without it);
 * - head ahead: appends committed after the walk's last page — or the last entries were deleted.
 *   The head was read together with its entries, so a read now must find each of them: walk on
 *   up to the head (only the new entries, one round; anything appended later is left for the next
 *   verification, so a busy server cannot keep the walk chasing). None found there, or a hole → a
 *   real mismatch (gap);
 * - then the head's hash must be the hash of the entry it names, which is what a good walk returns.
 * The alternative, one `store.snapshot` for the whole walk, was not taken: on SQLite a read
 * transaction held for seconds stops a checkpoint from resetting the WAL, and on PostgreSQL a long
 * REPEATABLE READ holds back vacuum; this needs one extra statement and works on any executor
 * (a snapshot, a transaction, `longReads`).
 */
export async function settleWithHead(db: SqlExecutor, walk: AuditWalk, pageSize: number): Promise<Broken | { head: { seq: number; hash: string } }> {
  const head = await auditHead(db);
  if (head.seq > walk.expectedSeq - 1) {
    const broken = await walkAudit(db, walk, pageSize, head.seq);
    if (broken) return broken;
  }
  const last = walk.expectedSeq - 1;
  if (head.seq !== last || (walk.prev !== null && head.hash !== walk.prev)) {
    return { firstBadSeq: Math.min(head.seq, last) + 1, reason: 'head_mismatch' };
  }
  return { head };
}
