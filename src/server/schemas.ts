import { z } from 'zod';
import { BACKUP_ID, CLASSES, TRIGGERS } from '../repository/manifest.ts';

/** Request and response shapes of the HTTP API; the OpenAPI document is generated from these. */
export const idParams = z.object({ id: z.string().regex(BACKUP_ID, 'a backup id such as 2026-11-24T02:00:00Z-ab12') });
export const jobParams = z.object({ id: z.uuid('a job id') });
export const numericIdParams = z.object({ id: z.coerce.number().int().positive() });

const isoTime = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), 'an ISO 8601 date and time');

export const backupSummary = z.object({
  id: z.string(),
  createdAt: z.string(),
  class: z.enum(CLASSES),
  trigger: z.enum(TRIGGERS),
  actor: z.string(),
  tag: z.string().nullable(),
  pinned: z.boolean(),
  databaseBytes: z.number(),
  logicalBytes: z.number(),
  storedBytes: z.number(),
  newBytes: z.number(),
  sha256: z.string(),
  integrity: z.string(),
  durationMs: z.number(),
  appVersion: z.string(),
  schemaVersion: z.number(),
  files: z.number(),
});

export const listQuery = z.object({
  class: z.enum(CLASSES).optional(),
  status: z.enum(['success', 'warning']).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const backupRow = backupSummary.extend({
  verify: z.object({ at: z.string(), ok: z.boolean() }).nullable(),
  retention: z.object({ keep: z.boolean(), reasons: z.array(z.string()) }),
  status: z.enum(['success', 'warning']),
});
export const backupList = z.object({
  total: z.number().int(),
  items: z.array(backupRow),
  failures: z.array(z.object({ at: z.string(), actor: z.string(), error: z.string().nullable() })),
});
export const createBody = z.object({ tag: z.string().regex(/^[\w.:@ -]{1,64}$/, '1-64 letters, digits, spaces or . _ : @ -').optional() }).strict();
export const restoreBody = z.object({ confirm: z.string().min(1, 'type the backup id to confirm') }).strict();
export const pointInTimeBody = z.object({ at: isoTime, confirm: z.literal('RESTORE', 'type RESTORE to confirm') }).strict();
export const rollbackBody = z.object({ confirm: z.literal('ROLLBACK', 'type ROLLBACK to confirm') }).strict();
export const verifyBody = z.object({ readData: z.boolean().default(true) }).strict();
export const pinBody = z.object({ pinned: z.boolean() }).strict();
export const pruneBody = z.object({ dryRun: z.boolean().default(true) }).strict();

export const jobAccepted = z.object({ jobId: z.string(), status: z.string(), statusUrl: z.string(), eventsUrl: z.string() });
export const jobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  actor: z.string(),
  status: z.enum(['running', 'succeeded', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  progress: z.object({ operation: z.string(), phase: z.string(), done: z.number(), total: z.number(), unit: z.string() }).nullable(),
  log: z.array(z.object({ ts: z.string(), message: z.string() })),
  result: z.unknown(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

export const loginBody = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict();
export const meSchema = z.object({
  user: z.object({ id: z.number(), username: z.string(), displayName: z.string(), role: z.string() }),
  csrfToken: z.string().nullable(),
});

export const auditQuery = z.object({
  action: z.string().regex(/^[\w.-]+\*?$/, 'an action such as backup.restore, or a prefix ending in * (backup.*)').optional(),
  actor: z.string().max(200).optional(),
  result: z.enum(['success', 'failure']).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  format: z.enum(['json', 'csv']).default('json'),
});

export const incidentSchema = z.object({
  id: z.number(),
  number: z.string(),
  title: z.string(),
  description: z.string(),
  status: z.enum(['new', 'in_progress', 'on_hold', 'resolved', 'closed']),
  priority: z.enum(['P1', 'P2', 'P3', 'P4']),
  category: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const incidentCreate = z
  .object({
    title: z.string().min(3).max(200),
    description: z.string().max(20_000).default(''),
    priority: z.enum(['P1', 'P2', 'P3', 'P4']).default('P3'),
    category: z.string().min(1).max(50).default('general'),
  })
  .strict();
export const incidentUpdate = z
  .object({
    title: z.string().min(3).max(200).optional(),
    description: z.string().max(20_000).optional(),
    status: z.enum(['new', 'in_progress', 'on_hold', 'resolved', 'closed']).optional(),
    priority: z.enum(['P1', 'P2', 'P3', 'P4']).optional(),
  })
  .strict();
export const incidentQuery = z.object({
  status: z.enum(['new', 'in_progress', 'on_hold', 'resolved', 'closed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
