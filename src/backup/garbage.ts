import { chunksOf } from '../repository/manifest.ts';
import type { Repository } from '../repository/repository.ts';
import { readManifests } from './catalog.ts';
import { BackupError } from './errors.ts';
import type { ProgressReporter } from './types.ts';

/**
 * Removes chunks that no manifest refers to (the caller holds the exclusive lock and has
 * already removed the manifests). Refuses when a manifest cannot be read: it might need them.
 */
export async function collectGarbage(repo: Repository, progress: ProgressReporter): Promise<{ chunksRemoved: number; bytesFreed: number }> {
  const { manifests, damaged } = await readManifests(repo);
  if (damaged.length > 0) {
    throw new BackupError('CORRUPT', `not collecting garbage: manifest(s) ${damaged.join(', ')} cannot be read`);
  }
  const live = new Set<string>();
  for (const m of manifests) for (const c of chunksOf(m)) live.add(c);
  const garbage = (await repo.chunks.list()).filter((id) => !live.has(id));
  let bytesFreed = 0;
  for (const [i, id] of garbage.entries()) {
    bytesFreed += (await repo.chunks.storedSize(id)) ?? 0;
    await repo.chunks.delete(id);
    progress('chunks', i + 1, garbage.length, 'chunks');
  }
  await repo.chunks.flush();
  return { chunksRemoved: garbage.length, bytesFreed };
}

/** Stored bytes that removing these backups would free: chunks only they use. */
export async function estimateFreed(repo: Repository, doomed: readonly string[]): Promise<number> {
  const { manifests } = await readManifests(repo);
  const gone = new Set(doomed);
  const kept = new Set<string>();
  for (const m of manifests) if (!gone.has(m.id)) for (const c of chunksOf(m)) kept.add(c);
  const freed = new Set<string>();
  for (const m of manifests) if (gone.has(m.id)) for (const c of chunksOf(m)) if (!kept.has(c)) freed.add(c);
  let bytes = 0;
  for (const c of freed) bytes += (await repo.chunks.storedSize(c)) ?? 0;
  return bytes;
}
