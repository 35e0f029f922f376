import { describe, expect, it } from 'vitest';
import {
  closedBreaker, DestinationBreakers, recordFailure, recordSuccess, requestPassage, type BreakerConfig, type BreakerState,
} from '../../../src/connectors/delivery/circuit-breaker.js';

const cfg: BreakerConfig = { failureThreshold: 3, cooldownMs: 30_000 };

describe('circuit breaker state machine', () => {
  it('opens after the threshold of consecutive failures, not before', () => {
    let s: BreakerState = closedBreaker;
    s = recordFailure(s, 0, cfg);
    s = recordFailure(s, 0, cfg);
    expect(s).toEqual({ status: 'closed', consecutiveFailures: 2 });
    expect(requestPassage(s, 0, cfg).allowed).toBe(true);
    s = recordFailure(s, 1000, cfg);
    expect(s).toEqual({ status: 'open', openedAt: 1000 });
  });

  it('a success resets the count', () => {
    let s: BreakerState = recordFailure(recordFailure(closedBreaker, 0, cfg), 0, cfg);
    s = recordSuccess(s);
    s = recordFailure(s, 0, cfg);
    expect(s).toEqual({ status: 'closed', consecutiveFailures: 1 });
  });

  it('refuses while open and says when to come back', () => {
    const open: BreakerState = { status: 'open', openedAt: 1000 };
    expect(requestPassage(open, 30_999, cfg)).toEqual({ allowed: false, state: open, retryAt: 31_000 });
  });

  it('after the cooldown lets exactly one probe through (half-open)', () => {
    const open: BreakerState = { status: 'open', openedAt: 1000 };
    const probe = requestPassage(open, 31_000, cfg);
    expect(probe).toEqual({ allowed: true, state: { status: 'half_open', probeInFlight: true } });
    expect(requestPassage(probe.state, 31_001, cfg).allowed).toBe(false);
  });

  it('the probe result decides: success closes, failure reopens for a new cooldown', () => {
    const half: BreakerState = { status: 'half_open', probeInFlight: true };
    expect(recordSuccess(half)).toEqual(closedBreaker);
    expect(recordFailure(half, 50_000, cfg)).toEqual({ status: 'open', openedAt: 50_000 });
  });
});

describe('DestinationBreakers', () => {
  it('keeps one breaker per origin, on the injected clock', () => {
    let now = 0;
    const b = new DestinationBreakers(cfg, () => now);
    const sick = DestinationBreakers.keyOf('https://sick.example.com/a?x=1');
    const fine = DestinationBreakers.keyOf('https://fine.example.com/b');
    expect(sick).toBe(DestinationBreakers.keyOf('https://sick.example.com/other'));
    for (let i = 0; i < 3; i++) b.failure(sick);
    expect(b.request(sick).allowed).toBe(false);
    expect(b.request(fine).allowed).toBe(true);
    now = 30_000;
    expect(b.request(sick).allowed).toBe(true);
    b.success(sick);
    expect(b.state(sick)).toEqual(closedBreaker);
  });
});
