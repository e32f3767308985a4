import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Notifier } from '../notify/notifier.ts';
import type { Monitor } from '../notify/monitor.ts';
import type { NotificationSettingsStore } from '../notify/settings.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { SessionStore } from '../auth/sessions.ts';
import type { Users } from '../auth/users.ts';
import type { BackupService } from '../backup/service.ts';
import type { AppDatabase } from '../db/app-database.ts';
import type { Jobs } from './jobs.ts';
import type { Maintenance } from './maintenance.ts';
import type { BackupSettingsStore } from '../backup/settings.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';

/** Everything the HTTP layer needs, built once in main.ts (or by a test). */
export interface ServerContext {
  db: AppDatabase;
  users: Users;
  sessions: SessionStore;
  backups: BackupService;
  jobs: Jobs;
  audit: AuditLog;
  maintenance: Maintenance;
  settings: BackupSettingsStore;
  scheduler: Scheduler | null;
  log: Logger;
  notifier: Notifier;
  monitor: Monitor;
  notificationSettings: NotificationSettingsStore;
  /** Prometheus registry of /metrics, and the token other hosts need to read it. */
  metrics: { registry: Registry; token: string | null };
  /** Set Secure on cookies (behind TLS). */
  secureCookies: boolean;
}
