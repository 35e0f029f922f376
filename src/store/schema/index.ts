import type { Dialect } from '../port.js';
import type { Migration } from '../migrations.js';
import { spineSchema } from './001-spine.js';
import { ordersSchema } from './002-orders.js';

/** Every migration in order. Append only: never edit one that has shipped. */
export function migrationsFor(dialect: Dialect): Migration[] {
  return [
    { version: 1, name: 'spine', sql: spineSchema(dialect) },
    { version: 2, name: 'orders', sql: ordersSchema(dialect) },
  ];
}
