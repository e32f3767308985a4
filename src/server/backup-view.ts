import type { AuditRow } from '../audit/audit-log.ts';
import { applyRetention } from '../backup/retention.ts';
import type { BackupSummary } from '../backup/types.ts';
import type { ServerContext } from './context.ts';

export interface BackupRow extends BackupSummary {
  /** The latest verification of this backup, from the audit log. */
  verify: { at: string; ok: boolean } | null;
  /** What the retention policy would do with this backup on the next prune, and why. */
  retention: { keep: boolean; reasons: string[] };
  status: 'success' | 'warning';
}

export interface FailedAttempt {
  at: string;
  actor: string;
  error: string | null;
}

/**
 * The backup list as the console shows it: each backup with its verify state and what
 * retention will do with it, plus the failed attempts (which leave no backup behind).
 */
export function decorate(ctx: ServerContext, backups: BackupSummary[]): { items: BackupRow[]; failures: FailedAttempt[] } {
  // Verifications that ran (refused requests are not), newest first. One of the whole
  // repository speaks for every backup older than it, naming the ones it found damaged.
  const verifies = ctx.audit.query({ action: 'backup.verify', limit: 10_000, offset: 0 }).rows.filter(isBackupAttempt);
  const verifyOf = (b: BackupSummary): { at: string; ok: boolean } | null => {
    const v = verifies.find((r) => (r.target === b.id || (r.target === null && r.ts > b.createdAt)));
    if (!v) return null;
    if (v.target !== null) return { at: v.ts, ok: v.result === 'success' && v.details?.ok !== false };
    // A verification of the whole repository names the backups its problems affect.
    const affected = (v.details?.affected as string[] | undefined) ?? [];
    return { at: v.ts, ok: v.result === 'success' && !affected.includes(b.id) };
  };
  const decisions = new Map(applyRetention(backups, ctx.settings.get().retention).map((d) => [d.id, d]));
  const items = backups.map((b) => {
    const verify = verifyOf(b);
    const d = decisions.get(b.id)!;
    return { ...b, verify, retention: { keep: d.keep, reasons: d.reasons }, status: verify && !verify.ok ? ('warning' as const) : ('success' as const) };
  });
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const failures = ctx.audit
    .query({ action: 'backup.create', result: 'failure', from: since, limit: 1000, offset: 0 })
    .rows.filter(isBackupAttempt)
    .map((r) => ({ at: r.ts, actor: r.actor, error: r.error }));
  return { items, failures };
}

/** A backup.create audit record of a real attempt: refused requests (401/403/400, busy) are not. */
export function isBackupAttempt(r: AuditRow): boolean {
  return !/^4\d\d /.test(r.error ?? '') && r.details?.code !== 'BUSY';
}

/** One cell per day of the last `days` days: backups made and attempts that failed. */
export function calendar(items: BackupSummary[], failures: FailedAttempt[], days = 30): { day: string; backups: number; failures: number }[] {
  const out: { day: string; backups: number; failures: number }[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(Date.now() - i * 86_400_000).toISOString().slice(0, 10);
    out.push({
      day,
      backups: items.filter((b) => b.createdAt.startsWith(day)).length,
      failures: failures.filter((f) => f.at.startsWith(day)).length,
    });
  }
  return out;
}
