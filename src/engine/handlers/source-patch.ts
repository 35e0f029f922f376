import type { EventHandler } from '../dispatch/handler.js';
import { patchedSource, sourcePatched, type SourcePatch } from '../../domain/masterdata/source.js';
import { buildCatalog } from '../../domain/events/all.js';
import type { EventCatalog } from '../../domain/events/catalog.js';
import { getSource, putSource } from '../../store/repos/masterdata.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { DomainError } from '../../domain/errors.js';
import { refuseUnauthorised } from './masterdata.js';

let catalog: EventCatalog | undefined;

/**
 * `source.patched`: merges the patch into the source record as it is in this transaction, so a patch
 * never writes back a member another patch changed meanwhile (the source's events run one after
 * another in log order). The caller (route, CLI) has checked the merge against the record it read;
 * should the record have changed since so that the merge is no longer a valid record (a kind changed
 * while a supplier binding was patched in), the patch fails here as E_CONFLICT and changes nothing (a
 * dead letter at once, as any master data change a handler cannot apply; the caller's PATCH is then
 * answered 409 E_INVALID_STATE naming it). Written and audited as an upsert's change.
 */
export const sourcePatchHandler: EventHandler = {
  type: sourcePatched.type,
  name: 'masterdata.source_patch',
  async handle({ tx, event, audit }) {
    await refuseUnauthorised(tx, event);
    const { id, patch } = event.payload as unknown as { id: string; patch: SourcePatch };
    const before = await getSource(tx, id);
    // A patch changes a record; it does not create one (whose kind and name it may not even carry).
    if (!before) throw new DomainError('E_NOT_FOUND', `no source ${id}`);
    const merged = patchedSource(before, patch, (catalog ??= buildCatalog()));
    // E_CONFLICT: the same on every attempt (the source's later events wait behind it), so dead at once.
    if (!merged.ok) throw new DomainError('E_CONFLICT', `source ${id} as it is now does not take this patch: ${merged.issues.map((i) => `${i.path} (${i.message})`).join(', ')}`, { issues: merged.issues });
    if (canonicalJson(before) === canonicalJson(merged.source)) return;
    await putSource(tx, merged.source, event.receivedAt);
    audit({ action: 'source.updated', subject: `source:${id}`, before, after: merged.source });
  },
};
