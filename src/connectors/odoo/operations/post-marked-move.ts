import type { OdooClient } from '../client.js';
import { currencyIdsOf, type CurrencyIds } from './currency.js';

/** What pushing an accounting document did: the move, whether this push created and/or posted it. */
export interface MovePushResult {
  moveId: number;
  /** '/' until posted, then e.g. RINV/2026/00001 or RBILL/2026/00001. */
  name: string;
  state: string;
  created: boolean;
  posted: boolean;
  /** Other moves carrying the same marker (created by hand or by a lost answer): reported, not touched. */
  duplicateIds: number[];
}

type Found = { id: number; name: string; state: string };

/** The document's currency: its ISO code (none: Odoo's default, the company's), and where ids are cached. */
export interface MoveCurrency {
  code?: string | null;
  /** Defaults to a cache of this client instance (currency.ts). */
  currencies?: CurrencyIds;
}

/**
 * An account.move of `moveType` carrying our `marker` in `ref`, created once and posted once: the
 * marker is searched before create (a retried or replayed push creates nothing new), and the move is
 * posted only while it is a draft (a push that died between create and post finishes the job).
 * `vals` are the create values besides move_type, ref and currency_id. Customer and vendor credit notes share it.
 * The currency is resolved only when the move must be created (a move already there keeps its own),
 * and before the create: an unknown or archived currency fails the push with nothing made in Odoo.
 * Amounts are sent as they are: Odoo converts at its own rates when the currency is not the company's.
 */
export async function postMarkedMove(client: OdooClient, moveType: 'out_refund' | 'in_refund', marker: string, vals: Record<string, unknown>, currency: MoveCurrency = {}): Promise<MovePushResult> {
  const found = await client.call<Found[]>('account.move', 'search_read', {
    domain: [['move_type', '=', moveType], ['ref', '=', marker]],
    fields: ['name', 'state'],
    order: 'id asc',
  });
  let move = found[0];
  let created = false;
  if (!move) {
    const currencyId = currency.code ? await (currency.currencies ?? currencyIdsOf(client)).idOf(client, currency.code) : null;
    const [id] = await client.call<number[]>('account.move', 'create', {
      vals_list: [{ move_type: moveType, ...vals, ...(currencyId !== null ? { currency_id: currencyId } : {}), ref: marker }],
    });
    created = true;
    move = (await client.call<Found[]>('account.move', 'read', { ids: [id!], fields: ['name', 'state'] }))[0];
    if (!move) throw new Error(`account.move ${id} vanished right after create`);
  }
  let posted = false;
  if (move.state === 'draft') {
    await client.call('account.move', 'action_post', { ids: [move.id] });
    posted = true;
    move = (await client.call<Found[]>('account.move', 'read', { ids: [move.id], fields: ['name', 'state'] }))[0] ?? move;
  }
  return { moveId: move.id, name: move.name, state: move.state, created, posted, duplicateIds: found.slice(1).map((f) => f.id) };
}
