import type { Logger } from 'pino';
import type { BackupService } from '../backup/service.ts';
import type { AppDatabase } from '../db/app-database.ts';
import { send, type Notification, type Severity } from './channels.ts';
import type { NotificationSettingsStore } from './settings.ts';

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** An alert raises a condition (`key`); the notification that clears it names it in `clears`. */
export interface Alert extends Omit<Notification, 'at'> {
  key?: string;
  clears?: string;
}

/**
 * Notifications of backup events: kept in the application (the console shows them) and sent
 * to the configured channels, each delivery retried with backoff and recorded. Delivery runs
 * beside the work that caused it and never delays or fails a backup. The same alert is sent at
 * most once per throttle period; when its condition clears, that is announced once.
 */
export class Notifier {
  private readonly lastSent = new Map<string, number>();
  private readonly raised = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private lastDatabaseBytes: number | null = null;

  constructor(
    private readonly opts: {
      db: AppDatabase;
      settings: NotificationSettingsStore;
      log: Logger;
      /** Waits between attempts; three attempts by default. */
      retryDelaysMs?: number[];
    },
  ) {}

  /** Alert conditions raised and not yet cleared. */
  get active(): string[] {
    return [...this.raised];
  }

  /** Turns the engine's events into notifications. */
  watch(backups: BackupService): void {
    void backups.summaries().then(
      (list) => (this.lastDatabaseBytes = list[0]?.databaseBytes ?? null),
      () => undefined,
    );
    backups.events.on('started', (e) => {
      if (e.operation === 'restore-in-place') this.notify({ kind: 'restore.started', severity: 'warning', title: `Restore of ${e.target} started`, body: `${e.actor} started an in-place restore; the application enters maintenance mode for the swap.` });
    });
    backups.events.on('succeeded', (e) => {
      if (e.operation === 'create') {
        const bytes = Number(e.details.bytes);
        const shrink = this.opts.settings.get().shrinkAlertPercent;
        if (this.lastDatabaseBytes !== null && bytes < this.lastDatabaseBytes * (1 - shrink / 100)) {
          this.notify({
            kind: 'backup.shrank',
            severity: 'warning',
            title: 'The database shrank sharply',
            body: `Backup ${e.target} holds ${bytes} bytes, the one before ${this.lastDatabaseBytes}: more than ${shrink} % less. Check for lost data or ransomware before the older backups age out.`,
          });
        }
        this.lastDatabaseBytes = bytes;
        this.notify({ kind: 'backup.succeeded', severity: 'info', title: `Backup ${e.target} succeeded`, body: `${e.actor}: ${bytes} bytes, ${e.details.newBytes} new, in ${e.durationMs} ms.`, clears: 'backup.failed' });
      } else if (e.operation === 'verify') {
        if (e.details.ok === false) {
          this.notify({ kind: 'verify.failed', severity: 'error', title: 'Backup verification found problems', body: `${e.details.problems} problem(s); run "nexus backup verify --read-data" to see which backups they affect.`, key: 'verify.failed' });
        } else {
          this.notify({ kind: 'verify.succeeded', severity: 'info', title: 'Backup verification passed', body: `Checked by ${e.actor}.`, clears: 'verify.failed' });
        }
      } else if (e.operation === 'restore-in-place') {
        this.resolve('restore.failed', { kind: 'restore.recovered', severity: 'info', title: 'In-place restores work again', body: `Restore of ${e.target} succeeded.` });
        if (e.details.rolledBack) {
          this.notify({ kind: 'restore.rolled-back', severity: 'warning', title: 'The last restore was rolled back', body: `${e.actor} restored safety backup ${e.target}; safety backup ${e.details.safetyBackup} holds the state before the roll-back.` });
        } else {
          this.notify({ kind: 'restore.succeeded', severity: 'warning', title: `Restore of ${e.target} finished`, body: `Safety backup ${e.details.safetyBackup} holds the state before it; roll back with POST /api/v1/restore/rollback.` });
        }
      } else if (e.operation === 'prune') {
        const removed = (e.details.removed as string[] | undefined) ?? [];
        if (e.details.dryRun) return;
        this.resolve('prune.failed', { kind: 'prune.recovered', severity: 'info', title: 'Prune works again', body: `${removed.length} backup(s) removed.` });
        if (removed.length > 0) this.notify({ kind: 'prune.succeeded', severity: 'info', title: `Prune removed ${removed.length} backup(s)`, body: `${e.details.bytesFreed} bytes freed.` });
      }
    });
    backups.events.on('failed', (e) => {
      if (e.code === 'BUSY' || e.code === 'INVALID_ARGUMENT') return; // refused requests, not failures
      const kinds: Record<string, string> = { create: 'backup.failed', 'restore-in-place': 'restore.failed', verify: 'verify.failed', prune: 'prune.failed' };
      const kind = kinds[e.operation];
      if (!kind) return;
      this.notify({ kind, severity: 'error', title: `${e.operation} failed`, body: `${e.actor}: ${e.error}`, key: kind });
    });
  }

