import type { SqlExecutor } from '../../store/port.js';
import { locationUpserted, type Location } from '../../domain/masterdata/location.js';
import { DomainError } from '../../domain/errors.js';
import { getLocation } from '../../store/repos/masterdata.js';
import { newestPendingOf } from '../../store/repos/events.js';
import { tillStoreRefusal, type TillStoreRefusal } from '../../connectors/channels/pos.js';
import { refuseUnauthorised } from '../handlers/masterdata.js';

/**
 * Why a till batch's sales cannot be booked at `storeId`, judged by the store the engine will see when
 * it reaches them, or undefined when they can. The engine dispatches in log order, and the batch goes
 * into the log after everything already accepted: a store's `location.upserted` accepted a moment ago
 * (a store's opening day: registered, then its first till batch) is processed before the batch's
 * sales, so it counts as the store here. The processed master data is read first; only when it
 * refuses is the log read (the newest waiting upsert of the location, through the subject index), so
 * a batch at a known store costs one read, as before.
 *
 * A waiting upsert counts only if its sender may send it (`MASTER_DATA_AUTHORITY`, what the handler
 * judges it by): one that will be refused is dead with E_ROLE before the sales run. A dead one is not
 * waiting. Without a waiting upsert the master data is read again: the engine may have processed the
 * upsert between the two reads.
 */
export async function tillStoreRefusalAhead(db: SqlExecutor, storeId: string): Promise<TillStoreRefusal | undefined> {
  const refusal = tillStoreRefusal(await getLocation(db, storeId));
  if (!refusal) return undefined;
  const waiting = await waitingLocation(db, storeId);
  if (waiting) return tillStoreRefusal(waiting);
  return tillStoreRefusal(await getLocation(db, storeId));
}

async function waitingLocation(db: SqlExecutor, storeId: string): Promise<Location | undefined> {
  const subject = locationUpserted.subject({ id: storeId } as Parameters<typeof locationUpserted.subject>[0], { source: '' });
  const upsert = await newestPendingOf(db, subject, locationUpserted.type);
  // A sender may name a subject of its own: only an upsert of this location counts.
  if (!upsert || upsert.payload.id !== storeId) return undefined;
  try {
    await refuseUnauthorised(db, upsert);
  } catch (e) {
    if (e instanceof DomainError && e.code === 'E_ROLE') return undefined;
    throw e;
  }
  return upsert.payload as unknown as Location;
}
