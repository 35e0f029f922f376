import { describe, expect, it } from 'vitest';
import { preferredOwner } from '../../src/transport/partition.js';

const owners = (workers: readonly string[], partitions: number) => Array.from({ length: partitions }, (_, p) => preferredOwner(p, workers));
const share = (workers: readonly string[], partitions: number) => workers.map((w) => owners(workers, partitions).filter((o) => o === w).length);

describe('which worker owns a partition (rendezvous hashing)', () => {
  it('workers named alike (<host>-<pid>, pids next to each other) share the partitions', () => {
    // The weights were FNV-1a of "<id>#<p>": such ids ranked alike for every partition, one worker owned all.
    let oneOwnedAll = 0;
    let largest = 0;
    for (let pid = 3800; pid < 3900; pid++) {
      const s = share([`vm-${pid}`, `vm-${pid + 30}`], 16);
      if (s.includes(16)) oneOwnedAll++;
      largest += Math.max(...s);
    }
    expect(oneOwnedAll).toBe(0);
    // About half each on average (a fair coin per partition: the larger share averages ~9.6 of 16).
    expect(largest / 100).toBeLessThan(11);
    expect(share(['vm-3872', 'vm-3902'], 8).every((n) => n > 0)).toBe(true);
  });

  it('three workers each get some of 16 partitions, and every partition has exactly one preferred owner', () => {
    const workers = ['node-a-1001', 'node-a-1002', 'node-a-1003'];
    const o = owners(workers, 16);
    expect(o.every((x) => workers.includes(x!))).toBe(true);
    expect(share(workers, 16).every((n) => n >= 2)).toBe(true);
  });

  it('a worker leaving moves only its own partitions; one joining takes only what it wins', () => {
    const three = ['w-1', 'w-2', 'w-3'];
    const before = owners(three, 32);
    const after = owners(['w-1', 'w-3'], 32);
    before.forEach((o, p) => { if (o !== 'w-2') expect(after[p]).toBe(o); });
    const joined = owners([...three, 'w-4'], 32);
    joined.forEach((o, p) => { if (o !== 'w-4') expect(o).toBe(before[p]); });
    expect(joined.filter((o) => o === 'w-4').length).toBeGreaterThan(0);
  });

  it('no workers, no owner; the same inputs give the same owner in any order of the list', () => {
    expect(preferredOwner(0, [])).toBeUndefined();
    expect(owners(['b', 'a', 'c'], 8)).toEqual(owners(['c', 'b', 'a'], 8));
  });
});
