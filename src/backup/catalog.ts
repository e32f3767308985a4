import type Database from 'better-sqlite3';
import type { Manifest } from '../repository/manifest.ts';
import type { Repository } from '../repository/repository.ts';
import type { BackupSummary } from './types.ts';

/**
 * The list of backups. The repository's manifests are the source of truth; the application's
 * `backups` table mirrors them for fast listing and is replaced wholesale, never edited alone.
 */
export function summarize(m: Manifest, pinned: boolean): BackupSummary {
  return {
    id: m.id,
    createdAt: m.createdAt,
    class: m.class,
    trigger: m.trigger,
    actor: m.actor,
    tag: m.tag,
    pinned,
    databaseBytes: m.database.size,
    logicalBytes: m.stats.logicalBytes,
    storedBytes: m.stats.storedBytes,
    newBytes: m.stats.newBytes,
    sha256: m.database.sha256,
    integrity: m.database.integrity,
    durationMs: m.stats.durationMs,
    appVersion: m.app.version,
    schemaVersion: m.app.schemaVersion,
    files: m.files.length,
  };
}

/** Every manifest that parses, oldest first, and the ids of those that do not. */
export async function readManifests(repo: Repository): Promise<{ manifests: Manifest[]; damaged: string[] }> {
  const manifests: Manifest[] = [];
  const damaged: string[] = [];
  for (const id of await repo.manifestIds()) {
    try {
      manifests.push(await repo.readManifest(id));
    } catch {
      damaged.push(id);
    }
  }
  return { manifests, damaged };
}

/** Every readable backup, newest first (by creation time: ids of the same second sort at random). */
export async function listBackups(repo: Repository): Promise<BackupSummary[]> {
  return summariesOf(repo, (await readManifests(repo)).manifests);
}

export async function summariesOf(repo: Repository, manifests: readonly Manifest[]): Promise<BackupSummary[]> {
  const out: BackupSummary[] = [];
  for (const m of manifests) out.push(summarize(m, await repo.isPinned(m.id)));
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

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
