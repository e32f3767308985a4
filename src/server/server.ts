import path from 'node:path';
import type { Logger } from 'pino';
import { auditBackupEvents, userIdOf } from '../audit/backup-audit.ts';
import { AuditLog } from '../audit/audit-log.ts';
import { SessionStore, sessionsFileFor } from '../auth/sessions.ts';
import { Users } from '../auth/users.ts';
import { BackupService } from '../backup/service.ts';
import { BackupSettingsStore } from '../backup/settings.ts';
import type { AppConfig } from '../config.ts';
import { AppDatabase } from '../db/app-database.ts';
import { Scheduler, type SchedulerOptions } from '../scheduler/scheduler.ts';
import { createApp } from './app.ts';
import type { ServerContext } from './context.ts';
import { backupMetrics } from '../metrics/metrics.ts';
import { Notifier } from '../notify/notifier.ts';
import { Monitor } from '../notify/monitor.ts';
import { NotificationSettingsStore } from '../notify/settings.ts';
import { Jobs } from './jobs.ts';
import { Maintenance } from './maintenance.ts';

export interface Server {
  app: ReturnType<typeof createApp>;
  ctx: ServerContext;
  firstAdmin: { username: string; generated: string | null } | null;
  close(): void;
}

/**
 * Builds the whole application for a configuration: database (created and migrated on first
 * start, with the first admin), services, scheduler and HTTP app. main.ts and tests call it.
 */
export async function createServer(
  config: AppConfig,
  log: Logger,
  options: { adminPassword?: string; schedulerPatterns?: SchedulerOptions['patterns']; retryDelaysMs?: number[] } = {},
): Promise<Server> {
  const db = new AppDatabase(config.databasePath);
  const users = new Users(() => db.conn);
  const firstAdmin = await users.ensureFirstAdmin(options.adminPassword);
  const backups = new BackupService({ databasePath: config.databasePath, repositoryPath: config.repositoryPath });
  const audit = new AuditLog(db, (e) =>
    backups
      .appendJournal({ ts: e.ts!, actor: e.actor, action: e.action, target: e.target, result: e.result, error: e.error, details: e.details })
      .catch((err: Error) => log.error({ action: e.action, err: err.message }, 'audit record not written to the repository journal')),
  );
  auditBackupEvents(backups, audit, users);
  backups.events.on('warning', (w) => log.warn({ operation: w.operation }, w.message));
  const settings = new BackupSettingsStore(db);
  const notificationSettings = new NotificationSettingsStore(db);
  const notifier = new Notifier({ db, settings: notificationSettings, log, retryDelaysMs: options.retryDelaysMs });
  notifier.watch(backups);
  const ctx: ServerContext = {
    db,
    users,
    sessions: new SessionStore(sessionsFileFor(config.databasePath)),
    backups,
    jobs: new Jobs(backups),
    audit,
    maintenance: new Maintenance(),
    settings,
    scheduler: null,
    notifier,
    notificationSettings,
    monitor: new Monitor({ backups, notifier, settings, notificationSettings, dataDir: path.dirname(path.resolve(config.databasePath)), log }),
    metrics: {
      registry: backupMetrics(backups, { rpoHours: () => settings.get().alerts.rpoHours, dataDir: path.dirname(path.resolve(config.databasePath)) }),
      token: config.metricsToken ?? null,
    },
    log,
    secureCookies: config.behindTls,
  };
  await backups.initRepository();
  // What the CLI did while the server was down is in the repository's journal only.
  const journal = await backups.journalRecords();
  const imported = audit.importJournal(journal, (actor) => userIdOf(users, actor));
  if (imported > 0) log.info({ imported }, 'audit records imported from the repository journal');
  // The catalog is a projection of the repository: rebuild it at start.
  await backups.refreshCatalog().catch((err: Error) => log.warn({ reason: err.message }, 'backup catalog not refreshed'));
  if (config.scheduler) {
    const scheduler = new Scheduler({ backups, settings, log, patterns: options.schedulerPatterns });
    ctx.scheduler = scheduler;
    scheduler.start();
    const newest = await backups.list({ actor: 'scheduler' }).then((l) => l[0]?.createdAt ?? null, () => null);
    // The first monitor check waits for the catch-up, so that it does not report a breach the catch-up fixes.
    void scheduler.catchUp(newest).finally(() => ctx.monitor.start());
  }
  ctx.monitor.watch();
  const purge = setInterval(() => ctx.sessions.purgeExpired(), 3600_000);
  purge.unref();
  const app = createApp(ctx);
  if (config.behindTls) app.set('trust proxy', 1);
  return {
    app,
    ctx,
    firstAdmin,
    close() {
      clearInterval(purge);
      ctx.monitor.stop();
      ctx.scheduler?.stop();
      ctx.sessions.close();
      db.close();
    },
  };
}
