import { z } from 'zod';
import type { AppDatabase } from '../db/app-database.ts';
import { DEFAULT_RETENTION, retentionPolicySchema } from './retention.ts';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24 h)');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Backup settings: schedule, retention, compression and alert thresholds. */
export const backupSettingsSchema = z
  .object({
    schedule: z.object({
      timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Asia/Tokyo or UTC'),
      hourly: z.object({ enabled: z.boolean(), minute: z.number().int().min(0).max(59) }).strict(),
      daily: z.object({ enabled: z.boolean(), time }).strict(),
      /** Day of the week, 0 = Sunday. */
      weekly: z.object({ enabled: z.boolean(), day: z.number().int().min(0).max(6), time }).strict(),
      /** Day of the month, 1-28 so that every month has it. */
      monthly: z.object({ enabled: z.boolean(), day: z.number().int().min(1).max(28), time }).strict(),
      verify: z.object({ enabled: z.boolean(), day: z.number().int().min(0).max(6), time, readData: z.boolean() }).strict(),
    }).strict(),
    retention: retentionPolicySchema,
    compression: z.enum(['brotli', 'deflate', 'none']),
    alerts: z
      .object({
        /** RPO: a successful backup must be younger than this. */
        rpoHours: z.number().min(0.25).max(24 * 31),
        diskWarningPercent: z.number().int().min(1).max(99),
        diskCriticalPercent: z.number().int().min(1).max(100),
      })
      .strict(),
  })
  .strict()
  .refine((s) => s.alerts.diskCriticalPercent > s.alerts.diskWarningPercent, {
    message: 'must be above diskWarningPercent',
    path: ['alerts', 'diskCriticalPercent'],
  });
export type BackupSettings = z.infer<typeof backupSettingsSchema>;

export function defaultSettings(timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'): BackupSettings {
  return {
    schedule: {
      timezone,
      hourly: { enabled: true, minute: 0 },
      daily: { enabled: true, time: '02:00' },
      weekly: { enabled: true, day: 0, time: '02:00' },
      monthly: { enabled: true, day: 1, time: '02:00' },
      verify: { enabled: true, day: 0, time: '05:00', readData: true },
    },
    retention: DEFAULT_RETENTION,
    compression: 'brotli',
    alerts: { rpoHours: 1, diskWarningPercent: 80, diskCriticalPercent: 90 },
  };
}

const KEY = 'backup';

/** Kept in the application database's `settings` table (so backups carry them). */
export class BackupSettingsStore {
  private readonly listeners = new Set<(s: BackupSettings) => void>();

  constructor(
    private readonly db: AppDatabase,
    private readonly defaults: BackupSettings = defaultSettings(),
  ) {}

  get(): BackupSettings {
    const row = this.db.conn.prepare('SELECT value FROM settings WHERE key = ?').get(KEY) as { value: string } | undefined;
    if (!row) return this.defaults;
    const parsed = backupSettingsSchema.safeParse(JSON.parse(row.value));
    return parsed.success ? parsed.data : this.defaults;
  }

  /** Validates and stores; listeners (the scheduler) apply the change at once. */
  set(value: unknown, by: string): BackupSettings {
    const settings = backupSettingsSchema.parse(value);
    this.db.conn
      .prepare('INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by')
      .run(KEY, JSON.stringify(settings), new Date().toISOString(), by);
    for (const l of this.listeners) l(settings);
    return settings;
  }

  onChange(listener: (s: BackupSettings) => void): void {
    this.listeners.add(listener);
  }
}
