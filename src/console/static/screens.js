// The screen registry: name (hash route), sidebar group, the API route a screen needs (what the
// role may call decides whether it shows; whether the server has it decides "not available").
import { overview } from './overview.js';
import { approvals, exceptions, returnsList } from './work.js';
import { orders } from './orders.js';
import { replenishment } from './replenishment.js';
import { inventory, integrations, policies, audit } from './ops.js';
import { anomalies, ANOMALIES_ROUTE } from './anomalies.js';
import { supplierClaims, SUPPLIER_CLAIMS_ROUTE } from './claims.js';

export const SCREENS = [
  { name: 'overview', title: 'Overview', group: 'Monitor', requires: 'GET /v1/dashboard', render: overview },
  { name: 'approvals', title: 'Approvals', group: 'Work', requires: 'GET /v1/approvals', render: approvals },
  { name: 'exceptions', title: 'Exception queues', group: 'Work', requires: 'GET /v1/exceptions', render: exceptions },
  { name: 'orders', title: 'Orders', group: 'Work', requires: 'GET /v1/orders', render: orders },
  { name: 'returns', title: 'Returns', group: 'Work', requires: 'GET /v1/returns', render: returnsList },
  // The buyers' worklist: procurement and category managers answer claims but do not read return cases.
  { name: 'supplier-claims', title: 'Supplier claims', group: 'Work', requires: SUPPLIER_CLAIMS_ROUTE, render: supplierClaims },
  // Transfers are the one part the warehouse reads (recommendations are not): the screen shows for
  // every role of GET /v1/transfers (the readers of recommendations and the warehouse); each part checks its own route.
  { name: 'replenishment', title: 'Replenishment', group: 'Work', requires: 'GET /v1/transfers', render: replenishment },
  { name: 'inventory', title: 'Inventory', group: 'Monitor', requires: 'GET /v1/stock', render: inventory },
  // Its own screen rather than a part of Inventory: half of the findings are about orders, and the
  // fraud reviewers who read them have no business on the stock screen.
  { name: 'anomalies', title: 'Anomalies', group: 'Monitor', requires: ANOMALIES_ROUTE, render: anomalies },
  { name: 'integrations', title: 'Integrations', group: 'Monitor', requires: 'GET /v1/events', render: integrations },
  { name: 'policies', title: 'Policies', group: 'Govern', requires: 'GET /v1/policies', render: policies },
  { name: 'audit', title: 'Audit', group: 'Govern', requires: 'GET /v1/audit', render: audit },
];
