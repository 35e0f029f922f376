import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodicDesk } from '../../src/demo/desk.js';

// The rhythm the demo's desks work to (src/demo/desk.ts): a round every so often until stopped; a
// failed round is counted and the next comes on time; starting again never leaves a timer running.
describe('a periodic demo desk', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('works a round each period until stopped; a failing round is handed over and the next one still comes', async () => {
    const failures: unknown[] = [];
    let rounds = 0;
    const desk = new PeriodicDesk(async () => {
      rounds++;
      if (rounds === 2) throw new Error('the API said no');
    }, (e) => failures.push(e));
    desk.start(1000);
    await vi.advanceTimersByTimeAsync(3500);
    expect(rounds).toBe(3);
    expect(failures.map((e) => (e as Error).message)).toEqual(['the API said no']);
    desk.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(rounds).toBe(3);
  });

  it('a round that throws before it awaits anything is handed over too', async () => {
    const failures: unknown[] = [];
    const desk = new PeriodicDesk(() => {
      throw new Error('no secret for the source');
    }, (e) => failures.push(e));
    desk.start(1000);
    await vi.advanceTimersByTimeAsync(2500);
    desk.stop();
    expect(failures).toHaveLength(2);
  });

  it('started twice, it keeps one rhythm, and one stop ends it', async () => {
    let rounds = 0;
    const desk = new PeriodicDesk(() => void rounds++);
    desk.start(1000);
    desk.start(1000);
    await vi.advanceTimersByTimeAsync(2500);
    expect(rounds).toBe(2);
    desk.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(rounds).toBe(2);
  });
});
