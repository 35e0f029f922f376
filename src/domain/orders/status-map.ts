import { z } from 'zod';
import { ORDER_STATES, type OrderState } from './order-state.js';

/**
 * Each channel speaks its own status labels. The map turns them into the normalized states and back.
 * A label without a mapping is never guessed (no case folding, no "closest match"): it is returned as
 * E_UNKNOWN_STATUS so that it is recorded and surfaced, and someone extends the map.
 */
export const channelStatusMapSchema = z.object({
  source: z.string().min(1),
  /** Channel label → normalized state. Several labels may mean the same state. */
  toState: z.record(z.string().min(1), z.enum(ORDER_STATES)),
  /** Normalized state → the label omniops sends back; needed where several labels share a state. */
  toLabel: z.partialRecord(z.enum(ORDER_STATES), z.string().min(1)).optional(),
});
export type ChannelStatusMap = z.infer<typeof channelStatusMapSchema>;

export type StatusLookup<T> =
  | { ok: true; value: T }
  | { ok: false; code: 'E_UNKNOWN_STATUS'; source: string; detail: string };

export function normalizeStatus(map: ChannelStatusMap, label: string): StatusLookup<OrderState> {
  const state = Object.hasOwn(map.toState, label) ? map.toState[label] : undefined;
  if (state) return { ok: true, value: state };
  return { ok: false, code: 'E_UNKNOWN_STATUS', source: map.source, detail: `label "${label}" has no mapping` };
}

/**
 * The label to tell the channel. An explicit `toLabel` entry wins; otherwise the reverse of `toState`
 * is used only when exactly one label maps to the state, because picking one of several is a guess.
 */
export function externalStatus(map: ChannelStatusMap, state: OrderState): StatusLookup<string> {
  const explicit = map.toLabel?.[state];
  if (explicit) return { ok: true, value: explicit };
  const labels = Object.keys(map.toState).filter((label) => map.toState[label] === state);
  if (labels.length === 1) return { ok: true, value: labels[0] };
  const detail = labels.length === 0 ? `state "${state}" has no label` : `state "${state}" has several labels (${labels.join(', ')}) and no toLabel`;
  return { ok: false, code: 'E_UNKNOWN_STATUS', source: map.source, detail };
}
