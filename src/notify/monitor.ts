import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { BackupService } from '../backup/service.ts';
import type { BackupSettingsStore } from '../backup/settings.ts';
import type { Notifier } from './notifier.ts';
import type { NotificationSettingsStore } from './settings.ts';

export interface MonitorState {
  checkedAt: string | null;
  rpoBreached: boolean;
  disk: { volume: string; usedPercent: number; freeBytes: number }[];
}

/**
 * Conditions no single operation reports: the RPO (no good backup for too long), free disk on
 * the data and repository volumes, and a repository lock held for too long. Checked hourly
 * (and on demand); each raises an alert while it lasts and announces once when it clears.
 */
export class Monitor {
  state: MonitorState = { checkedAt: null, rpoBreached: false, disk: [] };
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: {
      backups: BackupService;
      notifier: Notifier;
      settings: BackupSettingsStore;
      notificationSettings: NotificationSettingsStore;
      dataDir: string;
      log: Logger;
    },
  ) {}

  /** Re-checks after every good backup, so that an RPO breach clears (and /readyz follows) at once. */
  watch(): void {
    this.opts.backups.events.on('succeeded', (e) => {
      if (e.operation === 'create') void this.check().catch((err: Error) => this.opts.log.error({ err: err.message }, 'monitor check failed'));
    });
  }

  start(intervalMs = 3600_000): void {
    this.timer = setInterval(() => void this.check().catch((err: Error) => this.opts.log.error({ err: err.message }, 'monitor check failed')), intervalMs);
    this.timer.unref();
    void this.check().catch(() => undefined);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async check(): Promise<MonitorState> {
    const { notifier, backups } = this.opts;
    const alerts = this.opts.settings.get().alerts;

    const newest = (await backups.summaries().catch(() => []))[0];
    const ageHours = newest ? (Date.now() - Date.parse(newest.createdAt)) / 3600_000 : Infinity;
    const rpoBreached = ageHours > alerts.rpoHours;
    if (rpoBreached) {
      notifier.raise('rpo.breached', {
        kind: 'rpo.breached',
        severity: 'error',
        title: 'RPO breached: no recent backup',
        body: newest ? `The newest backup (${newest.id}) is ${ageHours.toFixed(1)} h old; the target is ${alerts.rpoHours} h.` : 'There is no backup at all.',
      });
    } else {
      notifier.resolve('rpo.breached', { kind: 'rpo.met', severity: 'info', title: 'RPO met again', body: `Newest backup: ${newest!.id}.` });
    }

    const disk: MonitorState['disk'] = [];
    for (const [volume, dir] of [['data', this.opts.dataDir], ['repository', backups.repositoryPath]] as const) {
      const s = await fs.statfs(path.resolve(dir)).catch(() => null);
      if (!s) continue;
      const usedPercent = Math.round(((s.blocks - s.bavail) / s.blocks) * 100);
      disk.push({ volume, usedPercent, freeBytes: s.bavail * s.bsize });
      // Low and critical are separate alerts: reaching critical is news even right after a warning.
      const critical = usedPercent >= alerts.diskCriticalPercent;
      const key = `disk.${critical ? 'critical' : 'low'}.${volume}`;
      if (!critical) notifier.resolve(`disk.critical.${volume}`, { kind: 'disk.below-critical', severity: 'info', title: `Disk space on the ${volume} volume is below critical again`, body: `${usedPercent} % used.` });
      if (usedPercent >= alerts.diskWarningPercent) {
        notifier.raise(key, {
          kind: 'disk.low',
          severity: critical ? 'error' : 'warning',
          title: `Disk space ${critical ? 'critical' : 'low'} on the ${volume} volume`,
          body: `${usedPercent} % used (${Math.floor((s.bavail * s.bsize) / 1048576)} MiB free) at ${dir}; warning at ${alerts.diskWarningPercent} %, critical at ${alerts.diskCriticalPercent} %.`,
        });
      } else {
        notifier.resolve(`disk.low.${volume}`, { kind: 'disk.ok', severity: 'info', title: `Disk space on the ${volume} volume is fine again`, body: `${usedPercent} % used.` });
      }
    }

    const lockFile = path.join(backups.repositoryPath, 'locks', 'exclusive.json');
    const lock = await fs.readFile(lockFile, 'utf8').then((t) => JSON.parse(t) as { operation: string; since: string; pid: number; host: string }, () => null);
    const limit = this.opts.notificationSettings.get().lockAlertMinutes;
    const heldMinutes = lock ? (Date.now() - Date.parse(lock.since)) / 60_000 : 0;
    if (lock && heldMinutes > limit) {
      notifier.raise('lock.held', {
        kind: 'lock.held',
        severity: 'warning',
        title: 'A backup operation holds the repository for too long',
        body: `${lock.operation} (pid ${lock.pid} on ${lock.host}) since ${lock.since}: ${Math.round(heldMinutes)} minutes, more than ${limit}.`,
      });
    } else {
      notifier.resolve('lock.held', { kind: 'lock.released', severity: 'info', title: 'The repository lock was released', body: 'Backups can run again.' });
    }

    this.state = { checkedAt: new Date().toISOString(), rpoBreached, disk };
    return this.state;
  }
}
