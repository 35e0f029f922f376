/** The people who work in omniops (SPEC §1), plus `admin` for the operators of omniops itself. */
export const ROLES = [
  'admin',
  'operations_manager',
  'regional_ops',
  'store_manager',
  'finance',
  'category_manager',
  'procurement',
  'service_agent',
  'warehouse',
  'auditor',
  'integrator',
  'inventory_control',
  'fraud_review',
] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
