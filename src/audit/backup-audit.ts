import type { Users } from '../auth/users.ts';
import type { BackupService } from '../backup/service.ts';
import type { AuditLog } from './audit-log.ts';
import { markRecorded } from './recorded.ts';

/** The user behind an actor string: "user:alice", "token:12:alice"; null for "scheduler", "os:…". */
export function userIdOf(users: Users, actor: string): number | null {
  const name = /^user:(.+)$/.exec(actor)?.[1] ?? /^token:\d+:(.+)$/.exec(actor)?.[1];
  return name ? (users.find(name)?.id ?? null) : null;
}

/**
 * Every engine operation, from any caller in this process (API, scheduler), lands in the
 * application's audit log; the engine itself also writes the repository's journal.
 */
export function auditBackupEvents(backups: BackupService, audit: AuditLog, users: Users): void {
  backups.events.on('succeeded', (e) => {
    audit.record({ ts: e.ts, userId: userIdOf(users, e.actor), actor: e.actor, action: `backup.${e.operation}`, target: e.target, result: 'success', error: null, details: { ...e.details, durationMs: e.durationMs }, journaled: true });
  });
  backups.events.on('failed', (e) => {
    markRecorded(e.cause);
    audit.record({ ts: e.ts, userId: userIdOf(users, e.actor), actor: e.actor, action: `backup.${e.operation}`, target: e.target, result: 'failure', error: e.error, details: { code: e.code, durationMs: e.durationMs }, journaled: true });
  });
}
