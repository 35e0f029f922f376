import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/engine/intake/group-commit.js';

/** A commit function the test completes by hand, group by group. */
function manualCommits() {
  const out: Array<{ items: number[]; done(): void }> = [];
  const commit = (items: number[]) => new Promise<number[]>((resolve) => out.push({ items, done: () => resolve(items.map((i) => i * 10)) }));
  return { out, commit };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('group commit', () => {
  it('one group out at a time: what arrives meanwhile waits and goes as the next group', async () => {
    const { out, commit } = manualCommits();
    const g = new GroupCommit<number, number>(commit, 100);
    const a = g.submit(1);
    await turn();
    const b = Promise.all([g.submit(2), g.submit(3)]);
    await turn();
    expect(out.map((c) => c.items)).toEqual([[1]]);
    out[0]!.done();
    expect(await a).toBe(10);
    await turn();
    expect(out.map((c) => c.items)).toEqual([[1], [2, 3]]);
    out[1]!.done();
    expect(await b).toEqual([20, 30]);
  });

  it('with several allowed out, the next group goes while the first is still out, never more than allowed', async () => {
    const { out, commit } = manualCommits();
    const g = new GroupCommit<number, number>(commit, 100, undefined, () => 2);
    const answers: number[] = [];
    for (const i of [1, 2, 3]) {
      void g.submit(i).then((x) => answers.push(x));
      await turn();
    }
    expect(out.map((c) => c.items)).toEqual([[1], [2]]); // the third waits: two are out
    out[1]!.done(); // groups may complete out of order; each is answered by its own commit
    await turn();
    await turn();
    expect(answers).toEqual([20]);
    expect(out.map((c) => c.items)).toEqual([[1], [2], [3]]);
    out[0]!.done();
    out[2]!.done();
    await turn();
    expect(answers.sort()).toEqual([10, 20, 30]);
  });
});