  /** Announces that a condition cleared, if it was raised; otherwise says nothing. */
  resolve(key: string, alert: Omit<Alert, 'key' | 'clears'>): void {
    if (this.raised.has(key)) this.notify({ ...alert, clears: key });
  }

  /** Raises a condition (once per throttle period on the channels). */
  raise(key: string, alert: Omit<Alert, 'key' | 'clears'>): void {
    this.notify({ ...alert, key });
  }

  /** Records a notification and sends it to the channels that want it (not awaited by callers). */
  notify(alert: Alert): void {
    const n: Notification = { kind: alert.kind, severity: alert.severity, title: alert.title, body: alert.body, at: new Date().toISOString() };
    const settings = this.opts.settings.get();
    let recovery = false;
    if (alert.clears) {
      recovery = this.raised.delete(alert.clears);
      if (recovery) this.lastSent.delete(alert.clears);
    }
    let throttled = false;
    if (alert.key) {
      // Raised whatever its severity, so that its incident and its recovery follow it.
      const last = this.lastSent.get(alert.key);
      throttled = last !== undefined && Date.now() - last < settings.throttleMinutes * 60_000;
      this.raised.add(alert.key);
    }
    if (!this.record(n)) return;
    if (settings.openIncidents) {
      if (alert.key) this.openIncident(alert.key, n);
      if (alert.clears && recovery) this.closeIncident(alert.clears, n);
    }
    if (!recovery && RANK[n.severity] < RANK[settings.minSeverity]) return;
    if (alert.key && !throttled) this.lastSent.set(alert.key, Date.now());
    for (const channel of settings.channels.filter((c) => c.enabled)) {
      if (throttled) {
        this.delivery(n, channel.id, 'throttled', 0, null);
        continue;
      }
      const job = this.deliver(channel, n).finally(() => this.pending.delete(job));
      this.pending.add(job);
    }
  }

