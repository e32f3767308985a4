import { z } from 'zod';
import type { AppDatabase } from '../db/app-database.ts';

/** Shown instead of a stored secret; sent back unchanged, it keeps the secret. */
export const SECRET_MASK = '********';

const channelId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a short name: lower-case letters, digits and dashes');

export const emailChannelSchema = z
  .object({
    id: channelId,
    type: z.literal('email'),
    enabled: z.boolean(),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    /** tls: TLS from the start (465); starttls: upgrade required (587); none: plain (test relays only). */
    security: z.enum(['tls', 'starttls', 'none']),
    username: z.string().optional(),
    password: z.string().optional(),
    from: z.email(),
    to: z.array(z.email()).min(1),
  })
  .strict();

export const webhookChannelSchema = z
  .object({
    id: channelId,
    type: z.literal('webhook'),
    enabled: z.boolean(),
    url: z.url({ protocol: /^https?$/ }),
    /** json: our own payload, signed; slack and teams: what their incoming webhooks expect. */
    format: z.enum(['json', 'slack', 'teams']),
    /** HMAC-SHA256 key for the X-Nexus-Signature header (json format). */
    secret: z.string().optional(),
  })
  .strict();

export const notificationSettingsSchema = z
  .object({
    channels: z.array(z.discriminatedUnion('type', [emailChannelSchema, webhookChannelSchema])).max(20),
    /** Lowest severity sent to channels (in-app notifications keep everything). */
    minSeverity: z.enum(['info', 'warning', 'error']),
    /** The same alert is sent at most once per this many minutes; its recovery once. */
    throttleMinutes: z.number().int().min(0).max(10_080),
    /** A backup whose database is this many percent smaller than the previous one raises an alert. */
    shrinkAlertPercent: z.number().int().min(1).max(100),
    /** Failed backups and verifications and RPO breaches open an incident here, closed when they clear. */
    openIncidents: z.boolean().default(true),
    /** /readyz answers 503 while the RPO is breached (for load balancers that should know). */
    rpoAffectsReadiness: z.boolean().default(false),
    /** Alert when one operation holds the repository lock longer than this. */
    lockAlertMinutes: z.number().int().min(1).max(10_080).default(120),
  })
  .strict()
  .refine((s) => new Set(s.channels.map((c) => c.id)).size === s.channels.length, { message: 'channel ids must be unique', path: ['channels'] });
export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;
export type Channel = NotificationSettings['channels'][number];

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  channels: [],
  minSeverity: 'warning',
  throttleMinutes: 60,
  shrinkAlertPercent: 50,
  openIncidents: true,
  rpoAffectsReadiness: false,
  lockAlertMinutes: 120,
};

const KEY = 'notifications';

/** Stored in the `settings` table; secrets never leave through `masked()`. */
export class NotificationSettingsStore {
  constructor(private readonly db: AppDatabase) {}

  get(): NotificationSettings {
    const row = this.db.conn.prepare('SELECT value FROM settings WHERE key = ?').get(KEY) as { value: string } | undefined;
    const parsed = row ? notificationSettingsSchema.safeParse(JSON.parse(row.value)) : null;
    return parsed?.success ? parsed.data : DEFAULT_NOTIFICATION_SETTINGS;
  }

  /** The settings for display: every stored secret replaced by the mask. */
  masked(): NotificationSettings {
    const s = this.get();
    return {
      ...s,
      channels: s.channels.map((c) =>
        c.type === 'email' ? { ...c, password: c.password ? SECRET_MASK : undefined } : { ...c, secret: c.secret ? SECRET_MASK : undefined },
      ),
    };
  }

  /** Validates and stores; a masked secret keeps the stored one of the same channel. */
  set(value: unknown, by: string): NotificationSettings {
    const next = notificationSettingsSchema.parse(value);
    const current = new Map(this.get().channels.map((c) => [c.id, c]));
    const channels = next.channels.map((c) => {
      const old = current.get(c.id);
      if (c.type === 'email' && c.password === SECRET_MASK) return { ...c, password: old?.type === 'email' ? old.password : undefined };
      if (c.type === 'webhook' && c.secret === SECRET_MASK) return { ...c, secret: old?.type === 'webhook' ? old.secret : undefined };
      return c;
    });
    const stored = { ...next, channels };
    this.db.conn
      .prepare(
        'INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
      )
      .run(KEY, JSON.stringify(stored), new Date().toISOString(), by);
    return stored;
  }
}
