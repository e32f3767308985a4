import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { BackupClass } from '../repository/manifest.ts';
import type { BackupService } from '../backup/service.ts';
import type { BackupSettings, BackupSettingsStore } from '../backup/settings.ts';

type Scheduled = Exclude<BackupClass, 'manual' | 'pre-restore'>;
const PRECEDENCE: Scheduled[] = ['monthly', 'weekly', 'daily', 'hourly'];

/** Cron patterns (with seconds) for each enabled schedule, from the settings. */
export function patternsOf(s: BackupSettings['schedule']): Partial<Record<Scheduled | 'verify', string>> {
  const at = (time: string) => {
    const [h, m] = time.split(':');
    return { h: Number(h), m: Number(m) };
  };
  const out: Partial<Record<Scheduled | 'verify', string>> = {};
  if (s.hourly.enabled) out.hourly = `0 ${s.hourly.minute} * * * *`;
  if (s.daily.enabled) out.daily = `0 ${at(s.daily.time).m} ${at(s.daily.time).h} * * *`;
  if (s.weekly.enabled) out.weekly = `0 ${at(s.weekly.time).m} ${at(s.weekly.time).h} * * ${s.weekly.day}`;
  if (s.monthly.enabled) out.monthly = `0 ${at(s.monthly.time).m} ${at(s.monthly.time).h} ${s.monthly.day} * *`;
  if (s.verify.enabled) out.verify = `0 ${at(s.verify.time).m} ${at(s.verify.time).h} * * ${s.verify.day}`;
  return out;
}

export interface SchedulerOptions {
  backups: BackupService;
  settings: BackupSettingsStore;
  log: Logger;
  /** Replaces the patterns from the settings (tests use second-level schedules). */
  patterns?: Partial<Record<Scheduled | 'verify', string>>;
}

/**
 * Scheduled backups in the server process (croner, in the configured time zone). When several
 * classes fall due at once (02:00 on the 1st is hourly, daily and monthly), one backup is taken,
 * of the highest class. A run never overlaps another: a tick that finds one running is skipped
 * and logged. Settings changes apply at once. At start, a run missed while the server was down
 * is caught up.
 */
export class Scheduler {
  private crons: Cron[] = [];
  private due = new Set<Scheduled>();
  private pending: NodeJS.Timeout | null = null;
  private running = false;
  lastRun: { cls: Scheduled | 'verify'; at: string; ok: boolean; error?: string } | null = null;

  constructor(private readonly opts: SchedulerOptions) {
    opts.settings.onChange(() => this.start());
  }

  private patterns(): Partial<Record<Scheduled | 'verify', string>> {
    return this.opts.patterns ?? patternsOf(this.opts.settings.get().schedule);
  }

  start(): void {
    this.stop();
    const tz = this.opts.settings.get().schedule.timezone;
    for (const [cls, pattern] of Object.entries(this.patterns())) {
      this.crons.push(
        new Cron(pattern, { timezone: tz, name: cls }, () => {
          if (cls === 'verify') void this.verify();
          else this.fallDue(cls as Scheduled);
        }),
      );
    }
  }

  stop(): void {
    for (const c of this.crons) c.stop();
    this.crons = [];
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
  }

  /** The next run of each schedule, for the console's "next in 5 h 12 min". */
  nextRuns(): { name: string; at: string | null }[] {
    return this.crons.map((c) => ({ name: c.name ?? '?', at: c.nextRun()?.toISOString() ?? null }));
  }

  get isRunning(): boolean {
    return this.crons.length > 0;
  }

  private fallDue(cls: Scheduled): void {
    this.due.add(cls);
    // Gather the classes that fire in the same instant, then take one backup of the highest.
    this.pending ??= setTimeout(() => {
      this.pending = null;
      const cls = PRECEDENCE.find((c) => this.due.has(c))!;
      this.due.clear();
      void this.backup(cls);
    }, 200);
  }

  private async backup(cls: Scheduled): Promise<void> {
    if (this.running) {
      this.opts.log.warn({ class: cls }, 'scheduled backup skipped: the previous run is still going');
      return;
    }
    this.running = true;
    const settings = this.opts.settings.get();
    try {
      await this.opts.backups.create({ actor: 'scheduler', trigger: 'schedule', class: cls, codec: settings.compression });
      this.lastRun = { cls, at: new Date().toISOString(), ok: true };
    } catch (err) {
      this.lastRun = { cls, at: new Date().toISOString(), ok: false, error: (err as Error).message };
      this.opts.log.error({ class: cls, err: (err as Error).message }, 'scheduled backup failed');
      this.running = false;
      return;
    }
    try {
      await this.opts.backups.prune({ actor: 'scheduler', policy: settings.retention });
    } catch (err) {
      this.opts.log.error({ class: cls, err: (err as Error).message }, 'prune after the scheduled backup failed (the backup itself succeeded)');
    } finally {
      this.running = false;
    }
  }

  private async verify(): Promise<void> {
    const readData = this.opts.settings.get().schedule.verify.readData;
    try {
      const report = await this.opts.backups.verify({ actor: 'scheduler', readData });
      this.lastRun = { cls: 'verify', at: new Date().toISOString(), ok: report.ok };
      if (!report.ok) this.opts.log.error({ problems: report.problems.length }, 'scheduled verification found problems');
    } catch (err) {
      this.lastRun = { cls: 'verify', at: new Date().toISOString(), ok: false, error: (err as Error).message };
      this.opts.log.error({ err: (err as Error).message }, 'scheduled verification failed');
    }
  }

  /**
   * A run missed while the server was down (its last occurrence is after the newest backup)
   * is taken now, as the highest class that was missed. Returns that class, or null.
   */
  async catchUp(newestBackupAt: string | null): Promise<Scheduled | null> {
    const tz = this.opts.settings.get().schedule.timezone;
    const since = newestBackupAt ? new Date(newestBackupAt) : new Date(0);
    const now = Date.now();
    const patterns = this.patterns();
    const missed = PRECEDENCE.find((cls) => {
      const pattern = patterns[cls];
      if (!pattern) return false;
      const next = new Cron(pattern, { timezone: tz, paused: true }).nextRun(since);
      return next !== null && next.getTime() <= now;
    });
    if (!missed) return null;
    this.opts.log.info({ class: missed, newestBackupAt }, 'catching up a missed scheduled backup');
    await this.backup(missed);
    return missed;
  }
}
