import { Cron } from 'croner';

/**
 * Scheduler math over cron expressions, pure: every function takes the instants it reasons about
 * (croner only computes dates here; no job is started because no callback is given).
 */

export type CronCheck = { ok: true } | { ok: false; message: string };

export function validateCron(expr: string, timezone = 'UTC'): CronCheck {
  try {
    const cron = new Cron(expr, { timezone });
    // Constructing validates the fields; computing a run validates the timezone and impossible dates (Feb 30).
    if (cron.nextRun(new Date(0)) === null) return { ok: false, message: `cron '${expr}' never fires` };
    return { ok: true };
  } catch (e) {
    return { ok: false, message: `invalid cron '${expr}': ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Whether `at` is exactly one of the expression's slots (to the second). */
export function isCronSlot(expr: string, at: number, timezone = 'UTC'): boolean {
  try {
    return at % 1000 === 0 && new Cron(expr, { timezone }).match(new Date(at));
  } catch {
    return false;
  }
}

export type SlotDecision =
  /** Fire `slot` now. `missedEarlier`: older slots since lastFiredAt were collapsed into this one. */
  | { kind: 'due'; slot: number; missedEarlier: boolean; nextAt: number | null }
  | { kind: 'not_due'; nextAt: number | null }
  | { kind: 'invalid'; message: string };

/**
 * The single slot to fire now: the latest slot s with lastFiredAt < s ≤ now. After downtime a
 * control runs once for all the slots it missed, not once per slot: a catch-up burst of identical
 * sweeps would only repeat the same work against the same current state.
 *
 * `lastFiredAt` is the slot that fired last; for a rule that has never fired, pass the instant it was
 * activated (so a new rule does not fire for slots before it existed).
 */
export function dueSlots(cronExpr: string, lastFiredAt: number, now: number, timezone = 'UTC'): SlotDecision {
  let cron: Cron;
  try {
    cron = new Cron(cronExpr, { timezone });
  } catch (e) {
    return { kind: 'invalid', message: `invalid cron '${cronExpr}': ${e instanceof Error ? e.message : String(e)}` };
  }
  try {
    const nextAfterNow = cron.nextRun(new Date(now));
    const nextAt = nextAfterNow ? nextAfterNow.getTime() : null;
    // previousRuns is exclusive of its reference; +1 ms makes a slot exactly at `now` count as due.
    const latest = cron.previousRuns(1, new Date(now + 1))[0];
    if (latest === undefined || latest.getTime() <= lastFiredAt) return { kind: 'not_due', nextAt };
    const firstAfterLast = cron.nextRun(new Date(lastFiredAt));
    const missedEarlier = firstAfterLast !== null && firstAfterLast.getTime() < latest.getTime();
    return { kind: 'due', slot: latest.getTime(), missedEarlier, nextAt };
  } catch (e) {
    return { kind: 'invalid', message: `cron '${cronExpr}' (${timezone}): ${e instanceof Error ? e.message : String(e)}` };
  }
}
