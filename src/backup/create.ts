import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FileEntry, Manifest } from '../repository/manifest.ts';
import { newBackupId } from '../repository/manifest.ts';
import type { Repository } from '../repository/repository.ts';
import { APP_NAME, APP_VERSION } from '../version.ts';
import { hashed, newStoreContext, storeStream } from './chunk-writer.ts';
import { listDataFiles, readInChunks } from './data-files.ts';
import { BackupError } from './errors.ts';
import { codecFor, type ChunkCodec } from './codec-pool.ts';
import { openSnapshot, type Snapshot } from './snapshot.ts';
import type { CreateOptions, ProgressReporter } from './types.ts';

/**
 * Takes a backup into `repo` (the caller holds the exclusive lock): a consistent snapshot of
 * the database, checked by integrity_check on the same snapshot, then the data files; every
 * chunk made durable; the manifest written last. Nothing is committed if any step fails.
 */
export async function takeBackup(
  repo: Repository,
  databasePath: string,
  options: CreateOptions & { check: 'full' | 'quick'; previousNewBytes?: number },
  progress: ProgressReporter,
): Promise<Manifest> {
  const started = performance.now();
  const createdAt = new Date();
  const snapshot = await openSnapshot(databasePath, repo.config.chunkSize, options.check);
  const dbTotal = snapshot.meta.pageSize * snapshot.meta.pageCount;
  const codec = codecFor(options.codec ?? repo.config.codec, dbTotal);
  try {
    await assertRoomFor(repo, dbTotal, options.previousNewBytes);
    return await storeSnapshot(snapshot, codec, repo, databasePath, options, progress, started, createdAt);
  } catch (err) {
    await snapshot.abort();
    throw err;
  } finally {
    await codec.close();
  }
}

async function storeSnapshot(
  snapshot: Snapshot,
  codec: ChunkCodec,
  repo: Repository,
  databasePath: string,
  options: CreateOptions,
  progress: ProgressReporter,
  started: number,
  createdAt: Date,
): Promise<Manifest> {
  const ctx = newStoreContext();
  const chunkSize = repo.config.chunkSize;
  const encode = (data: Buffer) => codec.encode(data);
  const dbTotal = snapshot.meta.pageSize * snapshot.meta.pageCount;
  const stored = await storeStream(repo, snapshot.chunks, ctx, encode, (done) => progress('database', done, dbTotal, 'bytes'));
  const integrity = await snapshot.integrity;
  if (integrity.result !== 'ok') {
    throw new BackupError(
      'INTEGRITY_FAILED',
      `integrity check of the snapshot failed, backup not committed: ${integrity.result.split('\n').slice(0, 5).join('; ')}`,
    );
  }

  const files: FileEntry[] = [];
  const dataFiles = await listDataFiles(path.dirname(databasePath));
  const filesTotal = dataFiles.reduce((n, f) => n + f.size, 0);
  let filesDone = 0;
  for (const file of dataFiles) {
    const before = filesDone;
    const whole = crypto.createHash('sha256');
    const result = await storeStream(repo, hashed(readInChunks(file, chunkSize), whole), ctx, encode, (done) =>
      progress('files', before + done, filesTotal, 'bytes'),
    );
    filesDone += result.size;
    const sha256 = whole.digest('hex');
    files.push({ path: file.path, size: result.size, mode: file.mode, mtime: file.mtime, sha256, chunks: result.chunks });
  }

  // Every chunk must be durable before the manifest that names it exists.
  progress('commit', 0, 1, 'chunks');
  await repo.chunks.flush();
  const manifest: Manifest = {
    format: 1,
    id: newBackupId(createdAt),
    createdAt: createdAt.toISOString(),
    trigger: options.trigger,
    class: options.class ?? (options.trigger === 'pre-restore' ? 'pre-restore' : 'manual'),
    actor: options.actor,
    tag: options.tag ?? null,
    app: { name: APP_NAME, version: APP_VERSION, schemaVersion: snapshot.meta.schemaVersion },
    tool: { node: process.version, sqlite: sqliteVersion() },
    database: {
      name: path.basename(databasePath),
      pageSize: snapshot.meta.pageSize,
      pageCount: snapshot.meta.pageCount,
      size: stored.size,
      sha256: snapshot.sha256(),
      chunkSize: snapshot.meta.chunkSize,
      chunks: stored.chunks,
      integrity: integrity.result,
      snapshotMethod: snapshot.meta.method,
    },
    files,
    stats: {
      logicalBytes: stored.size + filesDone,
      storedBytes: ctx.storedBytes,
      newBytes: ctx.newBytes,
      chunks: ctx.seen.size,
      newChunks: ctx.newChunks,
      durationMs: Math.round(performance.now() - started),
      codec: options.codec ?? repo.config.codec,
    },
    wal: null,
  };
  await repo.writeManifest(manifest);
  progress('commit', 1, 1, 'chunks');
  return manifest;
}

/** Kept free beyond the estimate (the manifest, the journal, the filesystem): 64 MiB, or 5 % of a small volume. */
const RESERVE_BYTES = 64 * 1024 * 1024;
const RESERVE_SHARE = 0.05;

/**
 * Refuses a backup that would not fit, before it writes anything. The estimate: what the
 * previous backup added, doubled; for a first backup a third of the database (brotli stores
 * ITSM data at about a sixth, docs/benchmarks.md).
 */
async function assertRoomFor(repo: Repository, databaseBytes: number, previousNewBytes: number | undefined): Promise<void> {
  const disk = await fs.statfs(repo.root).catch(() => null);
  if (!disk) return;
  const free = disk.bavail * disk.bsize;
  const reserve = Math.min(RESERVE_BYTES, disk.blocks * disk.bsize * RESERVE_SHARE);
  const needed = (previousNewBytes === undefined ? Math.ceil(databaseBytes / 3) : 2 * previousNewBytes) + reserve;
  if (needed > free) {
    const mib = (b: number) => (b / 1048576).toFixed(1);
    throw new BackupError(
      'NO_SPACE',
      `not enough space for the backup on ${repo.root}: it needs about ${mib(needed)} MiB with a reserve, ${mib(free)} MiB are free; nothing was written`,
    );
  }
}

let cachedSqliteVersion: string | undefined;
function sqliteVersion(): string {
  if (!cachedSqliteVersion) {
    const db = new Database(':memory:');
    cachedSqliteVersion = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    db.close();
  }
  return cachedSqliteVersion;
}
