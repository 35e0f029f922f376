import type { Location } from './location.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** "HH:MM" → minutes after local midnight; a malformed cut-off is a configuration error, not a guess. */
export function parseCutoff(cutoff: string): number {
  // Asked for every location of every order, of a handful of distinct texts: parsed once each.
  let minutes = parsedCutoffs.get(cutoff);
  if (minutes === undefined) {
    const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(cutoff);
    if (!match) throw new RangeError(`cut-off "${cutoff}" is not HH:MM`);
    minutes = Number(match[1]) * 60 + Number(match[2]);
    if (parsedCutoffs.size >= 1000) parsedCutoffs.clear();
    parsedCutoffs.set(cutoff, minutes);
  }
  return minutes;
}
const parsedCutoffs = new Map<string, number>();

/** The instant (epoch ms) of the location's cut-off on the local day that contains `at`. */
export function cutoffOnLocalDay(location: Pick<Location, 'cutoff' | 'utcOffsetMinutes'>, at: number): number {
  const offset = location.utcOffsetMinutes * MINUTE;
  const localMidnight = Math.floor((at + offset) / DAY) * DAY;
  return localMidnight - offset + parseCutoff(location.cutoff) * MINUTE;
}

export function isBeforeCutoff(location: Pick<Location, 'cutoff' | 'utcOffsetMinutes'>, at: number): boolean {
  return at < cutoffOnLocalDay(location, at);
}

/**
 * When a parcel assigned at `from` is expected to leave: before the cut-off the location's time to ship
 * runs from now; after it the order waits for the next local day, so it leaves no earlier than
 * tomorrow's cut-off (and no earlier than its time to ship, for slow locations such as a 3PL).
 */
export function estimatedShipAt(location: Pick<Location, 'cutoff' | 'utcOffsetMinutes' | 'timeToShipMinutes'>, from: number): number {
  const ready = from + location.timeToShipMinutes * MINUTE;
  if (isBeforeCutoff(location, from)) return ready;
  return Math.max(ready, cutoffOnLocalDay(location, from) + DAY);
}
