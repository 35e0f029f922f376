import type { Dialect } from '../port.js';
import type { Migration } from '../migrations.js';
import { spineSchema } from './001-spine.js';
import { ordersSchema } from './002-orders.js';
import { approvalsSchema } from './003-approvals.js';
import { returnsSchema } from './004-returns.js';
import { governanceSchema } from './005-governance.js';
import { integrationsSchema } from './006-integrations.js';
import { sessionsSchema } from './007-sessions.js';
import { clusterSchema } from './008-cluster.js';
import { capacitySchema } from './010-capacity.js';
import { replenishmentSchema } from './009-replenishment.js';
import { outboxOrderSchema } from './011-outbox-order.js';
import { backlogAgeSchema } from './012-backlog-age.js';
import { outboxLeasesSchema } from './013-outbox-leases.js';
import { leanIndexesSchema } from './014-lean-indexes.js';
import { dirtyGenerationSchema } from './015-dirty-generation.js';
import { outboxExpirySchema } from './016-outbox-expiry.js';
import { dashboardIndexesSchema } from './017-dashboard-indexes.js';
import { collectionWindowSchema } from './018-collection-window.js';
import { countTimeSchema } from './019-count-time.js';
import { receiptTimeSchema } from './020-receipt-time.js';
import { retryPlaceSchema } from './021-retry-place.js';
import { kpiIndexesSchema } from './022-kpi-indexes.js';

/** Every migration in order. Append only: never edit one that has shipped. */
export function migrationsFor(dialect: Dialect): Migration[] {
  return [
    { version: 1, name: 'spine', sql: spineSchema(dialect) },
    { version: 2, name: 'orders', sql: ordersSchema(dialect) },
    { version: 3, name: 'approvals', sql: approvalsSchema(dialect) },
    { version: 4, name: 'returns', sql: returnsSchema(dialect) },
    { version: 5, name: 'governance', sql: governanceSchema(dialect) },
    { version: 6, name: 'integrations', sql: integrationsSchema(dialect) },
    { version: 7, name: 'sessions', sql: sessionsSchema(dialect) },
    { version: 8, name: 'cluster', sql: clusterSchema(dialect) },
    { version: 9, name: 'replenishment', sql: replenishmentSchema(dialect) },
    { version: 10, name: 'capacity', sql: capacitySchema(dialect) },
    { version: 11, name: 'outbox-order', sql: outboxOrderSchema(dialect) },
    { version: 12, name: 'backlog-age', sql: backlogAgeSchema(dialect) },
    { version: 13, name: 'outbox-leases', sql: outboxLeasesSchema(dialect) },
    { version: 14, name: 'lean-indexes', sql: leanIndexesSchema(dialect) },
    { version: 15, name: 'dirty-generation', sql: dirtyGenerationSchema(dialect) },
    { version: 16, name: 'outbox-expiry', sql: outboxExpirySchema(dialect) },
    { version: 17, name: 'dashboard-indexes', sql: dashboardIndexesSchema(dialect) },
    { version: 18, name: 'collection-window', sql: collectionWindowSchema(dialect) },
    { version: 19, name: 'count-time', sql: countTimeSchema(dialect) },
    { version: 20, name: 'receipt-time', sql: receiptTimeSchema(dialect) },
    { version: 21, name: 'retry-place', sql: retryPlaceSchema(dialect) },
    { version: 22, name: 'kpi-indexes', sql: kpiIndexesSchema(dialect) },
  ];
}
