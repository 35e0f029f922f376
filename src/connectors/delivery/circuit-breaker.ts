/**
 * A circuit breaker per destination, as a pure state machine: time comes in as `now` (epoch ms).
 * closed → (threshold consecutive failures) → open → (cooldown elapsed) → half-open, where one probe
 * goes through: its success closes the circuit, its failure opens it for another cooldown.
 */
export interface BreakerConfig {
  failureThreshold: number;
  cooldownMs: number;
}

export type BreakerState =
  | { status: 'closed'; consecutiveFailures: number }
  | { status: 'open'; openedAt: number }
  | { status: 'half_open'; probeInFlight: boolean };

export const closedBreaker: BreakerState = { status: 'closed', consecutiveFailures: 0 };

export type BreakerDecision =
  | { allowed: true; state: BreakerState }
  | { allowed: false; state: BreakerState; retryAt: number | null };

/** Asks to send; when allowed in half-open, the returned state records the probe as taken. */
export function requestPassage(state: BreakerState, now: number, cfg: BreakerConfig): BreakerDecision {
  if (state.status === 'closed') return { allowed: true, state };
  if (state.status === 'open') {
    const reopensAt = state.openedAt + cfg.cooldownMs;
    if (now < reopensAt) return { allowed: false, state, retryAt: reopensAt };
    return { allowed: true, state: { status: 'half_open', probeInFlight: true } };
  }
  if (state.probeInFlight) return { allowed: false, state, retryAt: null };
  return { allowed: true, state: { status: 'half_open', probeInFlight: true } };
}

export function recordSuccess(_state: BreakerState): BreakerState {
  return closedBreaker;
}

/** Only failures that say "the destination is unwell" should be recorded (see classifyAttempt). */
export function recordFailure(state: BreakerState, now: number, cfg: BreakerConfig): BreakerState {
  if (state.status === 'half_open') return { status: 'open', openedAt: now };
  if (state.status === 'open') return state;
  const failures = state.consecutiveFailures + 1;
  return failures >= cfg.failureThreshold ? { status: 'open', openedAt: now } : { status: 'closed', consecutiveFailures: failures };
}

/**
 * The breakers of all destinations, keyed by origin (scheme://host:port): one sick endpoint must not
 * stop deliveries to the others. The clock is injected.
 */
export class DestinationBreakers {
  private readonly states = new Map<string, BreakerState>();

  constructor(private readonly cfg: BreakerConfig, private readonly clock: () => number) {}

  static keyOf(url: string): string {
    return new URL(url).origin;
  }

  state(key: string): BreakerState {
    return this.states.get(key) ?? closedBreaker;
  }

  request(key: string): BreakerDecision {
    const d = requestPassage(this.state(key), this.clock(), this.cfg);
    this.states.set(key, d.state);
    return d;
  }

  success(key: string): void {
    this.states.set(key, recordSuccess(this.state(key)));
  }

  failure(key: string): void {
    this.states.set(key, recordFailure(this.state(key), this.clock(), this.cfg));
  }
}
