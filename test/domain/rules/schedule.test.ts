import { describe, expect, it } from 'vitest';
import { dueSlots, isCronSlot, validateCron } from '../../../src/domain/rules/schedule.js';

const t = (iso: string) => Date.parse(iso);

describe('dueSlots', () => {
  it('nothing due between slots', () => {
    const r = dueSlots('*/15 * * * *', t('2024-03-01T10:15:00Z'), t('2024-03-01T10:29:59Z'));
    expect(r).toEqual({ kind: 'not_due', nextAt: t('2024-03-01T10:30:00Z') });
  });

  it('a slot exactly at now is due', () => {
    const r = dueSlots('*/15 * * * *', t('2024-03-01T10:15:00Z'), t('2024-03-01T10:30:00Z'));
    expect(r).toEqual({ kind: 'due', slot: t('2024-03-01T10:30:00Z'), missedEarlier: false, nextAt: t('2024-03-01T10:45:00Z') });
  });

  it('after downtime, the missed slots run once: the latest slot, flagged', () => {
    const last = t('2024-03-01T10:15:00Z');
    const now = t('2024-03-01T13:07:00Z'); // 11 slots missed
    const r = dueSlots('*/15 * * * *', last, now);
    expect(r).toEqual({ kind: 'due', slot: t('2024-03-01T13:00:00Z'), missedEarlier: true, nextAt: t('2024-03-01T13:15:00Z') });
    // once fired, the same tick is not due again
    expect(dueSlots('*/15 * * * *', t('2024-03-01T13:00:00Z'), now).kind).toBe('not_due');
  });

  it('a never-fired rule counts from its activation: no firing for slots before it existed', () => {
    const activated = t('2024-03-01T10:20:00Z');
    expect(dueSlots('0 2 * * *', activated, t('2024-03-01T23:00:00Z')).kind).toBe('not_due');
    expect(dueSlots('0 2 * * *', activated, t('2024-03-02T02:00:30Z'))).toMatchObject({ kind: 'due', slot: t('2024-03-02T02:00:00Z'), missedEarlier: false });
  });

  it('respects the timezone (02:00 Berlin is 01:00 UTC in winter)', () => {
    const r = dueSlots('0 2 * * *', t('2024-03-01T00:00:00Z'), t('2024-03-01T01:30:00Z'), 'Europe/Berlin');
    expect(r).toMatchObject({ kind: 'due', slot: t('2024-03-01T01:00:00Z') });
  });

  it('reports an invalid cron instead of throwing', () => {
    expect(dueSlots('61 * * * *', 0, 1).kind).toBe('invalid');
    expect(dueSlots('* * * * *', 0, 1, 'Mars/Olympus').kind).toBe('invalid');
  });
});

describe('cron helpers', () => {
  it('validateCron names the problem', () => {
    expect(validateCron('*/5 * * * *')).toEqual({ ok: true });
    expect(validateCron('every day')).toMatchObject({ ok: false, message: expect.stringContaining("invalid cron 'every day'") });
    expect(validateCron('0 0 30 2 *')).toMatchObject({ ok: false, message: expect.stringContaining('never fires') });
  });

  it('isCronSlot is exact to the second', () => {
    expect(isCronSlot('*/15 * * * *', t('2024-03-01T10:30:00Z'))).toBe(true);
    expect(isCronSlot('*/15 * * * *', t('2024-03-01T10:30:00.500Z'))).toBe(false);
    expect(isCronSlot('*/15 * * * *', t('2024-03-01T10:31:00Z'))).toBe(false);
  });
});
