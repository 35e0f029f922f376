import type { Role } from '../roles.js';
import type { SourceAttributes } from './source.js';

type SourceKind = SourceAttributes['kind'];

/**
 * Who may replace master data through its upsert event. An event carries either a person's role
 * (the API or the CLI put it there) or, from `/v1/events`, only the signing source, judged by its kind.
 *
 * - Roles: the REST routes (`PUT /v1/products|locations|sources|suppliers/{id}`) take theirs from
 *   here: a person who cannot change it there cannot change it by another path.
 * - Sources: the retailer's own systems may be the master of its catalogue and its store list (a shop
 *   platform or PIM behind the web store, the POS article and store file, the ERP, an internal
 *   system), so `web`, `pos`, `erp` and `system` sources may send products and locations. Outside
 *   parties (marketplaces, carriers, suppliers) and the service desk only read them: a marketplace or
 *   supplier that set our prices or costs would move margins past the approval rules.
 * - No source may send `source.upserted`: a source's record is the trust and translation of a channel
 *   (its kind, which decides the rows above, and its status map, which decides what its labels mean).
 *   Only the people who connect channels (SPEC §1: integrator; and admin) set it, for itself or any other.
 */
export const MASTER_DATA_AUTHORITY: Record<string, { roles: readonly Role[]; sourceKinds: readonly SourceKind[] }> = {
  'product.upserted': { roles: ['admin', 'operations_manager', 'category_manager'], sourceKinds: ['web', 'pos', 'erp', 'system'] },
  'location.upserted': { roles: ['admin', 'operations_manager'], sourceKinds: ['web', 'pos', 'erp', 'system'] },
  'source.upserted': { roles: ['admin', 'integrator'], sourceKinds: [] },
  // A patch of a source record changes what an upsert would: the same people.
  'source.patched': { roles: ['admin', 'integrator'], sourceKinds: [] },
  // A supplier's terms (unit costs, lead times) drive purchase orders and their approvals: the ERP or
  // an internal system may hold them, a supplier may not set its own.
  'supplier.upserted': { roles: ['admin', 'procurement', 'category_manager'], sourceKinds: ['erp', 'system'] },
};

/** The sender of an upsert: a person's role, or (no role) the kind of the signing source, null when it is not a known source. */
export type MasterDataSender = { role: string } | { role: null; sourceKind: SourceKind | null };

/** Null when the sender may send this upsert, else why not (the caller refuses with E_ROLE). */
export function masterDataRefusal(type: string, sender: MasterDataSender): string | null {
  const rule = MASTER_DATA_AUTHORITY[type];
  if (!rule) return `${type} is not a master data upsert`;
  if (sender.role !== null) {
    return (rule.roles as readonly string[]).includes(sender.role) ? null : `${type} needs one of the roles ${rule.roles.join(', ')} (not ${sender.role})`;
  }
  if (sender.sourceKind !== null && rule.sourceKinds.includes(sender.sourceKind)) return null;
  return rule.sourceKinds.length === 0
    ? `${type} is not accepted from a source; it needs one of the roles ${rule.roles.join(', ')}`
    : `${type} is accepted only from sources of kind ${rule.sourceKinds.join(', ')} (not ${sender.sourceKind ?? 'an unknown source'})`;
}
