import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SCHEMA_VERSION } from '../db/migrations.ts';
import { FILE_MODE, fsyncDir, mkdirDurable, tempName } from '../repository/atomic-file.ts';
import type { Manifest } from '../repository/manifest.ts';
import type { Repository } from '../repository/repository.ts';
import { safeJoin } from './data-files.ts';
import { BackupError } from './errors.ts';
import { codecFor, type ChunkCodec } from './codec-pool.ts';
import { checkDatabaseFile } from './snapshot.ts';
import type { ProgressReporter, RestoreResult } from './types.ts';

/** Chunks read, decompressed and checked ahead of the one being written. */
const READ_AHEAD = 16;

/**
 * Restores a backup to `target` (the caller holds a shared lock): chunks checked one by one
 * while they are written to a temporary file, the whole file's SHA-256 compared with the
 * manifest, integrity_check, then an atomic rename. The target is untouched on any failure.
 */
export async function restoreBackup(
  repo: Repository,
  manifest: Manifest,
  target: string,
  options: { force: boolean; files: boolean; check: 'full' | 'quick' },
  progress: ProgressReporter,
): Promise<RestoreResult> {
  const started = performance.now();
  if (manifest.app.schemaVersion > SCHEMA_VERSION) {
    throw new BackupError(
      'INCOMPATIBLE',
      `backup ${manifest.id} has schema version ${manifest.app.schemaVersion} (app ${manifest.app.version}); this build understands up to ${SCHEMA_VERSION}. Restore it with ITSM-Sec Nexus ${manifest.app.version} or newer`,
    );
  }
  await mkdirDurable(path.dirname(target));
  const tmp = tempName(target);
  const codec = codecFor(repo.config.codec, manifest.stats.logicalBytes);
  try {
    const sha256 = await assemble(repo, codec, manifest.database.chunks, tmp, manifest.database.size, (done, total) =>
      progress('database', done, total, 'bytes'),
    );
    if (sha256 !== manifest.database.sha256) {
      throw new BackupError('CORRUPT', `restored database does not match the backup's SHA-256 (${sha256} ≠ ${manifest.database.sha256})`);
    }
    progress('integrity', 0, 1, 'chunks');
    const integrity = await checkDatabaseFile(tmp, options.check);
    if (integrity.result !== 'ok') {
      throw new BackupError('INTEGRITY_FAILED', `restored database fails the integrity check: ${integrity.result.split('\n')[0]}`);
    }
    progress('integrity', 1, 1, 'chunks');
    // A -wal left beside the old file would be replayed into the restored one: remove it first.
    await fs.rm(`${target}-wal`, { force: true });
    await fs.rm(`${target}-shm`, { force: true });
    await fs.rename(tmp, target);
    await fsyncDir(path.dirname(target));
    const files = options.files ? await restoreFiles(repo, codec, manifest, path.dirname(target), options.force, progress) : 0;
    return {
      id: manifest.id,
      createdAt: manifest.createdAt,
      path: target,
      bytes: manifest.database.size,
      sha256,
      integrity: integrity.result,
      files,
      durationMs: Math.round(performance.now() - started),
      note:
        manifest.app.schemaVersion < SCHEMA_VERSION
          ? `backup has schema version ${manifest.app.schemaVersion}; the application migrates it to ${SCHEMA_VERSION} when it opens the file`
          : null,
    };
  } finally {
    await codec.close();
    await fs.rm(tmp, { force: true });
  }
}

/** Writes chunks in order to a new file (0600), reading ahead in parallel; returns the SHA-256 of what was written. */
async function assemble(
  repo: Repository,
  codec: ChunkCodec,
  chunks: string[],
  file: string,
  total: number,
  onBytes: (done: number, total: number) => void,
): Promise<string> {
  const handle = await fs.open(file, 'wx', FILE_MODE);
  const whole = crypto.createHash('sha256');
  try {
    const pending: Promise<Buffer>[] = [];
    let next = 0;
    let done = 0;
    const fill = () => {
      while (pending.length < READ_AHEAD && next < chunks.length) {
        const id = chunks[next++]!;
        const p = repo.chunks.getEncoded(id).then((body) => codec.decode(id, body));
        p.catch(() => undefined); // awaited in order below; this only stops an "unhandled" warning
        pending.push(p);
      }
    };
    fill();
    while (pending.length > 0) {
      const data = await pending.shift()!;
      fill();
      whole.update(data);
      await handle.write(data);
      done += data.byteLength;
      onBytes(done, total);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return whole.digest('hex');
}

/** Restores the data files under `root`; existing files are kept unless `force`. */
async function restoreFiles(
  repo: Repository,
  codec: ChunkCodec,
  manifest: Manifest,
  root: string,
  force: boolean,
  progress: ProgressReporter,
): Promise<number> {
  let restored = 0;
  const dirs = new Set<string>();
  const total = manifest.files.reduce((n, f) => n + f.size, 0);
  let before = 0;
  for (const entry of manifest.files) {
    const target = safeJoin(root, entry.path);
    const skip = !force && (await exists(target));
    if (!skip) {
      await mkdirDurable(path.dirname(target));
      const tmp = tempName(target);
      try {
        const sha = await assemble(repo, codec, entry.chunks, tmp, entry.size, (done) => progress('files', before + done, total, 'bytes'));
        if (sha !== entry.sha256) throw new BackupError('CORRUPT', `restored ${entry.path} does not match its SHA-256`);
        await fs.chmod(tmp, entry.mode & 0o777);
        await fs.utimes(tmp, new Date(entry.mtime), new Date(entry.mtime));
        await fs.rename(tmp, target);
        dirs.add(path.dirname(target));
      } finally {
        await fs.rm(tmp, { force: true });
      }
      restored++;
    }
    before += entry.size;
  }
  await Promise.all([...dirs].map(fsyncDir));
  return restored;
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
