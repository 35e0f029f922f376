import type { OdooClient } from '../client.js';
import { OdooPermanentError } from '../errors.js';

/**
 * ISO currency code → Odoo `res.currency` id, for the `currency_id` of a move we create. Without it
 * Odoo books the move in the company's currency whatever the document's is (a EUR refund of 100
 * became 100 USD).
 *
 * Cache: an id once found is kept for the life of the cache (ids never change, and Odoo refuses to
 * delete a currency in use). "Not found" is NOT remembered: a row whose currency is missing dies at
 * once (permanent mapping error), so the only next lookup is the replay an operator starts after
 * activating the currency, and that replay must see it. A lookup in flight is shared, so concurrent
 * pushes of one database ask once. Inactive currencies are hidden by Odoo's default search (active_test),
 * which is what we want: Odoo databases carry every ISO currency, most of them archived.
 */
export class CurrencyIds {
  private readonly known = new Map<string, Promise<number | null>>();

  /** The id of the active currency `code`; a permanent `omniops.mapping` error when Odoo has none. */
  async idOf(client: OdooClient, code: string): Promise<number> {
    const iso = code.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(iso)) throw notMapped(client, `currency ${JSON.stringify(code)} is not an ISO 4217 code; the move cannot be booked in it`);
    let lookup = this.known.get(iso);
    if (!lookup) {
      lookup = searchActive(client, iso);
      this.known.set(iso, lookup);
      // A failed or empty lookup is forgotten, so the next attempt asks Odoo again.
      lookup.then((id) => { if (id === null) this.known.delete(iso); }, () => this.known.delete(iso));
    }
    const id = await lookup;
    if (id === null) {
      throw notMapped(client, `no active currency ${iso} in Odoo: activate ${iso} in Odoo (Accounting › Configuration › Currencies), then replay this delivery`);
    }
    return id;
  }
}

async function searchActive(client: OdooClient, iso: string): Promise<number | null> {
  const found = await client.call<Array<{ id: number }>>('res.currency', 'search_read', {
    domain: [['name', '=', iso]], fields: ['name'], limit: 1, order: 'id asc',
  });
  return found[0]?.id ?? null;
}

function notMapped(client: OdooClient, message: string): OdooPermanentError {
  // The same class and code as the delivery's other mapping gaps (no partner, no product): an operator fixes it.
  return new OdooPermanentError({ exceptionName: 'omniops.mapping', odooMessage: message, transport: client.transport });
}

/** One cache per Odoo database (url + database name): currency ids are the database's. */
const byDatabase = new Map<string, CurrencyIds>();

export function currencyIdsFor(url: string, database: string | null | undefined): CurrencyIds {
  const key = `${url.replace(/\/+$/, '')}|${database ?? ''}`;
  let c = byDatabase.get(key);
  if (!c) byDatabase.set(key, (c = new CurrencyIds()));
  return c;
}

/** Per connector instance, for callers that keep their client and pass no cache of their own. */
const byClient = new WeakMap<OdooClient, CurrencyIds>();

export function currencyIdsOf(client: OdooClient): CurrencyIds {
  let c = byClient.get(client);
  if (!c) byClient.set(client, (c = new CurrencyIds()));
  return c;
}
