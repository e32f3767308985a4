import type Database from 'better-sqlite3';
import type { BackupSummary } from './service.ts';

/**
 * The application's `backups` table mirrors the repository's manifests for fast listing in the
 * application. It is replaced wholesale from the manifests, never edited on its own.
 */
export function syncCatalog(db: Database.Database, backups: readonly BackupSummary[]): void {
  const table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'backups'").get();
  if (!table) return;
  const insert = db.prepare(
    `INSERT INTO backups (id, created_at, class, trigger, actor, tag, status, db_bytes, new_bytes, sha256, integrity,
                          duration_ms, app_version, schema_version, pinned)
     VALUES (@id, @createdAt, @class, @trigger, @actor, @tag, 'success', @databaseBytes, @newBytes, @sha256, @integrity,
             @durationMs, @appVersion, @schemaVersion, @pinned)`,
  );
  db.transaction(() => {
    db.prepare('DELETE FROM backups').run();
    for (const b of backups) insert.run({ ...b, pinned: b.pinned ? 1 : 0 });
  }).immediate();
}