  private async deliver(channel: Parameters<typeof send>[0], n: Notification): Promise<void> {
    const delays = this.opts.retryDelaysMs ?? [2_000, 10_000];
    let lastError = '';
    for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
      try {
        await send(channel, n);
        this.delivery(n, channel.id, 'delivered', attempt, null);
        return;
      } catch (err) {
        lastError = (err as Error).message;
        if (attempt <= delays.length) await new Promise((r) => setTimeout(r, delays[attempt - 1]));
      }
    }
    this.opts.log.warn({ channel: channel.id, kind: n.kind, err: lastError }, 'notification not delivered');
    this.delivery(n, channel.id, 'failed', delays.length + 1, lastError);
  }

  /** Sends a test message over one channel, once, and says how it went. */
  async test(channelId: string): Promise<{ channel: string; ok: boolean; error: string | null }> {
    const channel = this.opts.settings.get().channels.find((c) => c.id === channelId);
    if (!channel) return { channel: channelId, ok: false, error: 'no such channel' };
    try {
      await send(channel, { kind: 'test', severity: 'info', title: 'Test notification', body: 'If you read this, the channel works.', at: new Date().toISOString() });
      return { channel: channelId, ok: true, error: null };
    } catch (err) {
      return { channel: channelId, ok: false, error: (err as Error).message };
    }
  }

  /** Waits for deliveries under way (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  recent(limit = 50): { notifications: unknown[]; deliveries: unknown[] } {
    const db = this.opts.db.conn;
    return {
      notifications: db.prepare('SELECT id, at, kind, severity, title, body FROM notifications ORDER BY id DESC LIMIT ?').all(limit),
      deliveries: db.prepare('SELECT notification_id AS notificationId, channel, status, attempts, error, at FROM notification_deliveries ORDER BY id DESC LIMIT ?').all(limit),
    };
  }

  /**
   * An alert becomes an incident in ITSM-Sec Nexus itself, one per condition: the marker in its
   * description finds it again, also after a restart.
   */
  private openIncident(key: string, n: Notification): void {
    if (!this.opts.db.isOpen) return;
    const db = this.opts.db.conn;
    const marker = `[alert:${key}]`;
    const open = db.prepare("SELECT id FROM incidents WHERE description LIKE ? AND status NOT IN ('resolved', 'closed')").get(`%${marker}%`);
    if (open) return;
    const now = new Date().toISOString();
    db.transaction(() => {
      const next = ((db.prepare('SELECT max(id) AS m FROM incidents').get() as { m: number | null }).m ?? 0) + 1;
      db.prepare(
        `INSERT INTO incidents (number, title, description, status, priority, category, created_at, updated_at)
         VALUES (?, ?, ?, 'new', ?, 'backup', ?, ?)`,
      ).run(`INC-${String(next).padStart(7, '0')}`, `[Backup] ${n.title}`, `${n.body}\n\n${marker} opened automatically by data protection`, n.severity === 'error' ? 'P2' : 'P3', now, now);
    })();
  }

  private closeIncident(key: string, n: Notification): void {
    if (!this.opts.db.isOpen) return;
    const now = new Date().toISOString();
    this.opts.db.conn
      .prepare(
        `UPDATE incidents SET status = 'resolved', resolved_at = ?, updated_at = ?, description = description || ?
         WHERE description LIKE ? AND status NOT IN ('resolved', 'closed')`,
      )
      .run(now, now, `\n\nResolved automatically: ${n.title} (${now})`, `%[alert:${key}]%`);
  }

  private record(n: Notification): boolean {
    if (!this.opts.db.isOpen) return false; // the seconds of a restore's swap
    this.opts.db.conn.prepare('INSERT INTO notifications (at, kind, severity, title, body) VALUES (?, ?, ?, ?, ?)').run(n.at, n.kind, n.severity, n.title, n.body);
    return true;
  }

  /**
   * Records a delivery against its notification, found again by its content: a restore may have
   * replaced the database (and renumbered the notifications) while it was being delivered.
   */
  private delivery(n: Notification, channel: string, status: 'delivered' | 'failed' | 'throttled', attempts: number, error: string | null): void {
    if (!this.opts.db.isOpen) return;
    try {
      const row = this.opts.db.conn.prepare('SELECT id FROM notifications WHERE at = ? AND kind = ? AND title = ?').get(n.at, n.kind, n.title) as { id: number } | undefined;
      if (!row) return;
      this.opts.db.conn
        .prepare('INSERT INTO notification_deliveries (notification_id, channel, status, attempts, error, at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(row.id, channel, status, attempts, error, new Date().toISOString());
    } catch (err) {
      // A restore may have replaced the database since the notification was recorded.
      this.opts.log.warn({ channel, status, err: (err as Error).message }, 'notification delivery not recorded');
    }
  }
}
