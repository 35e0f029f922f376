import { describe, expect, it } from 'vitest';
import { SortedSample, robustZ } from '../../../src/domain/anomaly/robust.js';
import { seededRandom } from '../../../src/domain/anomaly/synthetic.js';

describe('SortedSample: a growing baseline scored without sorting it again', () => {
  it('gives exactly what robustZ gives over the same values, ties and odd or even sizes included', () => {
    const rand = seededRandom(5);
    let compared = 0;
    for (let run = 0; run < 200; run++) {
      const sample = new SortedSample();
      const values: number[] = [];
      const ties = run % 3 === 0;
      for (let i = 0; i < 50; i++) {
        const probe = rand() * 7;
        if (values.length > 0) {
          expect(sample.robustZ(probe, 0.05)).toEqual(robustZ(probe, values, 0.05));
          compared++;
        }
        const x = ties ? Math.floor(rand() * 4) : Math.log(1 + rand() * 500);
        values.push(x);
        sample.add(x);
        expect(sample.size).toBe(values.length);
      }
    }
    expect(compared).toBe(200 * 49);
  });
});
