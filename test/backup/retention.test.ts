import { describe, expect, it } from 'vitest';
import { applyRetention, DEFAULT_RETENTION } from '../../src/backup/retention.ts';

const now = new Date('2026-11-26T12:00:00Z');
const at = (iso: string, pinned = false) => ({ id: iso, createdAt: iso, pinned });

describe('retention', () => {
  it('keeps the newest backup of each recent hour and day, and says why the rest go', () => {
    const backups = [
      at('2026-11-26T11:30:00Z'),
      at('2026-11-26T11:00:00Z'),
      at('2026-11-26T10:00:00Z'),
      at('2026-11-25T23:00:00Z'),
      at('2026-11-25T02:00:00Z'),
    ];
    const d = applyRetention(backups, { keepHourly: 2, keepDaily: 2, keepWeekly: 0, keepMonthly: 0, maxAgeDays: 30 }, now);
    const keep = Object.fromEntries(d.map((x) => [x.id, x.keep]));
    expect(keep).toEqual({
      '2026-11-26T11:30:00Z': true, // latest, hour 11, day 26
      '2026-11-26T11:00:00Z': false, // same hour as a newer one
      '2026-11-26T10:00:00Z': true, // second hour
      '2026-11-25T23:00:00Z': true, // day 25
      '2026-11-25T02:00:00Z': false,
    });
    expect(d.find((x) => x.id === '2026-11-26T11:00:00Z')!.reasons).toEqual(['superseded by a newer backup in the same period (hourly 2026-11-26T11)']);
    expect(d.find((x) => x.id === '2026-11-26T11:30:00Z')!.reasons).toEqual(['latest', 'hourly 2026-11-26T11', 'daily 2026-11-26']);
  });

  it('drops hourly and daily keepers past the maximum age but keeps weekly and monthly ones', () => {
    const backups = [at('2026-11-26T02:00:00Z'), at('2026-10-20T02:00:00Z'), at('2026-09-15T02:00:00Z'), at('2026-09-14T02:00:00Z')];
    const d = applyRetention(backups, { keepHourly: 0, keepDaily: 100, keepWeekly: 0, keepMonthly: 3, maxAgeDays: 30 }, now);
    expect(d.map((x) => [x.id, x.keep])).toEqual([
      ['2026-11-26T02:00:00Z', true],
      ['2026-10-20T02:00:00Z', true], // monthly 2026-10
      ['2026-09-15T02:00:00Z', true], // monthly 2026-09
      ['2026-09-14T02:00:00Z', false],
    ]);
    expect(d[3]!.reasons[0]).toMatch(/older than 30 days/);
  });

  it('never removes pinned backups or the newest one', () => {
    const d = applyRetention(
      [at('2020-01-01T00:00:00Z'), at('2019-01-01T00:00:00Z', true), at('2018-01-01T00:00:00Z')],
      { keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, maxAgeDays: 1 },
      now,
    );
    expect(d.map((x) => [x.id, x.keep, x.reasons[0]])).toEqual([
      ['2020-01-01T00:00:00Z', true, 'latest'],
      ['2019-01-01T00:00:00Z', true, 'pinned'],
      ['2018-01-01T00:00:00Z', false, 'older than 1 days and not a weekly or monthly keeper'],
    ]);
  });

  it('buckets weeks by ISO week across a year boundary', () => {
    const d = applyRetention(
      [at('2027-01-03T10:00:00Z'), at('2026-12-28T10:00:00Z'), at('2026-12-27T10:00:00Z')],
      { ...DEFAULT_RETENTION, keepHourly: 0, keepDaily: 0, keepMonthly: 0, keepWeekly: 5 },
      new Date('2027-01-04T00:00:00Z'),
    );
    // 2026-12-28 and 2027-01-03 are both in ISO week 2026-W53; 2026-12-27 is in W52.
    expect(d.map((x) => x.keep)).toEqual([true, false, true]);
    expect(d[0]!.reasons).toContain('weekly 2026-W53');
  });
});
