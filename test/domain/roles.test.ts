import { describe, expect, it } from 'vitest';
import { ROLES, isRole } from '../../src/domain/roles.js';

describe('roles', () => {
  it('lists the SPEC §1 roles plus admin, once each', () => {
    expect([...ROLES].sort()).toEqual(
      [
        'admin',
        'auditor',
        'category_manager',
        'finance',
        'fraud_review',
        'integrator',
        'inventory_control',
        'operations_manager',
        'procurement',
        'regional_ops',
        'service_agent',
        'store_manager',
        'warehouse',
      ].sort(),
    );
    expect(new Set(ROLES).size).toBe(ROLES.length);
  });

  it('recognises roles and nothing else', () => {
    expect(isRole('finance')).toBe(true);
    expect(isRole('Finance')).toBe(false);
    expect(isRole('superuser')).toBe(false);
    expect(isRole(undefined)).toBe(false);
    expect(isRole('constructor')).toBe(false);
  });
});
