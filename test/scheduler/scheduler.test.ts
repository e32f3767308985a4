import fs from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { BackupSettingsStore, defaultSettings } from '../../src/backup/settings.ts';
import { AppDatabase } from '../../src/db/app-database.ts';
import { patternsOf, Scheduler } from '../../src/scheduler/scheduler.ts';
import { actor, workspace } from '../helpers/workspace.ts';

const log = pino({ level: 'silent' });

describe('scheduler', () => {
  it('turns the settings into cron patterns', () => {
    const s = defaultSettings('Asia/Tokyo').schedule;
    expect(patternsOf(s)).toEqual({
      hourly: '0 0 * * * *',
      daily: '0 0 2 * * *',
      weekly: '0 0 2 * * 0',
      monthly: '0 0 2 1 * *',
      verify: '0 0 5 * * 0',
    });
    expect(patternsOf({ ...s, hourly: { enabled: false, minute: 0 } })).not.toHaveProperty('hourly');
  });

  it('fires on schedule, takes one backup of the highest class due, then prunes', async () => {
    const ws = workspace({ incidents: 200 });
    const db = new AppDatabase(ws.dbPath);
    const settings = new BackupSettingsStore(db, defaultSettings('UTC'));
    // Every two seconds hourly and daily fall due together: one daily backup each time.
    const scheduler = new Scheduler({ backups: ws.service, settings, log, patterns: { hourly: '*/2 * * * * *', daily: '*/2 * * * * *' } });
    scheduler.start();
    try {
      const deadline = Date.now() + 15_000;
      while ((await ws.service.list(actor).catch(() => [])).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      scheduler.stop();
      db.close();
    }
    const list = await ws.service.list(actor);
    expect(list.length).toBeGreaterThan(0);
    expect(list[0]).toMatchObject({ trigger: 'schedule', class: 'daily', actor: 'scheduler' });
    expect(scheduler.lastRun).toMatchObject({ cls: 'daily', ok: true });
    expect(fs.readFileSync(`${ws.repoPath}/journal/audit.ndjson`, 'utf8')).toContain('"action":"backup.prune"');
  });

  it('catches up a run missed while the server was down, and only then', async () => {
    const ws = workspace({ incidents: 50 });
    const db = new AppDatabase(ws.dbPath);
    // Only hourly and daily: whether a Sunday or a 1st fell in the last day must not matter here.
    const defaults = defaultSettings('UTC');
    const schedule = { ...defaults.schedule, weekly: { ...defaults.schedule.weekly, enabled: false }, monthly: { ...defaults.schedule.monthly, enabled: false } };
    const settings = new BackupSettingsStore(db, { ...defaults, schedule });
    const scheduler = new Scheduler({ backups: ws.service, settings, log });
    try {
      const yesterday = new Date(Date.now() - 26 * 3600_000).toISOString();
      expect(await scheduler.catchUp(yesterday)).toBe('daily');
      expect((await ws.service.list(actor))[0]).toMatchObject({ trigger: 'schedule', class: 'daily' });
      expect(await scheduler.catchUp(new Date().toISOString())).toBeNull();
      expect(await ws.service.list(actor)).toHaveLength(1);
    } finally {
      db.close();
    }
  });

  it('applies changed settings without a restart', () => {
    const ws = workspace({ incidents: 10 });
    const db = new AppDatabase(ws.dbPath);
    const settings = new BackupSettingsStore(db, defaultSettings('UTC'));
    const scheduler = new Scheduler({ backups: ws.service, settings, log });
    scheduler.start();
    try {
      expect(scheduler.nextRuns().map((n) => n.name).sort()).toEqual(['daily', 'hourly', 'monthly', 'verify', 'weekly']);
      const s = settings.get();
      settings.set({ ...s, schedule: { ...s.schedule, hourly: { enabled: false, minute: 0 }, daily: { enabled: true, time: '03:30' } } }, 'test');
      const next = scheduler.nextRuns();
      expect(next.map((n) => n.name).sort()).toEqual(['daily', 'monthly', 'verify', 'weekly']);
      const daily = new Date(next.find((n) => n.name === 'daily')!.at!);
      expect([daily.getUTCHours(), daily.getUTCMinutes()]).toEqual([3, 30]);
    } finally {
      scheduler.stop();
      db.close();
    }
  });
});
