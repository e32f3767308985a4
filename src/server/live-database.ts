import type { LiveDatabase } from '../backup/service.ts';
import type { BackupSettings } from '../backup/settings.ts';
import type { NotificationSettings } from '../notify/settings.ts';
import { userIdOf } from '../audit/backup-audit.ts';
import type { ServerContext } from './context.ts';

/** Verification after a swap: the schema is there and the data answers. */
const CHECKS = [
  "SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name IN ('users', 'roles', 'incidents', 'audit_logs', 'backups')",
  'SELECT count(*) AS n FROM users',
  'SELECT count(*) AS n FROM incidents',
];

interface CarriedState {
  settings: BackupSettings;
  notificationSettings: NotificationSettings;
  credentials: { username: string; roleId: number; hash: string | null; active: number; failed: number; lockedUntil: string | null }[];
  revoked: { hash: string; at: string }[];
  notifications: { id: number; at: string; kind: string; severity: string; title: string; body: string }[];
  deliveries: { notificationId: number; channel: string; status: string; attempts: number; error: string | null; at: string }[];
}

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
    snapshotState: (): CarriedState => ({
      settings: ctx.settings.get(),
      notificationSettings: ctx.notificationSettings.get(),
      credentials: ctx.db.conn
        .prepare('SELECT username, role_id AS roleId, password_hash AS hash, active, failed_logins AS failed, locked_until AS lockedUntil FROM users')
        .all() as CarriedState['credentials'],
      revoked: ctx.db.conn.prepare('SELECT token_hash AS hash, revoked_at AS at FROM api_tokens WHERE revoked_at IS NOT NULL').all() as CarriedState['revoked'],
      notifications: ctx.db.conn.prepare('SELECT id, at, kind, severity, title, body FROM notifications ORDER BY id DESC LIMIT 1000').all() as CarriedState['notifications'],
      deliveries: ctx.db.conn
        .prepare('SELECT notification_id AS notificationId, channel, status, attempts, error, at FROM notification_deliveries WHERE notification_id >= (SELECT coalesce(min(id), 0) FROM (SELECT id FROM notifications ORDER BY id DESC LIMIT 1000))')
        .all() as CarriedState['deliveries'],
    }),
    restoreState(state, journal) {
      const carried = state as CarriedState;
      // Settings and access rights are the operator's current intent, not data to roll back: a
      // restore must not bring back an old password or role, a disabled account or a revoked token.
      ctx.settings.set(carried.settings, 'system:restore');
      ctx.notificationSettings.set(carried.notificationSettings, 'system:restore');
      const setUser = ctx.db.conn.prepare('UPDATE users SET role_id = ?, password_hash = ?, active = ?, failed_logins = ?, locked_until = ? WHERE username = ?');
      const revoke = ctx.db.conn.prepare('UPDATE api_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL');
      ctx.db.conn.transaction(() => {
        for (const u of carried.credentials) setUser.run(u.roleId, u.hash, u.active, u.failed, u.lockedUntil, u.username);
        for (const t of carried.revoked) revoke.run(t.at, t.hash);
        // The history of notifications (the restore's own among them) is not rolled back either.
        const exists = ctx.db.conn.prepare('SELECT id FROM notifications WHERE at = ? AND kind = ? AND title = ?');
        const addNotification = ctx.db.conn.prepare('INSERT INTO notifications (at, kind, severity, title, body) VALUES (?, ?, ?, ?, ?)');
        const addDelivery = ctx.db.conn.prepare('INSERT INTO notification_deliveries (notification_id, channel, status, attempts, error, at) VALUES (?, ?, ?, ?, ?, ?)');
        for (const n of [...carried.notifications].reverse()) {
          if (exists.get(n.at, n.kind, n.title)) continue;
          const id = Number(addNotification.run(n.at, n.kind, n.severity, n.title, n.body).lastInsertRowid);
          for (const d of carried.deliveries.filter((x) => x.notificationId === n.id)) addDelivery.run(id, d.channel, d.status, d.attempts, d.error, d.at);
        }
      })();
      const imported = ctx.audit.importJournal(journal, (actor) => userIdOf(ctx.users, actor));
      log(`settings and credentials kept; ${imported} audit record(s) newer than the backup re-imported from the repository journal`);
    },
    log,
  };
}
