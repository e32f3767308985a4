import crypto from 'node:crypto';
import { z } from 'zod';

/** Backup ids: the creation time to the second (UTC) and four random hex digits. */
export const BACKUP_ID = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z-[0-9a-f]{4}$/;

export function newBackupId(at: Date): string {
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${crypto.randomBytes(2).toString('hex')}`;
}

export function isBackupId(value: string): boolean {
  return BACKUP_ID.test(value);
}

export const TRIGGERS = ['cli', 'api', 'ui', 'schedule', 'pre-restore'] as const;
export const CLASSES = ['manual', 'hourly', 'daily', 'weekly', 'monthly', 'pre-restore'] as const;
export type Trigger = (typeof TRIGGERS)[number];
export type BackupClass = (typeof CLASSES)[number];

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const fileEntrySchema = z.object({
  /** Relative to the data directory, '/'-separated, e.g. `logs/app.1.log`. */
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  mode: z.number().int(),
  mtime: z.string(),
  sha256,
  chunks: z.array(sha256),
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

export const manifestSchema = z.object({
  format: z.literal(1),
  id: z.string().regex(BACKUP_ID),
  createdAt: z.string(),
  trigger: z.enum(TRIGGERS),
  class: z.enum(CLASSES),
  actor: z.string(),
  tag: z.string().nullable(),
  app: z.object({ name: z.string(), version: z.string(), schemaVersion: z.number().int() }),
  tool: z.object({ node: z.string(), sqlite: z.string() }),
  database: z.object({
    name: z.string(),
    pageSize: z.number().int().positive(),
    pageCount: z.number().int().nonnegative(),
    size: z.number().int().nonnegative(),
    sha256,
    chunkSize: z.number().int().positive(),
    chunks: z.array(sha256),
    integrity: z.string(),
    snapshotMethod: z.enum(['file', 'serialize']),
  }),
  files: z.array(fileEntrySchema),
  stats: z.object({
    /** Bytes this backup restores (database plus files). */
    logicalBytes: z.number().int().nonnegative(),
    /** Stored (compressed) bytes of every distinct chunk this backup refers to. */
    storedBytes: z.number().int().nonnegative(),
    /** Stored bytes this backup added to the repository (0 when everything was deduplicated). */
    newBytes: z.number().int().nonnegative(),
    chunks: z.number().int().nonnegative(),
    newChunks: z.number().int().nonnegative(),
    durationMs: z.number().int().nonnegative(),
    codec: z.string(),
  }),
  /** Reserved for continuous WAL shipping (point-in-time recovery between snapshots). */
  wal: z.object({ generation: z.string(), position: z.number().int() }).nullable(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export function manifestKey(id: string): string {
  return `manifests/${id}.json`;
}

/** Every chunk a manifest needs, database and files, without duplicates. */
export function chunksOf(manifest: Manifest): Set<string> {
  const all = new Set(manifest.database.chunks);
  for (const f of manifest.files) for (const c of f.chunks) all.add(c);
  return all;
}
