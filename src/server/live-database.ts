import type { LiveDatabase } from '../backup/service.ts';
import type { BackupSettings } from '../backup/settings.ts';
import type { ServerContext } from './context.ts';

/** Verification after a swap: the schema is there and the data answers. */
const CHECKS = [
  "SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name IN ('users', 'roles', 'incidents', 'audit_logs', 'backups')",
  'SELECT count(*) AS n FROM users',
  'SELECT count(*) AS n FROM incidents',
];

/** The running server's side of an in-place restore (see BackupService.restoreInPlace). */
export function liveDatabase(ctx: ServerContext, log: (message: string) => void): LiveDatabase {
  return {
    enterMaintenance: (reason) => ctx.maintenance.enter(reason),
    leaveMaintenance: () => ctx.maintenance.leave(),
    close: () => ctx.db.close(),
    reopen: () => ctx.db.reopen(),
    verify() {
      const check = String(ctx.db.conn.pragma('quick_check', { simple: true }));
      if (check !== 'ok') throw new Error(`quick_check: ${check}`);
      const [tables] = CHECKS.map((sql) => (ctx.db.conn.prepare(sql).get() as { n: number }).n);
      if (tables !== 5) throw new Error('application tables missing');
    },
    snapshotState: () => ctx.settings.get(),
    restoreState(state, journal) {
      // Settings are the operator's current intent, not data to roll back.
      ctx.settings.set(state as BackupSettings, 'system:restore');
      const exists = ctx.db.conn.prepare('SELECT 1 FROM audit_logs WHERE ts = ? AND action = ? AND actor = ?');
      let imported = 0;
      for (const r of journal) {
        if (exists.get(r.ts, r.action, r.actor)) continue;
        ctx.audit.record({ ts: r.ts, userId: null, actor: r.actor, action: r.action, target: r.target, result: r.result, error: r.error, details: { ...r.details, journalSeq: r.seq }, journaled: true });
        imported++;
      }
      log(`settings kept; ${imported} audit record(s) newer than the backup re-imported from the repository journal`);
    },
    log,
  };
}
