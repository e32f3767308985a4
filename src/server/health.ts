import fs from 'node:fs/promises';
import { isBackupAttempt } from './backup-view.ts';
import type { ServerContext } from './context.ts';

export type Light = 'green' | 'amber' | 'red';

/**
 * What the console's health header shows: age of the last good backup against the RPO, next
 * scheduled runs, the last verification and restore, storage use, and self-checks in words.
 */
export async function backupHealth(ctx: ServerContext, actor: string) {
  const settings = ctx.settings.get();
  const list = await ctx.backups.list({ actor });
  const newest = list.find((b) => b.integrity === 'ok') ?? null;
  const ageHours = newest ? (Date.now() - Date.parse(newest.createdAt)) / 3600_000 : null;
  const rpo: Light = ageHours === null ? 'red' : ageHours <= settings.alerts.rpoHours ? 'green' : ageHours <= 2 * settings.alerts.rpoHours ? 'amber' : 'red';
  // The last operation that ran: refused requests (401/403/400, busy) are not verifications or restores.
  const last = (action: string) => ctx.audit.query({ action, limit: 100, offset: 0 }).rows.find(isBackupAttempt) ?? null;
  const repo = ctx.backups.repositoryPath;
  const stat = await fs.stat(repo).catch(() => null);
  const writable = await fs.access(repo, fs.constants.W_OK).then(() => true, () => false);
  const disk = await fs.statfs(repo).catch(() => null);
  const free = disk ? disk.bavail * disk.bsize : null;
  const total = disk ? disk.blocks * disk.bsize : null;
  const repositoryBytes = await ctx.backups.repositoryBytes().catch(() => 0);
  const databaseBytes = (await fs.stat(ctx.backups.databasePath).catch(() => ({ size: 0 }))).size;
  const usedPercent = free !== null && total ? Math.round(((total - free) / total) * 100) : null;
  return {
    rpo: { light: rpo, hours: settings.alerts.rpoHours, lastSuccessAt: newest?.createdAt ?? null, ageHours },
    nextRuns: ctx.scheduler?.nextRuns() ?? [],
    timezone: settings.schedule.timezone,
    lastVerify: last('backup.verify'),
    lastRestore: last('backup.restore-in-place'),
    storage: { repositoryBytes, databaseBytes, ratio: databaseBytes ? Number((repositoryBytes / databaseBytes).toFixed(2)) : null, freeBytes: free, totalBytes: total, usedPercent },
    checks: [
      { name: 'repository-writable', ok: writable },
      { name: 'repository-mode-0700', ok: stat ? (stat.mode & 0o777) === 0o700 : false },
      { name: 'space-for-next-backup', ok: free === null || free > (newest?.databaseBytes ?? databaseBytes) },
      { name: 'disk-below-warning', ok: usedPercent === null || usedPercent < settings.alerts.diskWarningPercent },
      { name: 'disk-below-critical', ok: usedPercent === null || usedPercent < settings.alerts.diskCriticalPercent },
      { name: 'scheduler-running', ok: ctx.scheduler?.isRunning ?? false },
    ],
  };
}
